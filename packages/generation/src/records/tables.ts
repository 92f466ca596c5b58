import type { DuckDBConnection } from "@duckdb/node-api";
import { loadRecordFile, recordTable, renameColumnIfPresent, type Migration, type RecordTable } from "@sera/core";
import { z } from "zod";

/**
 * Generation's tables: zod row schema and DuckDB DDL side by side. The stage writes one JSONL
 * file per table into its output directory; ingest loads them with keyed INSERT OR REPLACE, so
 * re-ingesting a run never duplicates rows.
 */

export interface GenerationTable<Row extends z.ZodRawShape = z.ZodRawShape> extends RecordTable {
  /** What a record must hold; strict, so a misspelt or missing column fails when it is written. */
  row: z.ZodObject<Row>;
}

function table<Row extends z.ZodRawShape>(name: string, row: z.ZodObject<Row>, columns: Record<string, string>, key: string[]): GenerationTable<Row> {
  return { ...recordTable(name, columns, key), row: row.strict() as unknown as z.ZodObject<Row> };
}

const nullableNumber = z.number().nullable();

/**
 * `stand-in` when any model answer behind the row came from a server that says it is one of
 * sera's stand-ins (model/provenance.ts), else `real`. Null only in rows loaded from record files
 * written before provenance was recorded.
 */
const provenance = z.enum(["real", "stand-in"]);

export const instancesTable = table(
  "instances",
  z.object({
    run_id: z.string(),
    instance_id: z.string(),
    repo: z.string(),
    commit_sha: z.string(),
    file: z.string(),
    function: z.string(),
    function_kind: z.string(),
    language: z.string(),
    start_line: z.number().int(),
    end_line: z.number().int(),
    replica: z.number().int(),
    demonstration_id: z.string().nullable(),
    status: z.enum(["verified", "unverified", "failed"]),
    last_step: z.string(),
    r1_attempts: z.number().int(),
    failure_reason: z.string().nullable(),
    failure_detail: z.string().nullable(),
    recall: nullableNumber,
    provenance,
  }),
  {
    run_id: "VARCHAR",
    instance_id: "VARCHAR",
    repo: "VARCHAR",
    commit_sha: "VARCHAR",
    file: "VARCHAR",
    function: "VARCHAR",
    function_kind: "VARCHAR",
    language: "VARCHAR",
    start_line: "INTEGER",
    end_line: "INTEGER",
    replica: "INTEGER",
    demonstration_id: "VARCHAR",
    status: "VARCHAR",
    last_step: "VARCHAR",
    r1_attempts: "INTEGER",
    failure_reason: "VARCHAR",
    failure_detail: "VARCHAR",
    recall: "DOUBLE",
    provenance: "VARCHAR",
  },
  ["run_id", "instance_id"],
);

export const rolloutsTable = table(
  "rollouts",
  z.object({
    run_id: z.string(),
    instance_id: z.string(),
    phase: z.enum(["r1", "r2"]),
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
    provenance,
  }),
  {
    run_id: "VARCHAR",
    instance_id: "VARCHAR",
    phase: "VARCHAR",
    rollout_attempt: "INTEGER",
    exit_status: "VARCHAR",
    steps: "INTEGER",
    input_tokens: "BIGINT",
    cached_input_tokens: "BIGINT",
    output_tokens: "BIGINT",
    wall_seconds: "DOUBLE",
    prompt_index: "INTEGER",
    self_check: "BOOLEAN",
    failure_reason: "VARCHAR",
    trajectory_path: "VARCHAR",
    provenance: "VARCHAR",
  },
  ["run_id", "instance_id", "phase", "rollout_attempt"],
);

export const modelCallsTable = table(
  "model_calls",
  z.object({
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
  }),
  {
    run_id: "VARCHAR",
    instance_id: "VARCHAR",
    seq: "INTEGER",
    phase: "VARCHAR",
    rollout_attempt: "INTEGER",
    endpoint: "VARCHAR",
    model: "VARCHAR",
    http_attempt: "INTEGER",
    status: "VARCHAR",
    input_tokens: "BIGINT",
    cached_input_tokens: "BIGINT",
    output_tokens: "BIGINT",
    latency_ms: "DOUBLE",
    started_at: "TIMESTAMPTZ",
    provenance: "VARCHAR",
  },
  ["run_id", "instance_id", "seq"],
);

export const patchesTable = table(
  "patches",
  z.object({
    run_id: z.string(),
    instance_id: z.string(),
    phase: z.string(),
    rollout_attempt: z.number().int(),
    patch: z.string(),
    sha256: z.string(),
    files_changed: z.number().int(),
    lines_added: z.number().int(),
    lines_removed: z.number().int(),
  }),
  {
    run_id: "VARCHAR",
    instance_id: "VARCHAR",
    phase: "VARCHAR",
    rollout_attempt: "INTEGER",
    patch: "VARCHAR",
    sha256: "VARCHAR",
    files_changed: "INTEGER",
    lines_added: "INTEGER",
    lines_removed: "INTEGER",
  },
  ["run_id", "instance_id", "phase", "rollout_attempt"],
);

export const verificationsTable = table(
  "verifications",
  z.object({
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
  }),
  {
    run_id: "VARCHAR",
    instance_id: "VARCHAR",
    recall: "DOUBLE",
    matched: "INTEGER",
    target_lines: "INTEGER",
    candidate_lines: "INTEGER",
    precision: "DOUBLE",
    f1: "DOUBLE",
    threshold: "DOUBLE",
    mode: "VARCHAR",
    verdict: "VARCHAR",
    provenance: "VARCHAR",
  },
  ["run_id", "instance_id"],
);

export const generationTables = [instancesTable, rolloutsTable, modelCallsTable, patchesTable, verificationsTable];

export const generationMigrations: Migration[] = [
  { component: "generation", version: 1, name: "generation records", sql: generationTables.map((t) => t.ddl) },
  {
    component: "generation",
    version: 2,
    name: "model_calls.rollout_attempt; provenance columns",
    // Stores made before: their model_calls.attempt held the rollout attempt; their provenance is unknown (null).
    sql: [instancesTable, rolloutsTable, modelCallsTable, verificationsTable].map((t) => `ALTER TABLE ${t.name} ADD COLUMN IF NOT EXISTS provenance VARCHAR`),
    apply: (connection) => renameColumnIfPresent(connection, modelCallsTable.name, "attempt", "rollout_attempt"),
  },
  {
    component: "generation",
    version: 3,
    name: "rollouts and patches: attempt → rollout_attempt",
    sql: [],
    apply: async (connection) => {
      for (const t of [rolloutsTable, patchesTable]) await renameColumnIfPresent(connection, t.name, "attempt", "rollout_attempt");
    },
  },
];

/** Load the stage's JSONL record files; keyed INSERT OR REPLACE makes it idempotent. */
export async function ingestGenerationRecords(connection: DuckDBConnection, recordsDir: string): Promise<void> {
  for (const t of generationTables) await loadRecordFile(connection, recordsDir, t);
}
