import path from "node:path";
import { SFT_RECIPES, type LauncherKind, type SftHyperParameters, type SftResources } from "./presets.js";
import { planWarmup, type WarmupPlan } from "./warmup.js";

/**
 * A training plan: a recipe with the run's overrides applied and everything derived that a
 * trainer config needs (gradient accumulation from the global batch, the warmup ratio from the
 * dataset size, absolute paths). Renderers are pure functions of this object.
 */

export type TrainerKind = "axolotl" | "llamafactory";

export interface TrainingPlan {
  recipe: string;
  trainer: TrainerKind;
  baseModel: string;
  /** JSONL the trainer reads (absolute). */
  datasetFile: string;
  /** Where trainer configs, logs and checkpoints go (absolute): the run's output directory. */
  runDir: string;
  seed: number;
  hyper: SftHyperParameters;
  resources: SftResources;
  launcher: LauncherKind;
  masterPort: number;
  gradientAccumulation: number;
  warmup: WarmupPlan;
}

export interface PlanInput {
  recipe: string;
  trainer: TrainerKind;
  baseModel?: string;
  datasetFile: string;
  samples: number;
  runDir: string;
  seed: number;
  overrides?: Partial<SftHyperParameters>;
  resources?: Partial<SftResources>;
  launcher?: LauncherKind;
  masterPort?: number;
}

/** Files inside the run directory, fixed so dry runs, the stage and the stand-in agree. */
export const trainingLayout = {
  configDir: "config",
  axolotlConfig: "config/axolotl.yaml",
  llamaFactoryConfig: "config/llamafactory.yaml",
  llamaFactoryDatasetInfo: "config/dataset_info.json",
  llamaFactoryDataset: "config/llamafactory-train.jsonl",
  deepspeedConfig: "config/deepspeed.json",
  launchScript: "launch.sh",
  trainerLog: "trainer.log",
  /** The trainer's output_dir: intermediate checkpoint-<step>/ folders and the raw final model. */
  checkpointsDir: "checkpoints",
  preparedDir: "prepared",
  /** The post-processed final model, ready for vLLM/SGLang. */
  modelDir: "model",
  summary: "train.json",
  recordsDir: "records",
} as const;

export function layoutPath(plan: Pick<TrainingPlan, "runDir">, file: keyof typeof trainingLayout): string {
  return path.join(plan.runDir, trainingLayout[file]);
}

export function gradientAccumulationFor(globalBatch: number, microBatchSize: number, gpus: number): number | null {
  const perStep = microBatchSize * gpus;
  return globalBatch % perStep === 0 ? globalBatch / perStep : null;
}

export function defaultLauncher(trainer: TrainerKind, recipeLauncher: LauncherKind): LauncherKind {
  return trainer === "llamafactory" ? "llamafactory-cli" : recipeLauncher;
}

export function buildTrainingPlan(input: PlanInput): TrainingPlan {
  const recipe = SFT_RECIPES[input.recipe];
  if (!recipe) throw new Error(`unknown recipe ${JSON.stringify(input.recipe)} (known: ${Object.keys(SFT_RECIPES).join(", ")})`);
  const hyper: SftHyperParameters = { ...recipe.hyper, ...input.overrides };
  const resources: SftResources = { ...recipe.resources, ...input.resources };
  const gpus = resources.nodes * resources.gpusPerNode;
  const accumulation = gradientAccumulationFor(hyper.globalBatch, hyper.microBatchSize, gpus);
  if (accumulation === null) {
    throw new Error(
      `global batch ${hyper.globalBatch} is not a multiple of micro batch ${hyper.microBatchSize} × ${gpus} GPUs; change globalBatch, microBatchSize or resources`,
    );
  }
  return {
    recipe: recipe.name,
    trainer: input.trainer,
    baseModel: input.baseModel ?? recipe.baseModel,
    datasetFile: path.resolve(input.datasetFile),
    runDir: path.resolve(input.runDir),
    seed: input.seed,
    hyper,
    resources,
    launcher: input.launcher ?? defaultLauncher(input.trainer, recipe.launcher),
    masterPort: input.masterPort ?? 29500,
    gradientAccumulation: accumulation,
    warmup: planWarmup(input.samples, hyper.globalBatch, hyper.epochs, hyper.warmupSteps),
  };
}
