import { copyFileSync, createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import { readSafetensorsHeader, renameSafetensors } from "./safetensors.js";
import { TOKENIZER_FILES } from "./tokenizer-source.js";

/**
 * Turns the trainer's final output into a checkpoint vLLM and SGLang can serve (training-recipe.md,
 * "Checkpoint post-processing pitfalls"):
 *  1. axolotl saves weights under names containing `._checkpoint_wrapped_module`; the segment is
 *     dropped from every safetensors header and from the shard index.
 *  2. axolotl overwrites the tokenizer files with its chatml template and adds chat_template.jinja;
 *     the base model's stock tokenizer files are copied back byte for byte and the template file
 *     is left out (reproducers who skipped this scored 0%).
 * Training-state files (optimizer shards, RNG states, trainer_state.json) stay behind.
 */

export const WRAPPED_SEGMENT = "_checkpoint_wrapped_module";
const INDEX_FILE = "model.safetensors.index.json";
const TEMPLATE_FILE = "chat_template.jinja";
const TRAINING_STATE = new Set(["trainer_state.json", "training_args.bin", "scheduler.pt", "optimizer.pt"]);

export function unwrapTensorName(name: string): string {
  return name
    .split(".")
    .filter((segment) => segment !== WRAPPED_SEGMENT)
    .join(".");
}

export interface PostprocessReport {
  source: string;
  target: string;
  shards: number;
  tensors: number;
  renamedTensors: number;
  restoredTokenizerFiles: string[];
  /** Tokenizer or template files the trainer wrote that the stock model does not have. */
  droppedFiles: string[];
  tokenizerSource: string;
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export function hasFinalWeights(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((name) => name.endsWith(".safetensors"));
}

export async function postprocessCheckpoint(source: string, target: string, tokenizerDir: string): Promise<PostprocessReport> {
  if (!hasFinalWeights(source)) throw new Error(`${source}: the trainer left no .safetensors weights to post-process`);
  const staging = `${target}.staging`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const report: PostprocessReport = {
    source,
    target,
    shards: 0,
    tensors: 0,
    renamedTensors: 0,
    restoredTokenizerFiles: [],
    droppedFiles: [],
    tokenizerSource: tokenizerDir,
  };
  const stock = new Set(TOKENIZER_FILES.filter((name) => existsSync(path.join(tokenizerDir, name))));
  if (!stock.has("tokenizer_config.json")) throw new Error(`${tokenizerDir}: no tokenizer_config.json to restore`);

  for (const entry of readdirSync(source, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const from = path.join(source, entry.name);
    const to = path.join(staging, entry.name);
    if (entry.name.endsWith(".safetensors")) {
      report.renamedTensors += await renameSafetensors(from, to, unwrapTensorName);
      report.shards++;
      report.tensors += Object.keys(readSafetensorsHeader(to).tensors).length;
    } else if (entry.name === INDEX_FILE) {
      const index = JSON.parse(readFileSync(from, "utf8")) as { metadata?: unknown; weight_map?: Record<string, string> };
      const weightMap: Record<string, string> = {};
      for (const [name, shard] of Object.entries(index.weight_map ?? {})) weightMap[unwrapTensorName(name)] = shard;
      writeFileSync(to, JSON.stringify({ ...index, weight_map: weightMap }, null, 2) + "\n");
    } else if (TOKENIZER_FILES.includes(entry.name) || entry.name === TEMPLATE_FILE) {
      if (!stock.has(entry.name)) report.droppedFiles.push(entry.name);
    } else if (!TRAINING_STATE.has(entry.name) && !entry.name.startsWith("rng_state")) copyFileSync(from, to);
  }
  for (const name of stock) {
    copyFileSync(path.join(tokenizerDir, name), path.join(staging, name));
    if ((await sha256File(path.join(tokenizerDir, name))) !== (await sha256File(path.join(staging, name)))) {
      throw new Error(`${name}: restored copy differs from ${tokenizerDir}`);
    }
    report.restoredTokenizerFiles.push(name);
  }
  verifyCheckpoint(staging);
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  report.droppedFiles.sort();
  return report;
}

/** The checks a server would trip over: no wrapped names, and an index that matches its shards exactly. */
export function verifyCheckpoint(dir: string): void {
  const shards = readdirSync(dir).filter((name) => name.endsWith(".safetensors"));
  const names = new Map<string, string>();
  for (const shard of shards) {
    for (const name of Object.keys(readSafetensorsHeader(path.join(dir, shard)).tensors)) {
      if (name.split(".").includes(WRAPPED_SEGMENT)) throw new Error(`${shard}: tensor ${name} still carries ${WRAPPED_SEGMENT}`);
      names.set(name, shard);
    }
  }
  const indexFile = path.join(dir, INDEX_FILE);
  if (existsSync(indexFile)) {
    const weightMap = (JSON.parse(readFileSync(indexFile, "utf8")) as { weight_map?: Record<string, string> }).weight_map ?? {};
    for (const [name, shard] of Object.entries(weightMap)) {
      if (names.get(name) !== shard)
        throw new Error(`${INDEX_FILE}: ${name} is mapped to ${shard} but ${names.has(name) ? `lives in ${names.get(name)}` : "is in no shard"}`);
    }
    if (Object.keys(weightMap).length !== names.size)
      throw new Error(`${INDEX_FILE}: maps ${Object.keys(weightMap).length} tensors, the shards hold ${names.size}`);
  } else if (shards.length > 1) throw new Error(`${dir}: ${shards.length} shards but no ${INDEX_FILE}`);
  if (existsSync(path.join(dir, TEMPLATE_FILE))) throw new Error(`${dir}: ${TEMPLATE_FILE} would override the stock template`);
}
