import { z } from "zod";
import { launchProblem } from "../recipes/launch.js";
import { defaultLauncher, gradientAccumulationFor } from "../recipes/plan.js";
import { SFT_RECIPE_NAMES, SFT_RECIPES } from "../recipes/presets.js";

/**
 * Parameters of the `sera-train` stage. A run names a SERA recipe and a trainer; any
 * hyper-parameter can be overridden (and swept). The dataset comes from the upstream dataset run
 * (`needs: [dataset]`) or an explicit `dataset` path. `launcher.command` replaces the real launch
 * (e.g. with the CPU stand-in trainer); the real job script is still rendered next to it.
 */

const hyperOverridesSchema = z
  .object({
    epochs: z.number().int().min(1),
    learningRate: z.number().positive(),
    warmupSteps: z.number().int().min(0),
    weightDecay: z.number().min(0),
    adamBeta1: z.number().min(0).lt(1),
    adamBeta2: z.number().min(0).lt(1),
    microBatchSize: z.number().int().min(1),
    globalBatch: z.number().int().min(1),
    sequenceLen: z.number().int().min(128),
    excessLength: z.enum(["drop", "truncate"]).nullable(),
    packing: z.boolean(),
    bf16: z.boolean(),
    tf32: z.boolean(),
    zeroStage: z.union([z.literal(1), z.literal(2), z.literal(3)]),
    flashAttention: z.boolean(),
    cutCrossEntropy: z.boolean(),
    gradientCheckpointing: z.boolean(),
    activationOffloading: z.boolean(),
    lossWatchdog: z
      .object({ threshold: z.number().positive(), patience: z.number().int().min(1) })
      .strict()
      .nullable(),
    save: z.enum(["epoch", "end"]),
    loggingSteps: z.number().int().min(1),
  })
  .partial()
  .strict();

export const trainParamsSchema = z
  .object({
    /** SERA recipe: sera-qwen3-8b (1 × 4 GPUs, ZeRO-1) or sera-qwen3-32b (2 × 8 GPUs, ZeRO-3). */
    recipe: z.enum(SFT_RECIPE_NAMES).default("sera-qwen3-8b"),
    trainer: z.enum(["axolotl", "llamafactory"]).default("axolotl"),
    /** Hugging Face id or local folder; default: the recipe's Qwen3 model. */
    baseModel: z.string().min(1).optional(),
    /** SFT JSONL to train on; default: the upstream dataset run's file. */
    dataset: z.string().min(1).optional(),
    /** Which upstream stage holds the dataset (default: the only one in `needs`). */
    datasetStage: z.string().optional(),
    /** Train on the nested subset of this many samples of the dataset run (a scaling-sweep axis), or on all of it. */
    samples: z.union([z.number().int().min(1), z.literal("all")]).default("all"),
    /** A file (or folder of shards) inside that run's output directory, for upstream stages without a dataset card. */
    datasetFile: z.string().optional(),
    overrides: hyperOverridesSchema.default({}),
    /** GPUs the recipe assumes; the global batch stays fixed, gradient accumulation follows. */
    resources: z
      .object({ nodes: z.number().int().min(1), gpusPerNode: z.number().int().min(1) })
      .partial()
      .strict()
      .default({}),
    launcher: z
      .object({
        kind: z.enum(["axolotl", "torchrun", "accelerate", "llamafactory-cli"]).optional(),
        masterPort: z.number().int().min(1).max(65535).default(29500),
        /**
         * Run this shell command instead of the real launch (placeholders: {config} {out_dir}
         * {output_dir} {dataset} {gpus} {nodes} {sera} {node}); for CPU stand-ins and custom wrappers.
         */
        command: z.string().min(1).optional(),
      })
      .strict()
      .default({ masterPort: 29500 }),
    postprocess: z
      .object({
        /** Stock tokenizer files to restore: `base-model` (its folder or HF cache snapshot), `bundled-qwen3`, or a folder. */
        tokenizerFrom: z.string().min(1).default("base-model"),
        /** sha256 of every checkpoint file for the checkpoints table (minutes for large models). */
        hash: z.boolean().default(true),
      })
      .strict()
      .default({ tokenizerFrom: "base-model", hash: true }),
    /** Price of a GPU-hour for the cost ledger (the paper uses $2 per H100-hour). */
    usdPerGpuHour: z.number().min(0).optional(),
  })
  .strict();
export type TrainParams = z.infer<typeof trainParamsSchema>;

/** Price and port do not change what is trained. */
export function trainIdentity(params: TrainParams): unknown {
  const { usdPerGpuHour, launcher, ...rest } = params;
  const { masterPort, ...launch } = launcher;
  return { ...rest, launcher: launch };
}

export function checkTrainParams(params: TrainParams, context: { upstreamStages: string[] }): { path: string; problem: string } | null {
  const recipe = SFT_RECIPES[params.recipe];
  const resources = { ...recipe.resources, ...params.resources };
  const hyper = { ...recipe.hyper, ...params.overrides };
  if (gradientAccumulationFor(hyper.globalBatch, hyper.microBatchSize, resources.nodes * resources.gpusPerNode) === null) {
    return {
      path: "overrides.globalBatch",
      problem: `global batch ${hyper.globalBatch} is not a multiple of micro batch ${hyper.microBatchSize} × ${resources.nodes * resources.gpusPerNode} GPUs`,
    };
  }
  const launcher = params.launcher.kind ?? defaultLauncher(params.trainer, recipe.launcher);
  const problem = launchProblem({ trainer: params.trainer, launcher, resources });
  if (problem) return { path: "launcher.kind", problem };
  if (params.dataset && params.samples !== "all")
    return { path: "samples", problem: "a nested subset comes from an upstream dataset run; with an explicit dataset path leave samples at all" };
  if (!params.dataset) {
    if (params.datasetStage && !context.upstreamStages.includes(params.datasetStage)) {
      return { path: "datasetStage", problem: `${params.datasetStage} is not in this stage's needs (${context.upstreamStages.join(", ") || "none"})` };
    }
    if (!params.datasetStage && context.upstreamStages.length !== 1) {
      return {
        path: "dataset",
        problem:
          context.upstreamStages.length === 0
            ? "give a dataset path or add the dataset stage to needs"
            : "several upstream stages: name the one holding the dataset in datasetStage",
      };
    }
  }
  return null;
}
