import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { axolotlConfig, axolotlConfigYaml, buildTrainingPlan, deepspeedConfig, warmupStepsFromRatio } from "../src/index.js";

const golden = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "golden", "axolotl-sera-qwen3-32b.yaml"), "utf8");

function sera32bPlan() {
  return buildTrainingPlan({
    recipe: "sera-qwen3-32b",
    trainer: "axolotl",
    datasetFile: "/data/sera-32b.jsonl",
    samples: 25_224,
    runDir: "/runs/train",
    seed: 1,
  });
}

/** What axolotl sees: its configs are read with PyYAML (YAML 1.1). */
function loadWithPyYaml(text: string): unknown {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sera-pyyaml-"));
  const file = path.join(dir, "config.yaml");
  writeFileSync(file, text);
  const json = execFileSync("python3", ["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", file], { encoding: "utf8" });
  return JSON.parse(json);
}

describe("axolotl config for SERA's recipe", () => {
  it("matches the hand-written reference config for SERA-32B exactly", () => {
    const rendered = axolotlConfigYaml(sera32bPlan());
    expect(parse(rendered, { version: "1.1" })).toEqual(parse(golden, { version: "1.1" }));
    // Same keys in the same order as the reference (renderers must not drop or invent settings).
    expect(Object.keys(parse(rendered, { version: "1.1" }))).toEqual(Object.keys(parse(golden, { version: "1.1" })));
  });

  it("reads back identically under PyYAML, which axolotl uses (no YAML 1.1 booleans or dot-less exponents)", () => {
    const plan = buildTrainingPlan({
      recipe: "sera-qwen3-32b",
      trainer: "axolotl",
      datasetFile: "/data/no.jsonl",
      samples: 25_224,
      runDir: "/runs/on",
      seed: 1,
      overrides: { learningRate: 2e-7 },
    });
    const rendered = axolotlConfigYaml(plan);
    expect(loadWithPyYaml(rendered)).toEqual(JSON.parse(JSON.stringify(axolotlConfig(plan))));
    expect(loadWithPyYaml(golden)).toEqual(parse(golden, { version: "1.1" }));
    expect(rendered).toMatch(/^learning_rate: 2\.0e-7$/m);
    expect(rendered).toMatch(/^save_strategy: "no"$/m);
  });

  it("warms up for exactly 48 of SERA-32B's 2,367 steps", () => {
    const plan = sera32bPlan();
    expect(plan.warmup.totalSteps).toBe(789 * 3);
    expect(warmupStepsFromRatio(plan.warmup.warmupRatio, plan.warmup.totalSteps)).toBe(48);
    // The rounded "≈ 0.0203" would warm up for 49.
    expect(warmupStepsFromRatio(0.0203, plan.warmup.totalSteps)).toBe(49);
  });

  it("renders the 8B column: 1 node × 4 GPUs × accumulation 8, ZeRO-1, a checkpoint every epoch, no drop strategy", () => {
    const plan = buildTrainingPlan({ recipe: "sera-qwen3-8b", trainer: "axolotl", datasetFile: "/d.jsonl", samples: 2_720, runDir: "/r", seed: 3 });
    const config = axolotlConfig(plan);
    const reference = parse(golden, { version: "1.1" }) as Record<string, unknown>;
    const differing = Object.keys(reference)
      .filter((key) => JSON.stringify(reference[key]) !== JSON.stringify(config[key]))
      .sort();
    expect(differing).toEqual(
      [
        "base_model",
        "datasets",
        "dataset_prepared_path",
        "deepspeed",
        "excess_length_strategy",
        "gradient_accumulation_steps",
        "output_dir",
        "save_strategy",
        "seed",
        "warmup_ratio",
      ].sort(),
    );
    expect(config).toMatchObject({ base_model: "Qwen/Qwen3-8B", gradient_accumulation_steps: 8, micro_batch_size: 1, save_strategy: "epoch", seed: 3 });
    expect(config).not.toHaveProperty("excess_length_strategy");
    // 2,720 samples → 85 × 3 = 255 steps; 48 of them warm up.
    expect(plan.warmup).toMatchObject({ totalSteps: 255, warmupSteps: 48 });
    expect(deepspeedConfig(plan.hyper.zeroStage)).toMatchObject({ zero_optimization: { stage: 1 } });
    expect(deepspeedConfig(3)).toMatchObject({ zero_optimization: { stage: 3, stage3_gather_16bit_weights_on_model_save: true } });
  });

  it("keeps the global batch at 32 when the GPU count changes, and refuses counts that cannot reach it", () => {
    const plan = buildTrainingPlan({
      recipe: "sera-qwen3-32b",
      trainer: "axolotl",
      datasetFile: "/d.jsonl",
      samples: 1000,
      runDir: "/r",
      seed: 1,
      resources: { nodes: 4 },
    });
    expect(plan.gradientAccumulation).toBe(1);
    expect(() =>
      buildTrainingPlan({
        recipe: "sera-qwen3-8b",
        trainer: "axolotl",
        datasetFile: "/d.jsonl",
        samples: 1000,
        runDir: "/r",
        seed: 1,
        resources: { gpusPerNode: 3 },
      }),
    ).toThrow(/global batch 32 is not a multiple of micro batch 1 × 3 GPUs/);
  });
});
