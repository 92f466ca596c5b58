import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  instancesTable,
  patchesTable,
  readRecordRows,
  rolloutsTable,
  trajectoryFileSchema,
  verificationsTable,
  type PartialRow,
  type Trajectory,
} from "@sera/core";
import type { OpenAiTool } from "../dataset/format/tools.js";

/**
 * A dataset's sources are output directories of other runs: a sera-generate run, or a
 * `sera ingest` directory laid out the same way. Their record files (never the store) say which
 * rollouts exist; the trajectory files hold the conversations.
 */

const formerNames = { attempt: "rollout_attempt" } as const;

/** What a dataset needs of each table; both writers (generation, sera ingest) fill these columns. */
const rolloutColumns = ["run_id", "instance_id", "phase", "rollout_attempt", "exit_status", "steps", "trajectory_path"] as const;
const patchColumns = ["instance_id", "phase", "rollout_attempt", "patch"] as const;
const verificationColumns = ["instance_id", "recall", "candidate_lines", "verdict"] as const;
const instanceColumns = ["instance_id"] as const;

type RolloutShape = (typeof rolloutsTable)["row"]["shape"];
type VerificationShape = (typeof verificationsTable)["row"]["shape"];
type InstanceShape = (typeof instancesTable)["row"]["shape"];
/** A `rollouts` row (record files from before a column existed lack it: `self_check`, `provenance`, …). */
export type RolloutRecord = PartialRow<RolloutShape, (typeof rolloutColumns)[number]>;
type VerificationRecord = PartialRow<VerificationShape, (typeof verificationColumns)[number]>;
/** An `instances` row; an ingested instance has only its id, repository, status and provenance. */
export type InstanceRecord = PartialRow<InstanceShape, (typeof instanceColumns)[number]>;

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
  const rollouts = readRecordRows(records, rolloutsTable, rolloutColumns, { formerNames });
  const patches = new Map(
    readRecordRows(records, patchesTable, patchColumns, { formerNames }).map((row) => [rolloutKey(row.instance_id, row.phase, row.rollout_attempt), row.patch]),
  );
  const verifications = new Map(readRecordRows(records, verificationsTable, verificationColumns).map((row) => [row.instance_id, row]));
  const instances = new Map(readRecordRows(records, instancesTable, instanceColumns).map((row) => [row.instance_id, row]));
  const kind = existsSync(path.join(records, "foreign_trajectories.jsonl")) ? "ingest" : "generation";
  return { runId, outDir, kind, rollouts, patches, verifications, instances, plan };
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
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  let parsed: ReturnType<typeof trajectoryFileSchema.safeParse>;
  try {
    parsed = trajectoryFileSchema.safeParse(JSON.parse(text));
  } catch (error) {
    throw new Error(`${file}: not JSON (${(error as Error).message})`);
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue.path.join(".") || "(file)"}: ${issue.message}`);
  }
  const raw = parsed.data;
  return {
    trajectory: {
      instanceId: raw.instanceId ?? rollout.instance_id,
      messages: raw.messages,
      exitStatus: raw.exitStatus ?? rollout.exit_status,
      patch: raw.patch ?? "",
      steps: raw.steps ?? rollout.steps,
      source: raw.source ?? (sourceKind === "generation" ? "sera" : "foreign"),
    },
    tools: raw.tools,
  };
}
