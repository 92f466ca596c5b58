import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { StageExecution } from "@sera/core";
import { afterAll, describe, expect, it } from "vitest";
import { committedDemo } from "./support/committed-demo.js";
import { generationParamsSchema, type GenerationParams } from "../src/pipeline/params.js";
import { runGeneration } from "../src/pipeline/run.js";
import { startScriptedModelServer } from "@sera/rollout";

/**
 * An instance whose accepted rollout-1 patch repeats an earlier instance's skips the PR and
 * rollout 2. Two replicas of each function (SERA's instancesPerFunction) get the same edit from the
 * scripted stand-in teacher (a stand-in, not an LLM: its edit depends on the function only), so
 * each pair yields one instance that goes on and one duplicate.
 */

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "sera-duplicates-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function execution(params: GenerationParams, outDir: string, attempt = 1) {
  const emitted: Record<string, unknown>[] = [];
  const run: StageExecution<GenerationParams> = {
    experiment: "duplicates",
    runId: "duplicates-run",
    stage: "generate",
    params,
    seed: 1,
    attempt,
    outDir,
    runDir: path.dirname(outDir),
    upstream: {},
    emit: (record) => emitted.push(record),
    signal: new AbortController().signal,
  };
  return { run, emitted };
}

const readRows = (file: string) =>
  fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe("duplicate rollout-1 patches", () => {
  it("skip the PR and rollout 2 of every repeat, count them, and judge the same way when the run is resumed", async () => {
    const { repo, commit } = committedDemo(scratch);
    const server = await startScriptedModelServer({ seed: 0, rejectRate: 0 });
    try {
      const params = (skip: boolean) =>
        generationParamsSchema.parse({
          repo,
          repoName: "stockroom",
          commits: [commit],
          functionsPerRepo: 2,
          instancesPerFunction: 2,
          skipDuplicatePatches: skip,
          rollout1Attempts: 1,
          teacher: { model: "scripted-stand-in", endpoints: [server.url], scriptedStandIn: true, timeoutSeconds: 5, maxRetries: 1 },
          agent: { maxSteps: 30 },
          concurrency: 2,
        });
      const outDir = path.join(fs.mkdtempSync(path.join(scratch, "run-")), "out");
      const first = execution(params(true), outDir);
      const summary = await runGeneration(first.run);
      expect(summary.instances).toBe(4);
      expect(summary.failures.duplicate_patch).toBe(2);
      expect(first.emitted.filter((e) => "duplicate_patches" in e).at(-1)?.duplicate_patches).toBe(2);

      const instances = readRows(path.join(outDir, "records", "instances.jsonl"));
      const byFunction = new Map<string, Record<string, unknown>[]>();
      for (const row of instances) byFunction.set(String(row.function), [...(byFunction.get(String(row.function)) ?? []), row]);
      expect(byFunction.size).toBe(2);
      for (const pair of byFunction.values()) {
        expect(pair.map((row) => row.failure_reason === "duplicate_patch").sort()).toEqual([false, true]);
      }
      // A duplicate asked the teacher for rollout 1 and the self-check only.
      const duplicates = new Set(instances.filter((row) => row.failure_reason === "duplicate_patch").map((row) => row.instance_id));
      const calls = readRows(path.join(outDir, "records", "model_calls.jsonl"));
      const phasesOfDuplicates = new Set(calls.filter((call) => duplicates.has(call.instance_id)).map((call) => call.phase));
      expect([...phasesOfDuplicates].sort()).toEqual(["r1", "self_check"]);
      expect(readRows(path.join(outDir, "records", "rollouts.jsonl")).filter((row) => duplicates.has(row.instance_id) && row.phase === "r2")).toEqual([]);

      // A second attempt over the same directory keeps the same originals and duplicates.
      const again = await runGeneration(execution(params(true), outDir, 2).run);
      expect(again.failures.duplicate_patch).toBe(2);
      const againDuplicates = readRows(path.join(outDir, "records", "instances.jsonl"))
        .filter((row) => row.failure_reason === "duplicate_patch")
        .map((row) => row.instance_id);
      expect(new Set(againDuplicates)).toEqual(duplicates);

      // Switched off, every instance goes on to rollout 2.
      const keepAll = await runGeneration(execution(params(false), path.join(fs.mkdtempSync(path.join(scratch, "run-")), "out")).run);
      expect(keepAll.failures.duplicate_patch).toBeUndefined();
      expect(keepAll.instances).toBe(4);
    } finally {
      await server.close();
    }
  }, 120_000);
});
