import { createReadStream, createWriteStream, existsSync, readdirSync, statSync } from "node:fs";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";
import { datasetFiles } from "../card/files.js";

/**
 * Which SFT JSONL a training run reads. An explicit `dataset` path wins. Otherwise the upstream
 * `sera-dataset` run is read through its card (card.json lists every shard with the subset it
 * belongs to: "all" or "subset-<size>" for the nested subsets of a scaling sweep). Other
 * upstream stages may leave a plain JSONL under a conventional name. Several shards are
 * concatenated in order into one file, because trainers take one path.
 */

/** Names a non-dataset upstream stage may use for its SFT file. */
export const DATASET_FILE_CANDIDATES = ["sft.jsonl", "dataset.jsonl", "train.jsonl"];

export function findUpstreamDataset(outDir: string, options: { file?: string; samples?: number | "all" } = {}): string[] {
  const samples = options.samples ?? "all";
  if (options.file) {
    const explicit = path.join(outDir, options.file);
    if (!existsSync(explicit)) throw new Error(`datasetFile: ${explicit} does not exist`);
    return datasetShards(explicit);
  }
  if (existsSync(path.join(outDir, "card.json"))) {
    try {
      return datasetFiles(outDir, samples, "jsonl");
    } catch (error) {
      throw new Error(`samples: ${(error as Error).message}; a nested subset must be one of the dataset stage's subsets.sizes`);
    }
  }
  if (samples !== "all") throw new Error(`samples: ${samples} needs a sera-dataset run with nested subsets; ${outDir} has no card.json`);
  for (const candidate of DATASET_FILE_CANDIDATES) {
    const full = path.join(outDir, candidate);
    if (existsSync(full)) return [full];
  }
  const jsonl = existsSync(outDir) ? readdirSync(outDir).filter((name) => name.endsWith(".jsonl")) : [];
  if (jsonl.length === 1) return [path.join(outDir, jsonl[0])];
  throw new Error(
    `no SFT dataset in ${outDir}: no card.json and none of ${DATASET_FILE_CANDIDATES.join(", ")}${jsonl.length ? ` (found ${jsonl.join(", ")}; name one in datasetFile)` : ""}`,
  );
}

/** A file, or every .jsonl in a folder in name order. */
export function datasetShards(location: string): string[] {
  if (!statSync(location).isDirectory()) return [location];
  const shards = readdirSync(location)
    .filter((name) => name.endsWith(".jsonl"))
    .sort()
    .map((name) => path.join(location, name));
  if (shards.length === 0) throw new Error(`${location}: a dataset folder with no .jsonl shards`);
  return shards;
}

/** Count samples (non-empty lines) and, when given a target, write the shards into it as one file. */
export async function collectSamples(shards: string[], target?: string): Promise<number> {
  const out = target ? createWriteStream(target) : null;
  let samples = 0;
  for (const shard of shards) {
    for await (const line of createInterface({ input: createReadStream(shard), crlfDelay: Infinity })) {
      if (!line.trim()) continue;
      samples++;
      if (out && !out.write(line + "\n")) await once(out, "drain");
    }
  }
  if (out) {
    out.end();
    await once(out, "finish");
  }
  return samples;
}
