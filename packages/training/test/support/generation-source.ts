import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Message, StageExecution } from "@sera/core";
import { datasetParamsSchema, type DatasetParams } from "../../src/index.js";

/**
 * A directory laid out exactly as a sera-generate run leaves its output (records/*.jsonl and one
 * trajectory file per rollout), written by hand so each test controls which rollouts pass which
 * rule. The dataset stage reads nothing else.
 */

export interface RolloutSpec {
  instance: string;
  phase: "r1" | "r2";
  attempt?: number;
  exitStatus?: string;
  selfCheck?: boolean | null;
  patch?: string;
  /** Agent steps (bash calls before the submit). */
  steps?: number;
  toolOutput?: string;
}

export interface InstanceSpec {
  instance: string;
  recall?: number | null;
  verdict?: "pass" | "fail" | null;
  fn?: string;
}

export function patchOf(lines: number, tag = "x"): string {
  const body = Array.from({ length: lines }, (_, i) => `+${tag} line ${i}`).join("\n");
  return `diff --git a/mod.py b/mod.py\n--- a/mod.py\n+++ b/mod.py\n@@ -1,0 +1,${lines} @@\n${body}\n`;
}

function messagesOf(spec: RolloutSpec): Message[] {
  const messages: Message[] = [
    { role: "system", content: "You fix bugs in a repository." },
    { role: "user", content: `<pr_description>\nSomething is wrong in ${spec.instance}.\n</pr_description>` },
  ];
  const steps = spec.steps ?? 2;
  for (let step = 0; step < steps; step++) {
    const id = `call_${spec.phase}_${step}`;
    messages.push({
      role: "assistant",
      content: "",
      reasoning: `Step ${step}: look at the code of ${spec.instance}.`,
      toolCalls: [{ id, name: "bash", arguments: { command: `sed -n '${step},+20p' mod.py` } }],
    });
    messages.push({ role: "tool", toolCallId: id, content: spec.toolOutput ?? `def f():\n    return ${step}\n` });
  }
  messages.push({
    role: "assistant",
    content: "",
    reasoning: "Done; submitting.",
    toolCalls: [{ id: `call_${spec.phase}_submit`, name: "submit", arguments: {} }],
  });
  messages.push({ role: "tool", toolCallId: `call_${spec.phase}_submit`, content: spec.patch ?? patchOf(2, spec.instance) });
  return messages;
}

/** `legacyAttemptColumn`: name the rollout attempt `attempt`, as record files written before the rename do. */
export function writeGenerationSource(
  runId: string,
  rollouts: RolloutSpec[],
  instances: InstanceSpec[],
  options: { legacyAttemptColumn?: boolean } = {},
): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "sera-dataset-source-"));
  const outDir = path.join(root, runId, "out");
  const records = path.join(outDir, "records");
  mkdirSync(records, { recursive: true });
  const lines: Record<string, string[]> = { rollouts: [], patches: [], instances: [], verifications: [] };
  for (const spec of rollouts) {
    const attempt = spec.attempt ?? 1;
    const dir = path.join(outDir, "instances", spec.instance);
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, spec.phase === "r1" ? `r1-${attempt}.traj.json` : "r2.traj.json");
    const patch = spec.patch ?? patchOf(2, spec.instance);
    const exitStatus = spec.exitStatus ?? "submitted";
    writeFileSync(file, JSON.stringify({ instanceId: spec.instance, phase: spec.phase, attempt, messages: messagesOf(spec), exitStatus, patch }));
    const key = { run_id: runId, instance_id: spec.instance, phase: spec.phase, [options.legacyAttemptColumn ? "attempt" : "rollout_attempt"]: attempt };
    lines.rollouts.push(
      JSON.stringify({
        ...key,
        exit_status: exitStatus,
        steps: (spec.steps ?? 2) + 1,
        self_check: spec.phase === "r1" ? (spec.selfCheck ?? true) : null,
        trajectory_path: file,
      }),
    );
    lines.patches.push(JSON.stringify({ ...key, patch }));
  }
  for (const spec of instances) {
    lines.instances.push(
      JSON.stringify({
        run_id: runId,
        instance_id: spec.instance,
        repo: "demo",
        commit_sha: "abc123def456",
        file: "mod.py",
        function: spec.fn ?? `fn_${spec.instance}`,
      }),
    );
    if (spec.verdict !== undefined && spec.verdict !== null) {
      lines.verifications.push(
        JSON.stringify({
          run_id: runId,
          instance_id: spec.instance,
          recall: spec.recall ?? (spec.verdict === "pass" ? 1 : 0),
          candidate_lines: 2,
          verdict: spec.verdict,
        }),
      );
    }
  }
  for (const [table, rows] of Object.entries(lines)) writeFileSync(path.join(records, `${table}.jsonl`), rows.map((row) => row + "\n").join(""));
  writeFileSync(
    path.join(root, runId, "run.json"),
    JSON.stringify({ id: runId, experiment: "handmade", stage: "generate", kind: "sera-generate", params: { teacher: { model: "hand-written" } } }),
  );
  return outDir;
}

export interface Execution {
  run: StageExecution<DatasetParams>;
  emitted: Record<string, unknown>[];
}

export function datasetExecution(sourceRunId: string, sourceOutDir: string, params: Record<string, unknown>, seed: number | null = 1): Execution {
  const runDir = mkdtempSync(path.join(os.tmpdir(), "sera-dataset-run-"));
  const emitted: Record<string, unknown>[] = [];
  return {
    emitted,
    run: {
      experiment: "test",
      runId: "dataset0000000001",
      stage: "dataset",
      // One token worker: these samples are tiny, and test files run side by side on two cores.
      params: datasetParamsSchema.parse({ workers: 1, ...params }),
      seed,
      attempt: 1,
      outDir: path.join(runDir, "out"),
      runDir,
      upstream: { generate: { runId: sourceRunId, kind: "sera-generate", params: { teacher: { model: "hand-written" } }, outDir: sourceOutDir } },
      emit: (record) => emitted.push(record),
      signal: new AbortController().signal,
    },
  };
}
