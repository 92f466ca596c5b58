import { z } from "zod";
import { defineTable, provenanceSchema } from "./define-table.js";

/**
 * Generation's tables. The stage writes one JSONL file per table into its output directory, each
 * row parsed with the table's strict shape as it is written (`appendRecordRows`); sera ingest fills
 * `instances`, `rollouts` and `patches` partly for foreign trajectories, through the same shapes.
 * The store loads the files with keyed INSERT OR REPLACE, so re-ingesting a run never duplicates
 * rows. Training reads the same files through these definitions (`readRecordRows`: dataset
 * selection, the `where` predicate, foreign trajectories).
 *
 * `provenance` is `stand-in` when any model answer behind the row came from a server that says it
 * is one of sera's stand-ins, else `real`. Missing in rows of record files written before
 * provenance was recorded (so readers of old files accept it missing); null in an ingested row
 * whose file neither states it nor names its model.
 */

const nullableNumber = z.number().nullable();
const provenance = provenanceSchema;

export const instancesTable = defineTable(
  "instances",
  {
    run_id: z.string(),
    instance_id: z.string(),
    // Null for an ingested instance whose id names no repository.
    repo: z.string().nullable(),
    commit_sha: z.string(),
    file: z.string(),
    function: z.string(),
    function_kind: z.string(),
    language: z.string(),
    start_line: z.number().int(),
    end_line: z.number().int(),
    replica: z.number().int(),
    demonstration_id: z.string().nullable(),
    // `ingested`: a foreign trajectory's instance (sera ingest), which no verification judged.
    status: z.enum(["verified", "unverified", "failed", "ingested"]),
    last_step: z.string(),
    r1_attempts: z.number().int(),
    failure_reason: z.string().nullable(),
    failure_detail: z.string().nullable(),
    recall: nullableNumber,
    // Null for an ingested trajectory that neither states it nor names its model.
    provenance: provenance.nullable(),
  },
  { key: ["run_id", "instance_id"] },
);

export const rolloutsTable = defineTable(
  "rollouts",
  {
    run_id: z.string(),
    instance_id: z.string(),
    // r1/r2: generation's rollouts; foreign: a trajectory sera ingest read.
    phase: z.enum(["r1", "r2", "foreign"]),
    rollout_attempt: z.number().int(),
    exit_status: z.string(),
    steps: z.number().int(),
    input_tokens: z.number().int(),
    cached_input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    wall_seconds: z.number(),
    prompt_index: z.number().int().nullable(),
    self_check: z.boolean().nullable(),
    failure_reason: z.string().nullable(),
    trajectory_path: z.string(),
    // Null for an ingested trajectory that neither states it nor names its model.
    provenance: provenance.nullable(),
  },
  { key: ["run_id", "instance_id", "phase", "rollout_attempt"], types: { input_tokens: "BIGINT", cached_input_tokens: "BIGINT", output_tokens: "BIGINT" } },
);

export const modelCallsTable = defineTable(
  "model_calls",
  {
    // rollout_attempt: which rollout-1 attempt of the instance made the call (its `rollouts` row);
    // http_attempt: 1 for a call's first HTTP request, 2 for the client's first retry of it, …
    // (null in calls logged before the two were kept apart).
    run_id: z.string(),
    instance_id: z.string(),
    seq: z.number().int(),
    phase: z.string(),
    rollout_attempt: z.number().int(),
    endpoint: z.string(),
    model: z.string(),
    http_attempt: z.number().int().nullable(),
    status: z.string(),
    input_tokens: z.number().int(),
    cached_input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    latency_ms: z.number(),
    started_at: z.string(),
    provenance: provenance.nullable(),
  },
  {
    key: ["run_id", "instance_id", "seq"],
    types: { input_tokens: "BIGINT", cached_input_tokens: "BIGINT", output_tokens: "BIGINT", started_at: "TIMESTAMPTZ" },
  },
);

export const patchesTable = defineTable(
  "patches",
  {
    run_id: z.string(),
    instance_id: z.string(),
    // r1/r2, foreign, or prediction (an ingested patch that came without a conversation).
    phase: z.enum(["r1", "r2", "foreign", "prediction"]),
    rollout_attempt: z.number().int(),
    patch: z.string(),
    sha256: z.string(),
    files_changed: z.number().int(),
    lines_added: z.number().int(),
    lines_removed: z.number().int(),
  },
  { key: ["run_id", "instance_id", "phase", "rollout_attempt"] },
);

export const verificationsTable = defineTable(
  "verifications",
  {
    run_id: z.string(),
    instance_id: z.string(),
    recall: nullableNumber,
    matched: z.number().int(),
    target_lines: z.number().int(),
    candidate_lines: z.number().int(),
    precision: nullableNumber,
    f1: nullableNumber,
    threshold: z.number(),
    mode: z.string(),
    verdict: z.string(),
    provenance,
  },
  { key: ["run_id", "instance_id"] },
);

export const generationTables = [instancesTable, rolloutsTable, modelCallsTable, patchesTable, verificationsTable];
