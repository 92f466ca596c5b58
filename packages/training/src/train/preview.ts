import { existsSync } from "node:fs";
import path from "node:path";
import { buildTrainingPlan, type TrainingPlan } from "../recipes/plan.js";
import { renderTrainingFiles, type RenderedFile } from "../recipes/render.js";
import { collectSamples, datasetShards, findUpstreamDataset } from "./dataset-input.js";
import type { TrainParams } from "./params.js";

/**
 * What a training run would launch, without launching it: the plan, the rendered config and the
 * job script (`sera train --dry-run`). The sample count decides the warmup ratio; it is read from
 * the dataset when that exists already, taken from a nested-subset size, or given by the caller.
 */

export interface TrainingPreview {
  plan: TrainingPlan;
  files: RenderedFile[];
  /** Where the sample count came from. */
  samplesFrom: string;
}

export async function previewTraining(
  params: TrainParams,
  run: { outDir: string; seed: number | null; upstream: Record<string, { outDir: string }> },
  samplesOverride?: number,
): Promise<TrainingPreview> {
  let samples: number | null = samplesOverride ?? null;
  let samplesFrom = "--samples";
  const upstreamOut = run.upstream[params.datasetStage ?? Object.keys(run.upstream)[0]]?.outDir;
  // Before the dataset run exists, name where its shards will be (the dataset card's layout).
  let datasetFile = params.dataset
    ? path.resolve(params.dataset)
    : path.join(upstreamOut ?? "<dataset run>", params.datasetFile ?? `data/${params.samples === "all" ? "all" : `subset-${params.samples}`}-*.jsonl`);
  if (samples === null) {
    try {
      const shards = params.dataset
        ? datasetShards(path.resolve(params.dataset))
        : findUpstreamDataset(upstreamOut ?? "", { file: params.datasetFile, samples: params.samples });
      if (shards.every((file) => existsSync(file))) {
        samples = await collectSamples(shards);
        samplesFrom = shards.length === 1 ? shards[0] : `${shards.length} shards`;
        datasetFile = shards.length === 1 ? shards[0] : path.join(run.outDir, "config", "dataset.jsonl");
      }
    } catch {
      // Not built yet: fall through to the subset size or the caller's --samples.
    }
  }
  if (samples === null && typeof params.samples === "number") {
    samples = params.samples;
    samplesFrom = "the nested subset size";
  }
  if (samples === null) throw new Error("the dataset does not exist yet, so its size is unknown: pass --samples N to preview with N samples");
  if (params.trainer === "llamafactory") datasetFile = path.join(run.outDir, "config", "llamafactory-train.jsonl");
  const plan = buildTrainingPlan({
    recipe: params.recipe,
    trainer: params.trainer,
    baseModel: params.baseModel,
    datasetFile,
    samples,
    runDir: run.outDir,
    seed: run.seed ?? 42,
    overrides: params.overrides,
    resources: params.resources,
    launcher: params.launcher.kind,
    masterPort: params.launcher.masterPort,
  });
  return { plan, files: renderTrainingFiles(plan), samplesFrom };
}
