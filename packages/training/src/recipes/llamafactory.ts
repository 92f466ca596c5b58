import { createReadStream, createWriteStream, rmSync } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { layoutPath, type TrainingPlan } from "./plan.js";
import { trainerYaml } from "./trainer-yaml.js";

/**
 * LLaMA-Factory equivalent of the SERA recipe (training-recipe.md, "Equivalent configs"): full
 * SFT with the qwen3 template, the same optimiser, schedule, warmup-as-ratio and global batch.
 * axolotl-only features (Cut Cross-Entropy, activation offloading, the loss watchdog, dropping
 * over-long rows) have no LLaMA-Factory key and are left out; LLaMA-Factory truncates rows longer
 * than cutoff_len instead of dropping them.
 */

export const LLAMAFACTORY_DATASET_NAME = "sera_sft";

export function llamaFactoryConfig(plan: TrainingPlan): Record<string, unknown> {
  const { hyper } = plan;
  return {
    model_name_or_path: plan.baseModel,
    stage: "sft",
    do_train: true,
    finetuning_type: "full",
    deepspeed: layoutPath(plan, "deepspeedConfig"),
    dataset: LLAMAFACTORY_DATASET_NAME,
    dataset_dir: layoutPath(plan, "configDir"),
    template: "qwen3",
    cutoff_len: hyper.sequenceLen,
    packing: hyper.packing,
    overwrite_cache: true,
    preprocessing_num_workers: 16,
    output_dir: layoutPath(plan, "checkpointsDir"),
    logging_steps: hyper.loggingSteps,
    save_strategy: hyper.save === "epoch" ? "epoch" : "no",
    plot_loss: true,
    // Keep earlier checkpoints so a requeued attempt can resume from them.
    overwrite_output_dir: false,
    report_to: "none",
    per_device_train_batch_size: hyper.microBatchSize,
    gradient_accumulation_steps: plan.gradientAccumulation,
    learning_rate: hyper.learningRate,
    num_train_epochs: hyper.epochs,
    lr_scheduler_type: hyper.scheduler,
    warmup_ratio: plan.warmup.warmupRatio,
    weight_decay: hyper.weightDecay,
    adam_beta1: hyper.adamBeta1,
    adam_beta2: hyper.adamBeta2,
    bf16: hyper.bf16,
    tf32: hyper.tf32,
    flash_attn: hyper.flashAttention ? "fa2" : "auto",
    seed: plan.seed,
  };
}

export function llamaFactoryConfigYaml(plan: TrainingPlan): string {
  const { warmup } = plan;
  return trainerYaml(llamaFactoryConfig(plan), [
    `LLaMA-Factory config rendered by sera from recipe ${plan.recipe}`,
    `${warmup.samples} samples → ${warmup.totalSteps} optimiser steps; warmup_ratio ${warmup.warmupRatio} = ${warmup.warmupSteps} warmup steps${warmup.warmupSteps < plan.hyper.warmupSteps ? ` (shorter than the recipe's ${plan.hyper.warmupSteps})` : ""}`,
    `global batch ${plan.hyper.globalBatch} = per-device ${plan.hyper.microBatchSize} × accumulation ${plan.gradientAccumulation} × ${plan.resources.nodes * plan.resources.gpusPerNode} GPUs`,
  ]);
}

/** dataset_info.json registering the converted dataset in ShareGPT form with OpenAI-style role tags. */
export function llamaFactoryDatasetInfo(plan: TrainingPlan): Record<string, unknown> {
  return {
    [LLAMAFACTORY_DATASET_NAME]: {
      file_name: layoutPath(plan, "llamaFactoryDataset"),
      formatting: "sharegpt",
      columns: { messages: "messages" },
      tags: { role_tag: "role", content_tag: "content", user_tag: "user", assistant_tag: "assistant", system_tag: "system" },
    },
  };
}

interface SftMessage {
  role: string;
  content: string;
}

/**
 * One SERA SFT line as LLaMA-Factory accepts it. Its ShareGPT reader skips any conversation that
 * does not end on an assistant turn, and SERA samples end with an untrained user turn holding the
 * final diff, so trailing non-assistant turns (which carry no loss) are cut. Null when nothing
 * trainable is left.
 */
export function toLlamaFactorySample(line: string): { messages: SftMessage[] } | null {
  const parsed = JSON.parse(line) as { messages?: Array<{ role?: unknown; content?: unknown }> };
  if (!Array.isArray(parsed.messages)) throw new Error("sample has no messages array");
  const messages = parsed.messages.map((m) => ({ role: String(m.role), content: typeof m.content === "string" ? m.content : JSON.stringify(m.content) }));
  while (messages.length > 0 && messages[messages.length - 1].role !== "assistant") messages.pop();
  return messages.some((m) => m.role === "assistant") ? { messages } : null;
}

export async function convertForLlamaFactory(source: string, target: string): Promise<{ kept: number; dropped: number }> {
  const out = createWriteStream(target);
  let kept = 0;
  let dropped = 0;
  let lineNumber = 0;
  for await (const line of createInterface({ input: createReadStream(source), crlfDelay: Infinity })) {
    lineNumber++;
    if (!line.trim()) continue;
    let sample;
    try {
      sample = toLlamaFactorySample(line);
    } catch (error) {
      out.end();
      await once(out, "finish");
      rmSync(target, { force: true });
      throw new Error(`${source}:${lineNumber}: ${(error as Error).message}`);
    }
    if (!sample) {
      dropped++;
      continue;
    }
    kept++;
    if (!out.write(JSON.stringify(sample) + "\n")) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return { kept, dropped };
}
