import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { RetryableStageError, type StageExecution } from "@sera/core";
import { afterAll, describe, expect, it } from "vitest";
import { committedDemo } from "./support/committed-demo.js";
import { generationParamsSchema, type GenerationParams } from "../src/pipeline/params.js";
import { runGeneration } from "../src/pipeline/run.js";
import { startScriptedModelServer } from "@sera/rollout";

/**
 * Teacher budgets, with the scripted stand-in model (not an LLM) over loopback HTTP and a real
 * sandbox: tokens are priced with teacher.prices whoever answers, an instance over its limit ends
 * as exit_cost, and a stage at its limit starts nothing more until a rerun raises it.
 */

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "sera-budget-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function execution(
  params: GenerationParams,
  outDir: string,
  attempt = 1,
  extra: Partial<StageExecution<GenerationParams>> = {},
): StageExecution<GenerationParams> {
  return {
    experiment: "budget",
    runId: "budget-run",
    stage: "generate",
    params,
    seed: 1,
    attempt,
    outDir,
    runDir: path.dirname(outDir),
    upstream: {},
    emit: () => {},
    signal: new AbortController().signal,
    ...extra,
  };
}

const readRows = (file: string) =>
  fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe("teacher budgets", () => {
  const { repo, commit } = committedDemo(scratch);
  const params = (url: string, extra: Record<string, unknown>) =>
    generationParamsSchema.parse({
      repo,
      repoName: "stockroom",
      commits: [commit],
      functionsPerRepo: 3,
      rollout1Attempts: 1,
      teacher: {
        model: "scripted-stand-in",
        endpoints: [url],
        scriptedStandIn: true,
        timeoutSeconds: 5,
        maxRetries: 1,
        prices: { inputPerMTok: 3, outputPerMTok: 15 },
      },
      agent: { maxSteps: 30 },
      concurrency: 1,
      ...extra,
    });

  it("a budget without prices is refused, naming the field", () => {
    const parsed = generationParamsSchema.safeParse({
      repo,
      commits: [commit],
      teacher: { model: "m", endpoints: ["http://127.0.0.1:9"] },
      budget: { usdPerStage: 10 },
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ["budget"], message: expect.stringContaining("teacher.prices") });
  });

  it("an instance over budget.usdPerInstance ends its rollout as exit_cost and fails with cost_limit", async () => {
    const server = await startScriptedModelServer({ seed: 0, rejectRate: 0 });
    try {
      const outDir = path.join(fs.mkdtempSync(path.join(scratch, "run-")), "out");
      // One call of the stand-in costs far more than a millionth of a dollar at these prices.
      const summary = await runGeneration(execution(params(server.url, { budget: { usdPerInstance: 1e-6 } }), outDir));
      expect(summary.failures).toEqual({ cost_limit: 3 });
      const rollouts = readRows(path.join(outDir, "records", "rollouts.jsonl"));
      expect(rollouts.map((row) => [row.phase, row.exit_status, row.steps])).toEqual([
        ["r1", "submitted (exit_cost)", 1],
        ["r1", "submitted (exit_cost)", 1],
        ["r1", "submitted (exit_cost)", 1],
      ]);
      for (const row of readRows(path.join(outDir, "records", "instances.jsonl")))
        expect(String(row.failure_detail)).toMatch(/over budget\.usdPerInstance \$0\.0000/);
    } finally {
      await server.close();
    }
  }, 120_000);

  it("at budget.usdPerStage no further instance starts; a rerun with a higher limit continues exactly the rest", async () => {
    const server = await startScriptedModelServer({ seed: 0, rejectRate: 0 });
    try {
      const outDir = path.join(fs.mkdtempSync(path.join(scratch, "run-")), "out");
      // The first instance starts at $0 and finishes; by then the stage is over its limit.
      await expect(runGeneration(execution(params(server.url, { budget: { usdPerStage: 1e-6 } }), outDir))).rejects.toThrow(
        /^stopped at the stage's teacher budget: \$\d\.\d+ spent of budget\.usdPerStage \$0\.0000; 2 of 3 instances not started or resumed/,
      );
      const first = readRows(path.join(outDir, "records", "instances.jsonl"));
      expect(first).toHaveLength(1);
      expect(first[0].status).not.toBe("failed");
      const callsBefore = readRows(path.join(outDir, "instances", String(first[0].instance_id), "calls.jsonl")).length;

      const resumed = await runGeneration(execution(params(server.url, { budget: { usdPerStage: 100 } }), outDir, 2));
      expect(resumed.instances).toBe(3);
      expect(resumed.failed).toBe(0);
      // The finished instance was not asked again.
      expect(readRows(path.join(outDir, "instances", String(first[0].instance_id), "calls.jsonl"))).toHaveLength(callsBefore);
    } finally {
      await server.close();
    }
  }, 120_000);

  it("under sera run --budget-usd an attempt spends at most what was left of the cap, exits with a retry code, and reports a stand-in's priced cost", async () => {
    const server = await startScriptedModelServer({ seed: 0, rejectRate: 0 });
    try {
      const outDir = path.join(fs.mkdtempSync(path.join(scratch, "run-")), "out");
      const emitted: Record<string, unknown>[] = [];
      const stopped = runGeneration(execution(params(server.url, {}), outDir, 1, { budgetUsdLeft: 1e-6, emit: (record) => emitted.push(record) }));
      await expect(stopped).rejects.toThrow(RetryableStageError);
      await expect(stopped).rejects.toThrow(
        /^stopped at the invocation's --budget-usd: \$\d\.\d+ spent by this attempt of the \$0\.0000 left when it started; 2 of 3 instances not started or resumed/,
      );
      const first = readRows(path.join(outDir, "records", "instances.jsonl"));
      expect(first).toHaveLength(1);
      // The ledger books the stand-in's tokens without a price; the estimate at teacher.prices goes beside them.
      const calls = readRows(path.join(outDir, "instances", String(first[0].instance_id), "calls.jsonl"));
      const priced = calls.reduce(
        (sum, call) => sum + ((Number(call.inputTokens) - Number(call.cachedInputTokens)) * 3 + Number(call.outputTokens) * 15) / 1e6,
        0,
      );
      expect(priced).toBeGreaterThan(1e-6);
      const estimate = emitted.find((record) => "stand_in_usd" in record);
      expect(estimate?.stand_in_usd).toBeCloseTo(priced, 12);
      expect(emitted.find((record) => "cost" in record)?.cost).toEqual(expect.arrayContaining([expect.objectContaining({ unit_price: null })]));

      // The next invocation's allowance counts only its own attempt's calls: with less left than the
      // first attempt spent, one more instance still starts.
      await expect(runGeneration(execution(params(server.url, {}), outDir, 2, { budgetUsdLeft: priced / 2 }))).rejects.toThrow(
        /; 1 of 3 instances not started or resumed/,
      );
      const resumed = await runGeneration(execution(params(server.url, {}), outDir, 3, { budgetUsdLeft: 100 }));
      expect(resumed.instances).toBe(3);
      expect(readRows(path.join(outDir, "instances", String(first[0].instance_id), "calls.jsonl"))).toHaveLength(calls.length);
    } finally {
      await server.close();
    }
  }, 120_000);
});
