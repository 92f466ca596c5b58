import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { RetryableStageError, type StageExecution } from "@sera/core";
import { describe, expect, it } from "vitest";
import { bundledQwen3TokenizerDir, runTraining, trainParamsSchema, type TrainParams } from "../src/index.js";

/**
 * The training stage's body, called the way stage-main calls it, with the CPU stand-in trainer as
 * the launcher.command. (The same stage through `sera run` is in test/train-eval.e2e.test.ts.)
 */

const trainingDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/index.js");

function standInScript(dir: string): string {
  const file = path.join(dir, "stand-in.mjs");
  writeFileSync(
    file,
    `import { runStandInTrainer } from ${JSON.stringify(trainingDist)};\n` +
      `const [config, worldSize, crash] = process.argv.slice(2);\n` +
      `process.exitCode = await runStandInTrainer({ config, worldSize: Number(worldSize), stepMs: 0, crashAtStep: crash ? Number(crash) : undefined, write: (t) => process.stdout.write(t) });\n`,
  );
  return file;
}

/** An upstream sera-dataset run's output: card.json listing the full set and a nested subset. */
function datasetRun(dir: string): string {
  const outDir = path.join(dir, "dataset-out");
  mkdirSync(path.join(outDir, "data"), { recursive: true });
  const sample = (i: number) =>
    JSON.stringify({
      messages: [
        { role: "system", content: "tools", train: false },
        { role: "user", content: `task ${i}`, train: false },
        { role: "assistant", content: "<tool_call>\n{}\n</tool_call>", train: true },
        { role: "user", content: "final diff", train: false },
      ],
      instance_id: `r_${i}`,
    });
  const write = (name: string, count: number) =>
    writeFileSync(path.join(outDir, "data", name), Array.from({ length: count }, (_, i) => sample(i)).join("\n") + "\n");
  write("all-00000-of-00002.jsonl", 50);
  write("all-00001-of-00002.jsonl", 30);
  write("subset-40-00000-of-00001.jsonl", 40);
  const file = (p: string, subset: string, format: string, rows: number) => ({ path: p, subset, format, rows, bytes: 0, sha256: "" });
  writeFileSync(
    path.join(outDir, "card.json"),
    JSON.stringify({
      files: [
        file("data/all-00000-of-00002.jsonl", "all", "jsonl", 50),
        file("data/all-00001-of-00002.jsonl", "all", "jsonl", 30),
        file("data/all-00000-of-00001.parquet", "all", "parquet", 80),
        file("data/subset-40-00000-of-00001.jsonl", "subset-40", "jsonl", 40),
      ],
    }),
  );
  return outDir;
}

function execution(params: Record<string, unknown>, dir: string, upstream: Record<string, { runId: string; outDir: string }> = {}) {
  const emitted: Record<string, unknown>[] = [];
  const outDir = path.join(dir, "out");
  mkdirSync(outDir, { recursive: true });
  const run: StageExecution<TrainParams> = {
    experiment: "unit",
    runId: "run0000000000001",
    stage: "train",
    params: trainParamsSchema.parse(params),
    seed: 7,
    attempt: 1,
    outDir,
    runDir: dir,
    upstream,
    emit: (record) => emitted.push(record),
    signal: new AbortController().signal,
  };
  return { run, emitted, outDir };
}

describe("sera-train stage body", () => {
  it("trains LLaMA-Factory-style on a nested subset of the upstream dataset and records everything", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-train-stage-"));
    const script = standInScript(dir);
    const { run, emitted, outDir } = execution(
      {
        trainer: "llamafactory",
        samples: 40,
        overrides: { warmupSteps: 2 },
        postprocess: { tokenizerFrom: "bundled-qwen3" },
        launcher: { command: `{node} ${script} {config} {gpus}` },
        usdPerGpuHour: 2,
      },
      dir,
      { dataset: { runId: "ds", outDir: datasetRun(dir) } },
    );
    const summary = await runTraining(run);
    // 40 samples, batch 32 → 2 steps per epoch × 3.
    expect(summary).toMatchObject({
      trainer: "llamafactory",
      samples: 40,
      totalSteps: 6,
      warmupSteps: 2,
      lastStep: 6,
      standIn: true,
      launchedWith: "launcher.command",
      gpus: 4,
    });
    // LLaMA-Factory's copy ends every conversation on the assistant turn.
    const converted = readFileSync(path.join(outDir, "config/llamafactory-train.jsonl"), "utf8").trim().split("\n");
    expect(converted).toHaveLength(40);
    expect(JSON.parse(converted[0]).messages.at(-1)).toEqual({ role: "assistant", content: "<tool_call>\n{}\n</tool_call>" });
    expect(readFileSync(path.join(outDir, "model/tokenizer_config.json"))).toEqual(
      readFileSync(path.join(bundledQwen3TokenizerDir(), "tokenizer_config.json")),
    );

    const losses = emitted.filter((r) => typeof r.loss === "number");
    expect(losses.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
    // The trainer introduced itself as the stand-in: its invented curve is marked so (run_metrics.provenance).
    expect(new Set(losses.map((r) => r.provenance))).toEqual(new Set(["stand-in"]));
    expect(emitted).toContainEqual(expect.objectContaining({ samples: 40, total_steps: 6, warmup_steps: 2, gradient_accumulation: 8, gpus: 4 }));
    const cost = emitted.find((r) => r.cost) as { cost: Record<string, unknown> };
    // A stand-in held no GPU: the time is kept without a price.
    expect(cost.cost).toMatchObject({ kind: "gpu_hours", unit: "gpu_hours", unit_price: null, source: "sera-train wall clock (stand-in trainer)" });
    expect(Number(cost.cost.quantity)).toBeGreaterThan(0);

    const records = readFileSync(path.join(outDir, "records/checkpoints.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(records.map((r) => [r.step, r.is_final, r.servable, r.stand_in])).toEqual([
      [2, false, false, true],
      [4, false, false, true],
      [6, false, false, true],
      [6, true, false, true],
    ]);
    expect(records[3]).toMatchObject({ path: path.join(outDir, "model"), trainer: "llamafactory", base_model: "Qwen/Qwen3-8B", run_id: "run0000000000001" });
    expect(records[3].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(readFileSync(path.join(outDir, "train.json"), "utf8")).model).toBe(path.join(outDir, "model"));
  });

  it("concatenates the full dataset's shards, and asks for a retry only when the trainer's failure is worth one", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-train-stage-"));
    const script = standInScript(dir);
    const upstream = { dataset: { runId: "ds", outDir: datasetRun(dir) } };
    const crash = execution({ postprocess: { tokenizerFrom: "bundled-qwen3" }, launcher: { command: `{node} ${script} {config} {gpus} 5` } }, dir, upstream);
    await expect(runTraining(crash.run)).rejects.toBeInstanceOf(RetryableStageError);
    expect(readFileSync(path.join(crash.outDir, "config/dataset.jsonl"), "utf8").trim().split("\n")).toHaveLength(80);
    // Attempt 2 resumes from checkpoint-3 (80 samples → 3 steps per epoch) and finishes.
    const second = await runTraining({ ...crash.run, attempt: 2 });
    expect(second.lastStep).toBe(9);
    expect(readFileSync(path.join(crash.outDir, "trainer.log"), "utf8")).toMatch(/attempt 2[\s\S]*Resuming training from checkpoint/);

    const broken = execution(
      { dataset: path.join(dir, "dataset-out/data/subset-40-00000-of-00001.jsonl"), launcher: { command: "echo 'CUDA out of memory' >&2; exit 3" } },
      mkdtempSync(path.join(os.tmpdir(), "sera-train-stage-")),
    );
    const error = await runTraining(broken.run).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(RetryableStageError);
    expect(String(error)).toMatch(/the trainer exited with 3 after [\d.]+ s \(log: .*trainer\.log\)/);
    expect(readFileSync(path.join(broken.outDir, "trainer.log"), "utf8")).toContain("CUDA out of memory");
  });

  it("leaves GPU-hours to a cluster backend, which books them from its own accounting", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-train-stage-"));
    const script = standInScript(dir);
    const { run, emitted } = execution(
      { samples: 40, postprocess: { tokenizerFrom: "bundled-qwen3" }, launcher: { command: `{node} ${script} {config} {gpus}` } },
      dir,
      { dataset: { runId: "ds", outDir: datasetRun(dir) } },
    );
    process.env.SERA_BACKEND = "slurm";
    try {
      await runTraining(run);
    } finally {
      delete process.env.SERA_BACKEND;
    }
    expect(emitted.filter((r) => r.cost)).toEqual([]);
    expect(emitted.some((r) => typeof r.loss === "number")).toBe(true);
  });

  it("does not launch a multi-node recipe without its Slurm allocation, and names missing subsets", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-train-stage-"));
    const upstream = { dataset: { runId: "ds", outDir: datasetRun(dir) } };
    const big = execution({ recipe: "sera-qwen3-32b" }, dir, upstream);
    await expect(runTraining(big.run)).rejects.toThrow(
      "sera-qwen3-32b needs 2 nodes but this job has no Slurm allocation: use backend: slurm with resources.nodes: 2",
    );
    expect(existsSync(path.join(big.outDir, "launch.sh"))).toBe(true);
    expect(existsSync(path.join(big.outDir, "trainer.log"))).toBe(false);
    const missing = execution({ samples: 400 }, dir, upstream);
    await expect(runTraining(missing.run)).rejects.toThrow(
      /^samples: .*dataset-out: the dataset has no subset-400 jsonl files \(it has: all, subset-40\); a nested subset must be one of the dataset stage's subsets\.sizes$/,
    );
  });
});
