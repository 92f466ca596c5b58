import type { ZeroStage } from "./presets.js";

/**
 * DeepSpeed configs written next to the trainer config, so a run does not depend on whichever
 * example files a trainer version ships. Batch sizes, precision and clipping stay "auto": the
 * Hugging Face integration fills them from the trainer config, which is the single source.
 */
export function deepspeedConfig(stage: ZeroStage): Record<string, unknown> {
  const zero: Record<string, unknown> = { stage, overlap_comm: true, contiguous_gradients: true, reduce_bucket_size: "auto" };
  if (stage === 3) {
    Object.assign(zero, {
      stage3_prefetch_bucket_size: "auto",
      stage3_param_persistence_threshold: "auto",
      stage3_max_live_parameters: 1e9,
      stage3_max_reuse_distance: 1e9,
      // Without this the final save holds sharded partitions that vLLM cannot load.
      stage3_gather_16bit_weights_on_model_save: true,
    });
  }
  return {
    zero_optimization: zero,
    bf16: { enabled: "auto" },
    gradient_accumulation_steps: "auto",
    gradient_clipping: "auto",
    train_batch_size: "auto",
    train_micro_batch_size_per_gpu: "auto",
    wall_clock_breakdown: false,
  };
}
