import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { readJsonl, type Message, type Trajectory } from "@sera/core";
import type { OpenAiTool } from "../dataset/format/tools.js";

/**
 * A dataset's sources are output directories of other runs: a sera-generate run, or a
 * `sera ingest` directory laid out the same way. Their record files (never the store) say which
 * rollouts exist; the trajectory files hold the conversations.
 */

export interface RolloutRecord {
  run_id: string;
  instance_id: string;
  phase: string;
  /** Which rollout-1 attempt of the instance (record files written before the rename call it `attempt`). */
  rollout_attempt: number;
  exit_status: string;
  steps: number | null;
  self_check: boolean | null;
  trajectory_path: string;
}

interface PatchRecord {
  instance_id: string;
  phase: string;
  rollout_attempt: number;
  patch: string;
}

/** Record files written before `attempt` became `rollout_attempt` are read under the new name. */
function withRolloutAttempt<T extends { rollout_attempt: number }>(row: T & { attempt?: number }): T {
  return row.rollout_attempt === undefined && row.attempt !== undefined ? { ...row, rollout_attempt: row.attempt } : row;
}

interface VerificationRecord {
  instance_id: string;
  recall: number | null;
  candidate_lines: number | null;
  verdict: string | null;
}

export interface InstanceRecord {
  instance_id: string;
  repo: string | null;
  commit_sha: string | null;
  file: string | null;
  function: string | null;
}

export interface SourceRecords {
  runId: string;
  outDir: string;
  /** `generation` or `ingest`, from the record files present. */
  kind: string;
  rollouts: RolloutRecord[];
  patches: Map<string, string>;
  verifications: Map<string, VerificationRecord>;
  instances: Map<string, InstanceRecord>;
  /** What the source run is (its params and experiment), when the directory is a run's out/. */
  plan: { experiment?: string; stage?: string; kind?: string; params?: Record<string, unknown> } | null;
}

export const rolloutKey = (instanceId: string, phase: string, rolloutAttempt: number): string => `${instanceId}\u0000${phase}\u0000${rolloutAttempt}`;

/**
 * `plan`: what the source run is — from the stage context for an upstream run, from core's
 * `readRunPlanOfOutput` for a folder named in `from`; null for a folder that is no run's output.
 */
export function readSource(runId: string, outDir: string, plan: SourceRecords["plan"]): SourceRecords {
  const records = path.join(outDir, "records");
  const rolloutsFile = path.join(records, "rollouts.jsonl");
  if (!existsSync(rolloutsFile)) {
    throw new Error(`source run ${runId}: ${rolloutsFile} does not exist (is ${outDir} the output of a sera-generate run or a sera ingest?)`);
  }
  const rollouts = readJsonl<RolloutRecord>(rolloutsFile).map(withRolloutAttempt);
  const patches = new Map(
    readJsonl<PatchRecord>(path.join(records, "patches.jsonl"))
      .map(withRolloutAttempt)
      .map((row) => [rolloutKey(row.instance_id, row.phase, row.rollout_attempt), row.patch]),
  );
  const verifications = new Map(readJsonl<VerificationRecord>(path.join(records, "verifications.jsonl")).map((row) => [row.instance_id, row]));
  const instances = new Map(readJsonl<InstanceRecord>(path.join(records, "instances.jsonl")).map((row) => [row.instance_id, row]));
  const kind = existsSync(path.join(records, "foreign_trajectories.jsonl")) ? "ingest" : "generation";
  return { runId, outDir, kind, rollouts, patches, verifications, instances, plan };
}

/** The trajectory file both generation and ingest write: `{instanceId, phase, attempt, messages, exitStatus, patch[, tools, source]}`. */
interface TrajectoryFile {
  instanceId: string;
  messages: Message[];
  exitStatus?: string;
  patch?: string;
  steps?: number;
  source?: string;
  tools?: OpenAiTool[];
}

export interface LoadedTrajectory {
  trajectory: Trajectory;
  /** Tools stored with an ingested sample (SFT JSONL `tool_json`). */
  tools: OpenAiTool[] | undefined;
}

/**
 * Where a rollout's conversation is: generation records absolute paths, ingest records paths
 * relative to its directory. A project folder that was moved still resolves through the
 * instance-directory layout.
 */
export function trajectoryFileOf(source: SourceRecords, rollout: RolloutRecord): string {
  const recorded = path.isAbsolute(rollout.trajectory_path) ? rollout.trajectory_path : path.join(source.outDir, rollout.trajectory_path);
  if (existsSync(recorded)) return recorded;
  return path.join(source.outDir, "instances", rollout.instance_id, path.basename(rollout.trajectory_path));
}

export function readTrajectoryFile(file: string, rollout: RolloutRecord, sourceKind: string): LoadedTrajectory {
  const raw = JSON.parse(readFileSync(file, "utf8")) as TrajectoryFile;
  if (!Array.isArray(raw.messages)) throw new Error(`${file}: no messages list`);
  return {
    trajectory: {
      instanceId: raw.instanceId ?? rollout.instance_id,
      messages: raw.messages,
      exitStatus: raw.exitStatus ?? rollout.exit_status,
      patch: raw.patch ?? "",
      steps: raw.steps ?? rollout.steps ?? raw.messages.filter((message) => message.role === "assistant").length,
      source: raw.source ?? (sourceKind === "generation" ? "sera" : "foreign"),
    },
    tools: raw.tools,
  };
}
