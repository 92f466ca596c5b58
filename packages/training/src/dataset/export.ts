import type { Trajectory } from "@sera/core";
import { loadChatTemplate } from "./format/chat-template.js";
import { SegmentSource, type SegmentCheck } from "./format/chatml-layout.js";
import { renderMessages, serializeSftLine } from "./format/render.js";
import type { DropReason, RenderedSample, RenderOptions } from "./format/sample.js";
import type { OpenAiTool } from "./format/tools.js";
import { Qwen3TokenPool } from "./token-pool.js";
import { CachedTokenCounter, type Qwen3Engine, type TokenCacheStats, type TokenCounter } from "./tokens.js";
import { defaultTokenBudget, truncateToBudget, type Truncation, type TruncationOutcome } from "./truncate.js";

export interface ExportOptions extends RenderOptions {
  /** Token budget per sample (default 32,768); leave a margin below the trainer's sequence length. */
  budget?: number;
  /** Trajectories per token-counting round trip (default 8: small batches overlap better). */
  batchSize?: number;
  /** Tools for one trajectory when a dataset mixes sources (generated and ingested); `tools` otherwise. */
  toolsFor?: (trajectory: Trajectory) => readonly OpenAiTool[] | undefined;
  /**
   * Receive each sample as it is made instead of collecting it in the report, so a large dataset
   * never sits in memory as one list of lines.
   */
  onSample?: (sample: ExportedSample) => void;
  /** Told which input (by position) was dropped and why. */
  onDrop?: (index: number, reason: ExportDropReason) => void;
}

export interface ExportedSample extends Truncation {
  /** Position of the trajectory in the input sequence (0-based). */
  index: number;
  instanceId: string;
  /** The JSONL line, truncated to the budget, without the trailing newline. */
  line: string;
}

export type ExportDropReason = DropReason | "no-assistant-within-budget";

export interface ExportReport {
  samples: ExportedSample[];
  dropped: Partial<Record<ExportDropReason, number>>;
  /** Bytes of JSONL the samples make, newlines included. */
  outputBytes: number;
  /** Which chat template the token counts follow and how its layout was checked. */
  chatTemplate: SegmentCheck;
}

interface IndexedSample {
  sample: RenderedSample;
  index: number;
  /** What the student's template renders for each message (the token budget counts these). */
  segments: string[];
}

/**
 * Truncate on the counted segments, then make the budget hold for what the trainer will render: the
 * kept prefix ends on an assistant turn that is now the conversation's last, which a template may
 * render differently (Qwen3 gives the last turn a think block even when empty). Walk back over
 * assistant turns until the prefix, its last turn counted as last, fits.
 */
async function fitToBudget(
  roles: readonly string[],
  counts: readonly number[],
  budget: number,
  countAsLast: (lastIndex: number) => Promise<number>,
): Promise<TruncationOutcome> {
  const whole = truncateToBudget(roles, counts, budget);
  if ("dropped" in whole || !whole.truncated) return whole;
  let before = counts.slice(0, whole.keptMessages - 1).reduce((sum, count) => sum + count, 0);
  for (let lastIndex = whole.keptMessages - 1; lastIndex >= 0; before -= counts[--lastIndex] ?? 0) {
    if (roles[lastIndex] !== "assistant" || before + counts[lastIndex] > budget) continue;
    const keptTokens = before + (await countAsLast(lastIndex));
    if (keptTokens > budget) continue;
    const keptMessages = lastIndex + 1;
    return { ...whole, keptMessages, ratio: keptMessages / whole.totalMessages, keptTokens };
  }
  return { dropped: "no-assistant-within-budget" };
}

async function* inBatches<T>(items: Iterable<T> | AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * Render, count, truncate and serialise trajectories into SFT samples. Rendering the next batch
 * on the main thread overlaps with the workers counting the previous one. Samples that cannot be
 * used are counted by reason, never thrown.
 */
export async function exportSft(
  trajectories: Iterable<Trajectory> | AsyncIterable<Trajectory>,
  counter: TokenCounter,
  options: ExportOptions = {},
): Promise<ExportReport> {
  const budget = options.budget ?? defaultTokenBudget;
  const segmentSource = new SegmentSource(options.chatTemplate ?? loadChatTemplate());
  const report: ExportReport = { samples: [], dropped: {}, outputBytes: 0, chatTemplate: segmentSource.check };
  const drop = (index: number, reason: ExportDropReason): void => {
    report.dropped[reason] = (report.dropped[reason] ?? 0) + 1;
    options.onDrop?.(index, reason);
  };
  const finish = async (rendered: IndexedSample[], counts: number[]): Promise<void> => {
    let offset = 0;
    for (const { sample, index, segments } of rendered) {
      const sampleCounts = counts.slice(offset, offset + sample.messages.length);
      offset += sample.messages.length;
      const outcome = await fitToBudget(
        sample.messages.map((message) => message.role),
        sampleCounts,
        budget,
        async (lastIndex) => {
          const asLast = segmentSource.segments(sample.instanceId, sample.messages, lastIndex)[lastIndex];
          return asLast === segments[lastIndex] ? sampleCounts[lastIndex] : (await counter.count([asLast]))[0];
        },
      );
      if ("dropped" in outcome) {
        drop(index, outcome.dropped);
        continue;
      }
      const line = serializeSftLine(sample.instanceId, sample.messages.slice(0, outcome.keptMessages), sample.tools, options);
      report.outputBytes += Buffer.byteLength(line) + 1;
      const exported: ExportedSample = { index, instanceId: sample.instanceId, line, ...outcome };
      if (options.onSample) options.onSample(exported);
      else report.samples.push(exported);
    }
  };
  // Two batches in flight keep both workers busy while the main thread renders and serialises.
  const inflight: Promise<[IndexedSample[], number[]]>[] = [];
  let position = 0;
  for await (const batch of inBatches(trajectories, options.batchSize ?? 8)) {
    const rendered: IndexedSample[] = [];
    for (const trajectory of batch) {
      const index = position++;
      const result = renderMessages(trajectory, options.toolsFor ? { ...options, tools: options.toolsFor(trajectory) } : options);
      if ("dropped" in result) drop(index, result.dropped);
      else rendered.push({ sample: result, index, segments: segmentSource.segments(result.instanceId, result.messages) });
    }
    const texts = rendered.flatMap(({ segments }) => segments);
    inflight.push(counter.count(texts).then((counts): [IndexedSample[], number[]] => [rendered, counts]));
    if (inflight.length > 2) await finish(...(await (inflight.shift() as (typeof inflight)[number])));
  }
  for (const pending of inflight) await finish(...(await pending));
  return report;
}

export interface Qwen3CounterOptions {
  /** Worker threads (default: one per core beyond the main thread's, `defaultTokenWorkers()`). */
  workers?: number;
  engine?: Qwen3Engine;
  /**
   * Memoise counts per distinct message text. Default: on for the library engine, off for bpe.
   * The bpe engine already caches per pre-token inside each worker, and hashing every message on
   * the main thread then costs about as much as the repeats it saves (2 workers, 2 cores, 36 MB
   * fixture-derived corpus: 27–29 MB/s without, 26 MB/s with). The library engine is slow enough
   * (about 2 MB/s) that skipping repeated system prompts and tool lists pays.
   */
  cache?: boolean;
}

/** Start a Qwen3 worker pool (wrapped in a count cache), run `use`, and always stop the workers. */
export async function withQwen3Counter<T>(options: Qwen3CounterOptions, use: (counter: TokenCounter) => Promise<T>): Promise<T> {
  const engine = options.engine ?? "bpe";
  const pool = await Qwen3TokenPool.start({ workers: options.workers, engine });
  const counter = (options.cache ?? engine === "library") ? new CachedTokenCounter(pool) : pool;
  try {
    return await use(counter);
  } finally {
    await counter.close();
  }
}

export interface ExportThroughput {
  samples: number;
  outputBytes: number;
  /** Export time with warm workers: render + count + truncate + serialise. */
  seconds: number;
  mbPerSecond: number;
  /**
   * CPU time of the whole process (main thread, workers, GC) during `seconds`: on a shared machine
   * it shows what the export costs when wall time mostly shows the neighbours.
   */
  cpuSeconds: number;
  /** Worker start-up (tokenizer loading), paid once per process and not in `seconds`. */
  startupSeconds: number;
  cache: TokenCacheStats | undefined;
  dropped: ExportReport["dropped"];
}

/** Time one export of `trajectories` through a fresh Qwen3 pool; for the benchmark suite. */
export async function measureExportThroughput(
  trajectories: readonly Trajectory[],
  options: ExportOptions & Qwen3CounterOptions = {},
): Promise<ExportThroughput> {
  const started = performance.now();
  const engine = options.engine ?? "bpe";
  const pool = await Qwen3TokenPool.start({ workers: options.workers, engine });
  const startupSeconds = (performance.now() - started) / 1000;
  const counter = (options.cache ?? engine === "library") ? new CachedTokenCounter(pool) : undefined;
  try {
    const begin = performance.now();
    const cpuBefore = process.cpuUsage();
    // Samples stream past as in the dataset build (build/run.ts writes each line as it comes).
    let samples = 0;
    const report = await exportSft(trajectories, counter ?? pool, {
      ...options,
      onSample: (sample) => {
        samples += 1;
        options.onSample?.(sample);
      },
    });
    const seconds = (performance.now() - begin) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    return {
      samples,
      outputBytes: report.outputBytes,
      seconds,
      mbPerSecond: report.outputBytes / 1e6 / seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      startupSeconds,
      cache: counter ? { ...counter.stats } : undefined,
      dropped: report.dropped,
    };
  } finally {
    await pool.close();
  }
}
