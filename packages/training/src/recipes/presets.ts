/**
 * SERA's supervised fine-tuning recipes as data (training-recipe.md): one preset per student
 * size, with every hyper-parameter the paper and its released configs agree on. The trainer
 * renderers (axolotl, LLaMA-Factory) read only these fields, so a recipe is checked once and
 * rendered many ways.
 */

export type ZeroStage = 1 | 2 | 3;

export interface SftHyperParameters {
  epochs: number;
  learningRate: number;
  scheduler: "cosine";
  /** Absolute warmup steps; trainers get them as a ratio computed from the dataset size. */
  warmupSteps: number;
  weightDecay: number;
  adamBeta1: number;
  adamBeta2: number;
  microBatchSize: number;
  /** Samples per optimiser step across all GPUs; gradient accumulation is derived from it. */
  globalBatch: number;
  sequenceLen: number;
  /** What the trainer does with rows longer than sequenceLen; null leaves the trainer's default. */
  excessLength: "drop" | "truncate" | null;
  packing: boolean;
  bf16: boolean;
  tf32: boolean;
  zeroStage: ZeroStage;
  flashAttention: boolean;
  cutCrossEntropy: boolean;
  gradientCheckpointing: boolean;
  activationOffloading: boolean;
  /** Stop when the loss exceeds `threshold` for `patience` logged steps in a row. */
  lossWatchdog: { threshold: number; patience: number } | null;
  /** `epoch`: a checkpoint after every epoch; `end`: only the final model. */
  save: "epoch" | "end";
  loggingSteps: number;
}

export interface SftResources {
  nodes: number;
  gpusPerNode: number;
}

export type LauncherKind = "axolotl" | "torchrun" | "accelerate" | "llamafactory-cli";

export interface SftRecipe {
  name: string;
  summary: string;
  baseModel: string;
  hyper: SftHyperParameters;
  resources: SftResources;
  /** How the reference launches it with axolotl. */
  launcher: LauncherKind;
}

const shared: Omit<SftHyperParameters, "microBatchSize" | "excessLength" | "zeroStage" | "save"> = {
  epochs: 3,
  learningRate: 1e-5,
  scheduler: "cosine",
  warmupSteps: 48,
  weightDecay: 0.01,
  adamBeta1: 0.9,
  adamBeta2: 0.95,
  globalBatch: 32,
  sequenceLen: 32_768,
  packing: false,
  bf16: true,
  tf32: false,
  flashAttention: true,
  cutCrossEntropy: true,
  gradientCheckpointing: true,
  activationOffloading: true,
  lossWatchdog: { threshold: 5.0, patience: 3 },
  loggingSteps: 1,
};

export const SFT_RECIPES: Record<string, SftRecipe> = {
  "sera-qwen3-8b": {
    name: "sera-qwen3-8b",
    summary: "SERA-8B: Qwen3-8B full fine-tune, 1 node × 4 GPUs, ZeRO-1, a checkpoint every epoch",
    baseModel: "Qwen/Qwen3-8B",
    hyper: { ...shared, microBatchSize: 1, excessLength: null, zeroStage: 1, save: "epoch" },
    resources: { nodes: 1, gpusPerNode: 4 },
    launcher: "axolotl",
  },
  "sera-qwen3-32b": {
    name: "sera-qwen3-32b",
    summary: "SERA-32B: Qwen3-32B full fine-tune, 2 nodes × 8 GPUs, ZeRO-3, only the final model saved",
    baseModel: "Qwen/Qwen3-32B",
    hyper: { ...shared, microBatchSize: 1, excessLength: "drop", zeroStage: 3, save: "end" },
    resources: { nodes: 2, gpusPerNode: 8 },
    launcher: "torchrun",
  },
};

export const SFT_RECIPE_NAMES = Object.keys(SFT_RECIPES) as [string, ...string[]];
