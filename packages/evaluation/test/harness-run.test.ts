import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { RetryableStageError, type StageExecution } from "@sera/core";
import { describe, expect, it } from "vitest";
import { harnessParamsSchema, runHarness, type HarnessParams } from "../src/index.js";

/**
 * The harness stage body. No Docker here, so `mode: run` is exercised with a `command` that lays
 * down the real fixture reports where the official harness writes them; the preflight that guards
 * the real harness is checked too.
 */

const real = path.resolve(__dirname, "../../../fixtures/real/mini-swe-agent");

function execution(params: Record<string, unknown>, upstream: Record<string, { runId: string; outDir: string }> = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sera-harness-run-"));
  const outDir = path.join(dir, "out");
  mkdirSync(outDir);
  const emitted: Record<string, unknown>[] = [];
  const run: StageExecution<HarnessParams> = {
    experiment: "unit",
    runId: "gradeRun00000001",
    stage: "grade",
    params: harnessParamsSchema.parse(params),
    seed: 2,
    attempt: 1,
    outDir,
    runDir: dir,
    upstream,
    emit: (record) => emitted.push(record),
    signal: new AbortController().signal,
  };
  return { run, emitted, outDir, dir };
}

const rows = (outDir: string, table: string) =>
  readFileSync(path.join(outDir, "records", `${table}.jsonl`), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

describe("swebench-harness stage body", () => {
  it("runs the harness in its folder and grades the reports it leaves under logs/run_evaluation/<run id>", async () => {
    // An upstream evaluation run: its predictions and eval.json (seed, context length, model).
    const evalOut = mkdtempSync(path.join(os.tmpdir(), "sera-eval-out-"));
    writeFileSync(path.join(evalOut, "predictions.jsonl"), readFileSync(path.join(real, "output/deepseek_bench1/preds.json")));
    writeFileSync(path.join(evalOut, "eval.json"), JSON.stringify({ seed: 2, contextLength: 65536, model: "deepseek/deepseek-chat", repos: {} }));
    const stand = `mkdir -p logs/run_evaluation/{run_id} && cp -r ${path.join(real, "logs/run_evaluation/deepseek_bench1_eval/deepseek__deepseek-chat")} logs/run_evaluation/{run_id}/`;
    const { run, emitted, outDir } = execution({ mode: "run", command: stand }, { eval: { runId: "evalRun000000001", outDir: evalOut } });
    const outcome = await runHarness(run);
    expect(outcome).toMatchObject({ mode: "run", graded: 100, resolved: 1, resolveRate: 1 });
    // The real command is still written: what a machine with Docker runs.
    expect(readFileSync(path.join(outDir, "harness.sh"), "utf8")).toContain(
      `python -m swebench.harness.run_evaluation --dataset_name princeton-nlp/SWE-bench_Verified --split test --predictions_path ${path.join(evalOut, "predictions.jsonl")} --run_id sera-gradeRun00000001`,
    );
    const evals = rows(outDir, "evals");
    expect(
      evals.filter((r) => r.status !== "error").map((r) => [r.instance_id, r.resolved, r.harness_run_id, r.eval_run_id, r.seed, r.context_length]),
    ).toEqual([
      ["django__django-13660", false, "sera-gradeRun00000001", "evalRun000000001", 2, 65536],
      ["django__django-14411", false, "sera-gradeRun00000001", "evalRun000000001", 2, 65536],
      ["django__django-14752", true, "sera-gradeRun00000001", "evalRun000000001", 2, 65536],
    ]);
    expect(rows(outDir, "eval_summaries")[0]).toMatchObject({
      total_instances: 100,
      resolved_instances: 1,
      error_instances: 97,
      eval_run_id: "evalRun000000001",
    });
    expect(emitted).toContainEqual({ instances: 100, resolved: 1, unresolved: 2, empty_patches: 0, errors: 97, resolve_rate: 1 });
  });

  it("stops at the command in render mode, and explains what is missing before running the real harness", async () => {
    const predictions = path.join(real, "output/deepseek_bench1/preds.json");
    const render = execution({ mode: "render", predictions });
    expect(await runHarness(render.run)).toMatchObject({ mode: "render", graded: 0 });
    expect(existsSync(path.join(render.outDir, "harness.sh"))).toBe(true);
    expect(existsSync(path.join(render.outDir, "records"))).toBe(false);
    expect(render.emitted).toEqual([{ predictions: 100, empty_patches: 0 }]);

    const guarded = execution({ mode: "run", predictions, python: "/nonexistent/python3" });
    await expect(runHarness(guarded.run)).rejects.toThrow(
      /(Docker is not usable here|cannot import swebench).*; use mode: render to stop at predictions, or mode: import/,
    );

    const broken = execution({ mode: "run", predictions, command: "echo 'docker: permission denied' >&2; exit 1" });
    const error = await runHarness(broken.run).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableStageError);
    expect(String(error)).toMatch(/the SWE-bench harness exited with 1 \(log: .*harness\.log\)/);
  });
});
