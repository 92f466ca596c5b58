import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { packTexts } from "./packed-texts.js";
import type { Qwen3Engine, TokenCounter } from "./tokens.js";

interface WorkerReply {
  id?: number;
  counts?: number[];
  ready?: boolean;
  error?: string;
}

interface PendingBatch {
  resolve(counts: number[]): void;
  reject(error: Error): void;
}

export interface TokenPoolOptions {
  /** Number of worker threads, each loading the tokenizer once (default: `defaultTokenWorkers()`). */
  workers?: number;
  engine?: Qwen3Engine;
}

/**
 * One token worker per core beyond the one the calling thread renders and serialises on. On 2
 * cores, a second worker made the export slower: the three threads contend for two cores and two
 * pre-token caches miss twice as often (5 interleaved exports of the bench corpus: one worker 17.3
 * MB/s at 2.6 CPU-s, two workers 15.8 MB/s at 3.3 CPU-s).
 */
export function defaultTokenWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}

/**
 * Counts Qwen3 tokens on N worker threads. A batch is cut into one slice per worker with about
 * equal characters, so the slowest slice bounds the batch.
 */
export class Qwen3TokenPool implements TokenCounter {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, PendingBatch>();
  private nextId = 0;

  private constructor(workers: Worker[]) {
    this.workers = workers;
    for (const worker of workers) {
      worker.on("message", (reply: WorkerReply) => this.settle(reply));
      worker.on("error", (error) => this.failAll(error));
    }
  }

  static async start(options: TokenPoolOptions = {}): Promise<Qwen3TokenPool> {
    const size = Math.max(1, options.workers ?? defaultTokenWorkers());
    const engine = options.engine ?? "bpe";
    const workers = Array.from({ length: size }, () => spawnTokenWorker(engine));
    try {
      await Promise.all(workers.map((worker) => waitReady(worker)));
    } catch (error) {
      await Promise.all(workers.map((worker) => worker.terminate()));
      throw error;
    }
    return new Qwen3TokenPool(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  async count(texts: readonly string[]): Promise<number[]> {
    if (texts.length === 0) return [];
    const slices = sliceByLength(texts, this.workers.length);
    const results = await Promise.all(slices.map(([start, end], index) => this.send(this.workers[index], texts.slice(start, end))));
    return results.flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    this.failAll(new Error("token pool closed"));
  }

  private send(worker: Worker, texts: string[]): Promise<number[]> {
    if (texts.length === 0) return Promise.resolve([]);
    const id = this.nextId++;
    return new Promise<number[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const packed = packTexts(texts);
      worker.postMessage({ id, packed }, [packed.bytes, packed.layout.buffer as ArrayBuffer]);
    });
  }

  private settle(reply: WorkerReply): void {
    if (reply.id === undefined) return;
    const batch = this.pending.get(reply.id);
    if (!batch) return;
    this.pending.delete(reply.id);
    if (reply.counts) batch.resolve(reply.counts);
    else batch.reject(new Error(`token worker failed: ${reply.error ?? "no counts"}`));
  }

  private failAll(error: Error): void {
    for (const batch of this.pending.values()) batch.reject(error);
    this.pending.clear();
  }
}

/**
 * From compiled JavaScript the worker file runs as is. From TypeScript sources (vitest, tsx) Node 20
 * cannot load a .ts worker and ignores loader flags in a worker's execArgv, so a small bootstrap
 * registers tsx inside the worker before importing the .ts file.
 */
function spawnTokenWorker(engine: Qwen3Engine): Worker {
  const workerData = { engine };
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./token-worker.js", import.meta.url), { workerData });
  // require.resolve picks the CommonJS build of tsx's API, whose register() cannot load its ESM half
  // from a worker; its sibling .mjs is the ESM build.
  const tsxApi = pathToFileURL(
    createRequire(import.meta.url)
      .resolve("tsx/esm/api")
      .replace(/\.cjs$/, ".mjs"),
  ).href;
  const entry = new URL("./token-worker.ts", import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

function waitReady(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: WorkerReply): void => {
      if (reply.ready === undefined) return;
      worker.off("message", onMessage);
      if (reply.ready) resolve();
      else reject(new Error(`token worker could not load the tokenizer: ${reply.error ?? "unknown error"}`));
    };
    worker.on("message", onMessage);
    worker.once("error", reject);
  });
}

/** Contiguous [start, end) ranges, one per worker, with roughly equal total characters. */
export function sliceByLength(texts: readonly string[], parts: number): [number, number][] {
  const total = texts.reduce((sum, text) => sum + text.length + 1, 0);
  const slices: [number, number][] = [];
  let start = 0;
  let seen = 0;
  for (let part = 1; part <= parts; part++) {
    const target = (total * part) / parts;
    let end = start;
    while (end < texts.length && (part === parts || seen + texts[end].length + 1 <= target || end === start)) {
      seen += texts[end].length + 1;
      end++;
      if (part !== parts && seen >= target) break;
    }
    slices.push([start, end]);
    start = end;
  }
  return slices;
}
