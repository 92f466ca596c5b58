import { z } from "zod";
import { defineTable } from "./define-table.js";

/**
 * The training package's tables. A dataset run writes one JSONL file per table under
 * `<outDir>/records/`; `sera ingest` writes the foreign-trajectory files under its own directory;
 * a training run writes records/checkpoints.jsonl. Dataset loading replaces everything a run
 * recorded before, so reloading is idempotent and a rebuilt dataset leaves no stale rows.
 */

/** One row per training sample: sample → rollout → instance → function, its tokens and subsets. */
export const samplesTable = defineTable(
  "samples",
  {
    run_id: z.string(),
    sample_id: z.string(),
    source_run_id: z.string(),
    instance_id: z.string(),
    phase: z.string(),
    rollout_attempt: z.number().int(),
    // Null for a foreign trajectory that came without its instance's function.
    repo: z.string().nullable(),
    commit_sha: z.string().nullable(),
    file: z.string().nullable(),
    function: z.string().nullable(),
    messages: z.number().int(),
    total_messages: z.number().int(),
    kept_tokens: z.number().int(),
    total_tokens: z.number().int(),
    truncation_ratio: z.number(),
    truncated: z.boolean(),
    patch_lines: z.number().int(),
    bytes: z.number().int(),
    /** Position in the ratio order of the full dataset file (0 = best). */
    ratio_rank: z.number().int(),
    /** Position in the order the nested subsets are prefixes of (truncation ratio or seeded random, per `subsets.order`): in subset N iff subset_rank < N. */
    subset_rank: z.number().int().nullable(),
    subsets: z.array(z.number().int()),
    /** With a dataset `mix`: the quota that drew the sample (t1, t2, all) and, under α mixing, its source group (specific, general). */
    mix_quota: z.enum(["t1", "t2", "all"]).nullable().default(null),
    mix_source: z.enum(["specific", "general"]).nullable().default(null),
  },
  { key: ["run_id", "sample_id"] },
);

/** Every rollout a dataset run considered and did not keep, with the first rule that removed it. */
export const datasetDropsTable = defineTable(
  "dataset_drops",
  {
    run_id: z.string(),
    source_run_id: z.string(),
    instance_id: z.string(),
    phase: z.string(),
    rollout_attempt: z.number().int(),
    /** The build step that dropped it: selection, filter, render, budget, ratio or mix. */
    filter_step: z.string(),
    reason: z.string(),
  },
  { key: ["run_id", "source_run_id", "instance_id", "phase", "rollout_attempt"] },
);

/** One row per dataset run: the headline figures and the whole card as JSON. */
export const datasetsTable = defineTable(
  "datasets",
  {
    run_id: z.string(),
    format: z.string(),
    sources: z.array(z.string()),
    candidates: z.number().int(),
    samples: z.number().int(),
    dropped: z.number().int(),
    truncated: z.number().int(),
    token_budget: z.number().int(),
    ratio_floor: z.number(),
    mean_ratio: z.number().nullable(),
    kept_tokens: z.number().int(),
    subsets: z.array(z.number().int()),
    out_dir: z.string(),
    card: z.record(z.string(), z.unknown()),
  },
  { key: ["run_id"], types: { kept_tokens: "BIGINT" } },
);

/** One row per `sera ingest` source: where it came from and what it held. */
export const ingestsTable = defineTable(
  "ingests",
  {
    id: z.string(),
    path: z.string(),
    dir: z.string(),
    files: z.number().int(),
    trajectories: z.number().int(),
    predictions: z.number().int(),
    formats: z.array(z.string()),
    ingested_at: z.string(),
  },
  { key: ["id"], types: { ingested_at: "TIMESTAMPTZ" } },
);

/**
 * What only a foreign trajectory has: the file (and line) it came from, its format and model, and
 * the counts that prove nothing was lost. Its rollout, patch and instance rows sit in generation's
 * tables under `run_id` = the ingest id.
 */
export const foreignTrajectoriesTable = defineTable(
  "foreign_trajectories",
  {
    run_id: z.string(),
    instance_id: z.string(),
    phase: z.string(),
    rollout_attempt: z.number().int(),
    format: z.string(),
    file: z.string(),
    line: z.number().int().nullable(),
    model: z.string().nullable(),
    messages: z.number().int(),
    assistant_turns: z.number().int(),
    tool_calls: z.number().int(),
    tool_messages: z.number().int(),
    patch_chars: z.number().int(),
  },
  { key: ["run_id", "instance_id", "phase", "rollout_attempt"] },
);

/**
 * One row per checkpoint a training run left — every intermediate `checkpoint-<step>` folder and
 * the post-processed final model — with a content digest, so an evaluation can say exactly which
 * weights it served. `stand_in` marks the CPU stand-in trainer's checkpoints (never servable).
 */
export const checkpointsTable = defineTable(
  "checkpoints",
  {
    run_id: z.string(),
    path: z.string(),
    step: z.number().int(),
    epoch: z.number().nullable(),
    is_final: z.boolean(),
    servable: z.boolean(),
    stand_in: z.boolean(),
    loss: z.number().nullable(),
    files: z.number().int(),
    bytes: z.number().int(),
    sha256: z.string().nullable(),
    recipe: z.string(),
    trainer: z.string(),
    base_model: z.string(),
  },
  { key: ["run_id", "path"], types: { bytes: "BIGINT" } },
);

export const datasetTables = [samplesTable, datasetDropsTable, datasetsTable];
export const foreignTables = [ingestsTable, foreignTrajectoriesTable];
