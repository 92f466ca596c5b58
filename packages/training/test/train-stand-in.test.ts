import { copyFileSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  buildTrainingPlan,
  readSafetensorsHeader,
  renderTrainingFiles,
  runStandInTrainer,
  STAND_IN_MARKER,
  TrainerLogTracker,
  type TrainerEvent,
} from "../src/index.js";
import { writeRenderedFiles } from "../src/recipes/render.js";
import { standInLoss } from "../src/train/stand-in-schedule.js";

function sftFile(dir: string, samples: number): string {
  const file = path.join(dir, "sft.jsonl");
  const line = (i: number) =>
    JSON.stringify({
      messages: [
        { role: "system", content: "tools", train: false },
        { role: "user", content: `task ${i}`, train: false },
        { role: "assistant", content: '<tool_call>\n{"name": "submit", "arguments": {}}\n</tool_call>', train: true },
        { role: "user", content: "diff", train: false },
      ],
      instance_id: `demo_${i}`,
    });
  writeFileSync(file, Array.from({ length: samples }, (_, i) => line(i)).join("\n") + "\n");
  return file;
}

async function stand(config: string, worldSize: number, crashAtStep?: number): Promise<{ code: number; output: string }> {
  let output = "";
  const code = await runStandInTrainer({ config, worldSize, stepMs: 0, crashAtStep, write: (text) => (output += text) });
  return { code, output };
}

describe("the CPU stand-in trainer", () => {
  it("reads the rendered axolotl config and prints trainer logs the parser follows step by step", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-stand-in-"));
    const plan = buildTrainingPlan({
      recipe: "sera-qwen3-8b",
      trainer: "axolotl",
      datasetFile: sftFile(dir, 100),
      samples: 100,
      runDir: dir,
      seed: 5,
      overrides: { warmupSteps: 3 },
    });
    writeRenderedFiles(renderTrainingFiles(plan));
    const { code, output } = await stand(path.join(dir, "config/axolotl.yaml"), 4);
    expect(code).toBe(0);
    expect(output).toContain("[stand-in] CPU stand-in for axolotl (not a trainer)");

    const tracker = new TrainerLogTracker();
    const events: TrainerEvent[] = [...tracker.push(output), ...tracker.end()];
    const logs = events.filter((e): e is Extract<TrainerEvent, { kind: "log" }> => e.kind === "log");
    // 100 samples, global batch 1 × 8 × 4 = 32 → 4 steps per epoch, 3 epochs.
    expect(logs.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(logs.map((e) => e.values.loss)).toEqual(logs.map((e) => standInLoss(e.step, 5)));
    // Linear warmup over 3 steps from 0, the way the reference's lr reads at step 2 (1e-5 / warmup).
    expect(logs[0].values.learning_rate).toBe(0);
    expect(logs[1].values.learning_rate).toBeCloseTo(1e-5 / 3, 15);
    expect(logs[3].values.learning_rate).toBeCloseTo(1e-5, 15);
    expect(events.find((e) => e.kind === "total")).toEqual({ kind: "total", total: 12 });

    const out = path.join(dir, "checkpoints");
    expect(
      readdirSync(out)
        .filter((n) => n.startsWith("checkpoint-"))
        .sort(),
    ).toEqual(["checkpoint-12", "checkpoint-4", "checkpoint-8"]);
    // Shaped like axolotl's output, flaws included, and marked as a stand-in.
    const names = Object.keys(readSafetensorsHeader(path.join(out, "model-00001-of-00002.safetensors")).tensors);
    expect(names).toContain("model.layers.0._checkpoint_wrapped_module.self_attn.q_proj.weight");
    expect(existsSync(path.join(out, "chat_template.jinja"))).toBe(true);
    expect(existsSync(path.join(out, STAND_IN_MARKER))).toBe(true);
  });

  it("crashes once where asked (exit 75) and the next attempt resumes from the newest checkpoint", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-stand-in-"));
    const plan = buildTrainingPlan({ recipe: "sera-qwen3-8b", trainer: "axolotl", datasetFile: sftFile(dir, 100), samples: 100, runDir: dir, seed: 1 });
    writeRenderedFiles(renderTrainingFiles(plan));
    const config = path.join(dir, "config/axolotl.yaml");
    const first = await stand(config, 4, 6);
    expect(first.code).toBe(75);
    expect(first.output).toContain("injected crash at step 6");
    const second = await stand(config, 4, 6);
    expect(second.code).toBe(0);
    expect(second.output).toContain(`Resuming training from checkpoint: ${path.join(dir, "checkpoints", "checkpoint-4")}`);
    const tracker = new TrainerLogTracker();
    expect(
      tracker
        .push(second.output)
        .filter((e) => e.kind === "log")
        .map((e) => (e as { step: number }).step),
    ).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it("plays LLaMA-Factory from its config and dataset_info.json, without axolotl's wrapped names", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-stand-in-"));
    const source = sftFile(dir, 40);
    const plan = buildTrainingPlan({
      recipe: "sera-qwen3-8b",
      trainer: "llamafactory",
      datasetFile: path.join(dir, "config/llamafactory-train.jsonl"),
      samples: 40,
      runDir: dir,
      seed: 1,
    });
    writeRenderedFiles(renderTrainingFiles(plan));
    copyFileSync(source, path.join(dir, "config/llamafactory-train.jsonl"));
    const { code, output } = await stand(path.join(dir, "config/llamafactory.yaml"), 4);
    expect(code).toBe(0);
    expect(output).toContain("Total optimization steps = 6");
    const names = Object.keys(readSafetensorsHeader(path.join(dir, "checkpoints", "model-00001-of-00002.safetensors")).tensors);
    expect(names.some((n) => n.includes("_checkpoint_wrapped_module"))).toBe(false);
    expect(existsSync(path.join(dir, "checkpoints", "chat_template.jinja"))).toBe(false);
    writeFileSync(path.join(dir, "other.yaml"), "name: not a trainer config\n");
    await expect(stand(path.join(dir, "other.yaml"), 4)).rejects.toThrow(/other\.yaml: neither an axolotl config \(base_model\) nor a LLaMA-Factory one/);
  });
});
