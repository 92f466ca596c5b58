import { z } from "zod";
import { defaultMaxChangedLines, defaultMaxMeanToolOutputTokens } from "../dataset/filters.js";
import { mixSchema } from "../dataset/mix.js";
import { SUBSET_ORDERS } from "../dataset/subsets.js";
import { defaultTokenWorkers } from "../dataset/token-pool.js";
import { defaultRatioThreshold, defaultTokenBudget } from "../dataset/truncate.js";

/**
 * Parameters of the `sera-dataset` stage. Every knob of the method's postprocessing is here, each
 * with the paper's default; the optional filters are off unless enabled, because the paper found
 * no gain from them on general data. `workers` only decides speed and stays out of the run id.
 */

const sourceRunSchema = z
  .object({
    /** Run id of a sera-generate run, or of a `sera ingest` source (ingest-…). */
    runId: z.string().min(1),
    /** That run's output directory (holding records/rollouts.jsonl). */
    outDir: z.string().min(1),
  })
  .strict();

const thinkingSchema = z
  .object({
    /** Keep reasoning; dropping it cost about 18 points in the paper's ablation. */
    keep: z.boolean().default(true),
    /** What survives of an assistant turn; default keepOnlyThink for hermes, keepBoth for xml. */
    mode: z.enum(["keepOnlyThink", "keepOnlyCommentary", "keepBoth"]).optional(),
    /** Inline reasoning delimiters, for teachers served without a reasoning parser. */
    tags: z
      .object({ open: z.string().min(1), close: z.string().min(1) })
      .strict()
      .default({ open: "<think>", close: "</think>" }),
  })
  .strict();

const switchedFilter = <T extends z.ZodRawShape>(shape: T) => z.object({ enabled: z.boolean().default(false), ...shape }).strict();

export const datasetParamsSchema = z
  .object({
    /** Sources besides the stages in `needs` (what `sera dataset build --from-run` fills in). */
    from: z.array(sourceRunSchema).default([]),
    format: z.enum(["hermes", "xml", "raw"]).default("hermes"),
    thinking: thinkingSchema.default({ keep: true, tags: { open: "<think>", close: "</think>" } }),
    /** `train: true` on assistant messages and `false` elsewhere (axolotl's message_field_training). */
    train: z.boolean().default(true),
    /** The OpenAI tool list per sample as `tool_json`. */
    toolJson: z.boolean().default(true),
    /**
     * `auto`: the list stored with the trajectory (sera's generation records the tools the teacher
     * was offered; ingested samples may carry one), else the harness's three tools (bash,
     * str_replace_editor, submit) for generated trajectories and the tools it calls for ingested
     * ones. `harness`: always the three. `inferred`: the tools the trajectory calls.
     */
    tools: z.enum(["auto", "harness", "inferred"]).default("auto"),
    /** Only trajectories whose exit status is exactly "submitted" (case-insensitive). */
    enforceSubmit: z.boolean().default(true),
    /** t1: rollout-1 trajectories the self-check accepted; t2: verified rollout-2 ones; mix: both. */
    trajectories: z.enum(["t1", "t2", "mix"]).default("mix"),
    /**
     * T2 needs line recall ≥ this (0 = any non-empty P2). Null keeps the generation run's own verdict.
     */
    verificationThreshold: z.number().min(0).max(1).nullable().default(null),
    /** Tokens per sample (Qwen3, ChatML); longer samples are cut after the last assistant turn that fits. */
    tokenBudget: z.number().int().min(64).default(defaultTokenBudget),
    /**
     * The student's tokenizer folder (or its tokenizer_config.json): its chat template writes the
     * hermes tool instructions and renders the text the budget counts. Null: the bundled Qwen3.
     */
    studentTokenizer: z.string().min(1).nullable().default(null),
    /** Keep samples whose truncation ratio (kept / total messages) is at least this. */
    ratioFloor: z.number().min(0).max(1).default(defaultRatioThreshold),
    /** Then keep at most this many, best ratio first (null: no cap). */
    topN: z.number().int().min(1).nullable().default(null),
    filters: z
      .object({
        /** Patch at most `max` changed lines (the rollout's own patch). */
        patchLines: switchedFilter({ max: z.number().int().min(0).default(defaultMaxChangedLines) }).default({ enabled: false, max: defaultMaxChangedLines }),
        /** Mean tool-output tokens at most `maxMean`; `reference` reproduces SERA's definition. */
        toolOutputTokens: switchedFilter({
          maxMean: z.number().min(0).default(defaultMaxMeanToolOutputTokens),
          measure: z.enum(["toolTurns", "reference"]).default("toolTurns"),
        }).default({ enabled: false, maxMean: defaultMaxMeanToolOutputTokens, measure: "toolTurns" }),
        /** Keep the first of each group of identical (normalised) patches, per phase. */
        dedupePatches: switchedFilter({}).default({ enabled: false }),
      })
      .strict()
      .default({
        patchLines: { enabled: false, max: defaultMaxChangedLines },
        toolOutputTokens: { enabled: false, maxMean: defaultMaxMeanToolOutputTokens, measure: "toolTurns" },
        dedupePatches: { enabled: false },
      }),
    /**
     * A SQL condition over the source's `rollouts` records (instances, patches and verifications
     * are loaded too, for subqueries), e.g. `steps <= 40 AND instance_id IN (SELECT …)`.
     */
    where: z.string().min(1).nullable().default(null),
    subsets: z
      .object({
        /** Nested subset sizes: each smaller one is a prefix of one order of the selection. */
        sizes: z.array(z.number().int().min(1)).default([]),
        /**
         * That order. `truncation-ratio` (default, the paper's scaling sets): the top N by truncation
         * ratio. `random`: one seeded random order, blind to the ratio.
         */
        order: z.enum(SUBSET_ORDERS).default("truncation-ratio"),
        /** Seed of the random order, or of the tie-break among equal ratios; default the run's seed. */
        seed: z.number().int().nullable().default(null),
      })
      .strict()
      .default({ sizes: [], order: "truncation-ratio", seed: null }),
    /**
     * Per-phase quotas with filters of their own, and α mixing of repository-specific and general
     * sources, drawn exactly and seeded after the ratio floor (left out: every sample that fits).
     */
    mix: mixSchema.optional(),
    /** Samples per JSONL / Parquet shard. */
    shardSize: z.number().int().min(1).default(10_000),
    /** Token-counting threads (speed only; default one per core beyond the main thread's). */
    workers: z.number().int().min(1).max(64).default(defaultTokenWorkers),
  })
  .strict();

export type DatasetParams = z.infer<typeof datasetParamsSchema>;

/** What decides the dataset: everything but speed and where a source happens to live. */
export function datasetIdentity(params: DatasetParams): unknown {
  const { workers, from, ...rest } = params;
  return { ...rest, from: from.map((source) => source.runId) };
}

/** SQL text with its '…' strings and "…" identifiers blanked, so a ';' inside a literal is not mistaken for a statement end. */
function withoutQuotedText(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"/g, "''");
}

export function checkDatasetParams(params: DatasetParams, context: { upstreamStages: string[] }): { path: string; problem: string } | null {
  if (params.from.length === 0 && context.upstreamStages.length === 0) {
    return { path: "from", problem: "a dataset needs a source: list a sera-generate stage in needs, or set params.from" };
  }
  if (params.mix?.sources !== undefined) {
    const known = new Set([...context.upstreamStages, ...params.from.map((source) => source.runId)]);
    const unknown = params.mix.sources.specific.find((name) => !known.has(name));
    if (unknown !== undefined) {
      return { path: "mix.sources.specific", problem: `${unknown} is neither a stage in needs nor a run id in params.from` };
    }
  }
  // A quick look at plan time; the full check (one parsed condition, no table functions) runs with DuckDB in the stage.
  if (params.where !== null && withoutQuotedText(params.where).includes(";")) {
    return { path: "where", problem: "a single SQL condition without ';'" };
  }
  return null;
}
