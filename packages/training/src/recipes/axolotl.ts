import { layoutPath, type TrainingPlan } from "./plan.js";
import { trainerYaml } from "./trainer-yaml.js";

/**
 * The axolotl config for a training plan. Keys follow SERA's released configs: full fine-tune
 * (no adapter), chat_template datasets with per-message `train` flags, no packing, AdamW with
 * β = (0.9, 0.95), cosine schedule with a warmup ratio computed for this dataset, bf16 without
 * tf32, DeepSpeed, Cut Cross-Entropy, gradient checkpointing with activation offloading and the
 * loss watchdog.
 */

export const CUT_CROSS_ENTROPY_PLUGIN = "axolotl.integrations.cut_cross_entropy.CutCrossEntropyPlugin";

export function axolotlConfig(plan: TrainingPlan): Record<string, unknown> {
  const { hyper } = plan;
  const config: Record<string, unknown> = {
    base_model: plan.baseModel,
    chat_template: "chatml",
    datasets: [
      {
        path: plan.datasetFile,
        ds_type: "json",
        type: "chat_template",
        field_messages: "messages",
        message_field_training: "train",
      },
    ],
    dataset_prepared_path: layoutPath(plan, "preparedDir"),
    output_dir: layoutPath(plan, "checkpointsDir"),
    sequence_len: hyper.sequenceLen,
  };
  if (hyper.excessLength) config.excess_length_strategy = hyper.excessLength;
  Object.assign(config, {
    sample_packing: hyper.packing,
    num_epochs: hyper.epochs,
    micro_batch_size: hyper.microBatchSize,
    gradient_accumulation_steps: plan.gradientAccumulation,
    optimizer: "adamw_torch",
    adam_beta1: hyper.adamBeta1,
    adam_beta2: hyper.adamBeta2,
    weight_decay: hyper.weightDecay,
    learning_rate: hyper.learningRate,
    lr_scheduler: hyper.scheduler,
    warmup_ratio: plan.warmup.warmupRatio,
    bf16: hyper.bf16,
    tf32: hyper.tf32,
    deepspeed: layoutPath(plan, "deepspeedConfig"),
    flash_attention: hyper.flashAttention,
  });
  if (hyper.cutCrossEntropy) Object.assign(config, { plugins: [CUT_CROSS_ENTROPY_PLUGIN], cut_cross_entropy: true });
  Object.assign(config, {
    gradient_checkpointing: hyper.gradientCheckpointing,
    activation_offloading: hyper.activationOffloading,
  });
  if (hyper.lossWatchdog) {
    config.loss_watchdog_threshold = hyper.lossWatchdog.threshold;
    config.loss_watchdog_patience = hyper.lossWatchdog.patience;
  }
  Object.assign(config, {
    save_strategy: hyper.save === "epoch" ? "epoch" : "no",
    logging_steps: hyper.loggingSteps,
    seed: plan.seed,
    // A requeued attempt (preemption, node failure) continues from the newest checkpoint.
    auto_resume_from_checkpoints: true,
  });
  return config;
}

export function axolotlConfigYaml(plan: TrainingPlan): string {
  const { warmup } = plan;
  return trainerYaml(axolotlConfig(plan), [
    `axolotl config rendered by sera from recipe ${plan.recipe}`,
    `${warmup.samples} samples → ${warmup.totalSteps} optimiser steps (⌈${warmup.samples} / ${plan.hyper.globalBatch}⌉ × ${plan.hyper.epochs} epochs);`,
    `warmup_ratio ${warmup.warmupRatio} = ${warmup.warmupSteps} warmup steps${warmup.warmupSteps < plan.hyper.warmupSteps ? ` (the run is shorter than the recipe's ${plan.hyper.warmupSteps}: it warms up throughout)` : ""}`,
    `global batch ${plan.hyper.globalBatch} = micro ${plan.hyper.microBatchSize} × accumulation ${plan.gradientAccumulation} × ${plan.resources.nodes * plan.resources.gpusPerNode} GPUs`,
  ]);
}
