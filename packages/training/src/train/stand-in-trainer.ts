import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import { parse } from "yaml";
import { intermediateCheckpoints } from "./checkpoints.js";
import { writeSafetensors } from "./safetensors.js";
import { cosineLearningRate, standInGradNorm, standInLoss } from "./stand-in-schedule.js";
import { bundledQwen3TokenizerDir } from "./tokenizer-source.js";

/**
 * The CPU stand-in trainer: a small program that plays axolotl (or LLaMA-Factory) where no GPU is
 * available, so the training stage, its log parsing, checkpoint post-processing and bookkeeping
 * run for real in CI. It reads the rendered trainer config and the dataset, prints the log lines
 * Hugging Face's Trainer prints (a progress bar and `{'loss': …}` dicts), and writes checkpoint
 * folders shaped like axolotl's — including the two flaws post-processing repairs (wrapped weight
 * names, an overwritten tokenizer config plus chat_template.jinja). Every checkpoint carries a
 * STAND-IN.md marker. It learns nothing.
 */

export const STAND_IN_MARKER = "STAND-IN.md";

/**
 * How the stand-in introduces itself on its first output line. sera-train reads it to mark the
 * run's metrics stand-in: provenance comes from what the trainer says, not from launcher.command
 * (which may as well wrap a real trainer).
 */
export const STAND_IN_TRAINER_ANNOUNCEMENT = "[stand-in] CPU stand-in for ";

export interface StandInOptions {
  config: string;
  /** GPUs the real job would use: the global batch is micro × accumulation × this. */
  worldSize: number;
  stepMs: number;
  /** Exit 75 on reaching this step, once (a marker in the output dir remembers), to exercise retries and resume. */
  crashAtStep?: number;
  write: (text: string) => void;
}

interface TrainerView {
  flavour: "axolotl" | "llamafactory";
  baseModel: string;
  dataset: string;
  outputDir: string;
  epochs: number;
  micro: number;
  accumulation: number;
  learningRate: number;
  warmupRatio: number;
  saveEachEpoch: boolean;
  seed: number;
  resume: boolean;
}

function viewOf(config: Record<string, unknown>, configFile: string): TrainerView {
  const number = (key: string, fallback?: number): number => {
    const value = config[key] ?? fallback;
    if (typeof value !== "number") throw new Error(`${configFile}: ${key} must be a number, got ${JSON.stringify(value)}`);
    return value;
  };
  if (typeof config.base_model === "string") {
    const datasets = config.datasets as Array<{ path?: string }> | undefined;
    if (!datasets?.[0]?.path) throw new Error(`${configFile}: datasets[0].path is missing`);
    return {
      flavour: "axolotl",
      baseModel: config.base_model,
      dataset: datasets[0].path,
      outputDir: String(config.output_dir),
      epochs: number("num_epochs"),
      micro: number("micro_batch_size"),
      accumulation: number("gradient_accumulation_steps"),
      learningRate: number("learning_rate"),
      warmupRatio: number("warmup_ratio", 0),
      saveEachEpoch: config.save_strategy === "epoch",
      seed: number("seed", 42),
      resume: config.auto_resume_from_checkpoints === true,
    };
  }
  if (typeof config.model_name_or_path === "string") {
    const info = JSON.parse(readFileSync(path.join(String(config.dataset_dir), "dataset_info.json"), "utf8")) as Record<string, { file_name: string }>;
    const entry = info[String(config.dataset)];
    if (!entry) throw new Error(`${configFile}: dataset ${String(config.dataset)} is not in dataset_info.json`);
    return {
      flavour: "llamafactory",
      baseModel: config.model_name_or_path,
      dataset: path.resolve(String(config.dataset_dir), entry.file_name),
      outputDir: String(config.output_dir),
      epochs: number("num_train_epochs"),
      micro: number("per_device_train_batch_size"),
      accumulation: number("gradient_accumulation_steps"),
      learningRate: number("learning_rate"),
      warmupRatio: number("warmup_ratio", 0),
      saveEachEpoch: config.save_strategy === "epoch",
      seed: number("seed", 42),
      resume: config.overwrite_output_dir === false,
    };
  }
  throw new Error(`${configFile}: neither an axolotl config (base_model) nor a LLaMA-Factory one (model_name_or_path)`);
}

function countSamples(file: string): number {
  let count = 0;
  for (const [index, line] of readFileSync(file, "utf8").split("\n").entries()) {
    if (!line.trim()) continue;
    const sample = JSON.parse(line) as { messages?: unknown };
    if (!Array.isArray(sample.messages)) throw new Error(`${file}:${index + 1}: no messages array`);
    count++;
  }
  return count;
}

function bar(step: number, total: number, startedAt: number): string {
  const percent = Math.floor((100 * step) / total);
  const filled = Math.floor(percent / 10);
  const elapsed = (Date.now() - startedAt) / 1000;
  const rate = step > 0 ? elapsed / step : 0;
  const clock = (s: number) => `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
  return `${String(percent).padStart(3)}%|${"█".repeat(filled)}${" ".repeat(10 - filled)}| ${step}/${total} [${clock(elapsed)}<${clock(rate * (total - step))}, ${rate.toFixed(2)}s/it]`;
}

/** Python's repr of a float: "3.0", "0.558", "2.0833333333333333e-07" (exponent form below 1e-4). */
function pythonFloat(value: number): string {
  if (Number.isInteger(value)) return value.toFixed(1);
  const text = value !== 0 && Math.abs(value) < 1e-4 ? value.toExponential() : String(value);
  return text.replace(/e([-+])(\d)$/, "e$10$2");
}

function pythonDict(values: Record<string, number>): string {
  return `{${Object.entries(values)
    .map(([k, v]) => `'${k}': ${pythonFloat(v)}`)
    .join(", ")}}`;
}

function tensorBytes(seed: number, step: number, name: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash("sha256").update(`${seed}:${step}:${name}`).digest();
  for (let i = 0; i < size; i++) {
    if (i % 32 === 0 && i > 0) block = createHash("sha256").update(block).digest();
    out[i] = block[i % 32];
  }
  return out;
}

const LAYERS = ["self_attn.q_proj", "self_attn.k_proj", "mlp.gate_proj", "mlp.down_proj"];

function writeModel(dir: string, view: TrainerView, step: number, tokenizerDir: string): void {
  mkdirSync(dir, { recursive: true });
  // axolotl's activation checkpointing wraps each decoder layer and the saved names keep the wrapper.
  const layerName = (i: number, part: string) =>
    view.flavour === "axolotl" ? `model.layers.${i}._checkpoint_wrapped_module.${part}.weight` : `model.layers.${i}.${part}.weight`;
  const shards: Array<Record<string, { dtype: string; shape: number[]; data: Buffer }>> = [{}, {}];
  shards[0]["model.embed_tokens.weight"] = { dtype: "BF16", shape: [16, 8], data: tensorBytes(view.seed, step, "embed", 256) };
  for (let i = 0; i < 2; i++) {
    for (const part of LAYERS) shards[i][layerName(i, part)] = { dtype: "BF16", shape: [8, 8], data: tensorBytes(view.seed, step, `${i}.${part}`, 128) };
  }
  shards[1]["lm_head.weight"] = { dtype: "BF16", shape: [16, 8], data: tensorBytes(view.seed, step, "head", 256) };
  const weightMap: Record<string, string> = {};
  shards.forEach((tensors, i) => {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    writeSafetensors(path.join(dir, file), tensors);
    for (const name of Object.keys(tensors)) weightMap[name] = file;
  });
  writeFileSync(path.join(dir, "model.safetensors.index.json"), JSON.stringify({ metadata: { total_size: 2048 }, weight_map: weightMap }, null, 2));
  writeFileSync(
    path.join(dir, "config.json"),
    JSON.stringify({ architectures: ["Qwen3ForCausalLM"], model_type: "qwen3", torch_dtype: "bfloat16", stand_in: true }, null, 2),
  );
  writeFileSync(path.join(dir, "generation_config.json"), JSON.stringify({ bos_token_id: 151643, eos_token_id: [151645, 151643] }, null, 2));
  const stock = JSON.parse(readFileSync(path.join(tokenizerDir, "tokenizer_config.json"), "utf8")) as Record<string, unknown>;
  if (existsSync(path.join(tokenizerDir, "tokenizer.json"))) copyFileSync(path.join(tokenizerDir, "tokenizer.json"), path.join(dir, "tokenizer.json"));
  if (view.flavour === "axolotl") {
    // What axolotl does with `chat_template: chatml`: the stock template is replaced and saved separately too.
    const chatml = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}";
    writeFileSync(path.join(dir, "tokenizer_config.json"), JSON.stringify({ ...stock, chat_template: chatml }, null, 2));
    writeFileSync(path.join(dir, "chat_template.jinja"), chatml);
    writeFileSync(path.join(dir, "special_tokens_map.json"), JSON.stringify({ eos_token: "<|im_end|>", pad_token: "<|endoftext|>" }, null, 2));
  } else writeFileSync(path.join(dir, "tokenizer_config.json"), JSON.stringify(stock, null, 2));
  writeFileSync(
    path.join(dir, STAND_IN_MARKER),
    "# CPU stand-in checkpoint\n\nWritten by sera's CPU stand-in trainer in place of a real trainer (no GPU). The weights are a few\nrandom bytes in the layout of a Qwen3 checkpoint; they are not a model.\n",
  );
}

export async function runStandInTrainer(options: StandInOptions): Promise<number> {
  const configFile = path.resolve(options.config);
  const view = viewOf(parse(readFileSync(configFile, "utf8"), { version: "1.1" }) as Record<string, unknown>, configFile);
  const out = options.write;
  const samples = countSamples(view.dataset);
  const globalBatch = view.micro * view.accumulation * options.worldSize;
  const stepsPerEpoch = Math.ceil(samples / globalBatch);
  const total = stepsPerEpoch * view.epochs;
  const warmup = Math.ceil(total * view.warmupRatio);
  const localBase = path.resolve(view.baseModel);
  const tokenizerDir = existsSync(path.join(localBase, "tokenizer_config.json")) ? localBase : bundledQwen3TokenizerDir();
  out(`${STAND_IN_TRAINER_ANNOUNCEMENT}${view.flavour} (not a trainer): ${configFile}\n`);
  out(`[stand-in] base model ${view.baseModel}; tokenizer files from ${tokenizerDir}\n`);

  let start = 0;
  if (view.resume) {
    const latest = intermediateCheckpoints(view.outputDir).at(-1);
    if (latest) {
      start = latest.step;
      out(`Resuming training from checkpoint: ${latest.dir}\n`);
    }
  }
  out("***** Running training *****\n");
  out(`  Num examples = ${samples.toLocaleString("en-US")}\n`);
  out(`  Num Epochs = ${view.epochs}\n`);
  out(`  Instantaneous batch size per device = ${view.micro}\n`);
  out(`  Total train batch size (w. parallel, distributed & accumulation) = ${globalBatch}\n`);
  out(`  Gradient Accumulation steps = ${view.accumulation}\n`);
  out(`  Total optimization steps = ${total.toLocaleString("en-US")}\n`);

  const startedAt = Date.now();
  let lossSum = 0;
  for (let step = start + 1; step <= total; step++) {
    if (options.stepMs > 0) await new Promise((resolve) => setTimeout(resolve, options.stepMs));
    const crashMarker = path.join(view.outputDir, `.stand-in-crashed-at-${step}`);
    if (options.crashAtStep === step && !existsSync(crashMarker)) {
      mkdirSync(view.outputDir, { recursive: true });
      writeFileSync(crashMarker, "");
      out(`[stand-in] injected crash at step ${step} (exit 75)\n`);
      return 75;
    }
    const loss = standInLoss(step, view.seed);
    lossSum += loss;
    const epoch = Number((step / stepsPerEpoch).toFixed(2));
    out(`${bar(step, total, startedAt)}\r`);
    out(
      `${pythonDict({ loss, grad_norm: standInGradNorm(step, view.seed), learning_rate: cosineLearningRate(step, view.learningRate, warmup, total), epoch })}\n`,
    );
    if (view.saveEachEpoch && step % stepsPerEpoch === 0) {
      const dir = path.join(view.outputDir, `checkpoint-${step}`);
      writeModel(dir, view, step, tokenizerDir);
      writeFileSync(
        path.join(dir, "trainer_state.json"),
        JSON.stringify({ global_step: step, epoch: step / stepsPerEpoch, max_steps: total, stand_in: true }, null, 2),
      );
      out(`Saving model checkpoint to ${dir}\n`);
    }
  }
  writeModel(view.outputDir, view, total, tokenizerDir);
  writeFileSync(
    path.join(view.outputDir, "trainer_state.json"),
    JSON.stringify({ global_step: total, epoch: view.epochs, max_steps: total, stand_in: true }, null, 2),
  );
  const runtime = (Date.now() - startedAt) / 1000;
  const trained = Math.max(1, total - start);
  out(
    `${pythonDict({
      train_runtime: Number(runtime.toFixed(4)),
      train_samples_per_second: Number(((trained * globalBatch) / Math.max(runtime, 1e-3)).toFixed(3)),
      train_steps_per_second: Number((trained / Math.max(runtime, 1e-3)).toFixed(3)),
      train_loss: Number((lossSum / trained).toFixed(4)),
      epoch: view.epochs,
    })}\n`,
  );
  out(`[stand-in] wrote ${readdirSync(view.outputDir).filter((n) => n.endsWith(".safetensors")).length} weight shards to ${view.outputDir}\n`);
  return 0;
}
