import { z } from "zod";

/**
 * The spine's tables: zod row schema and DuckDB DDL side by side, one entry per table.
 * Every table has a natural primary key so that ingesting the same run directory twice
 * changes nothing (the DB is a projection of the journal files under the experiment dir).
 */

export interface TableDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  row: S;
  ddl: string;
}

const timestamp = z.string().nullable();

export const experimentsTable = {
  name: "experiments",
  row: z.object({
    name: z.string(),
    file: z.string(),
    config: z.string(),
    config_sha256: z.string(),
    dir: z.string(),
    sera_version: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  }),
  ddl: `CREATE TABLE IF NOT EXISTS experiments (
    name VARCHAR PRIMARY KEY,
    file VARCHAR NOT NULL,
    config JSON NOT NULL,
    config_sha256 VARCHAR NOT NULL,
    dir VARCHAR NOT NULL,
    sera_version VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
  )`,
} satisfies TableDefinition;

export const runStatuses = ["queued", "submitted", "running", "succeeded", "failed", "timeout", "lost", "interrupted", "skipped"] as const;
export type RunStatus = (typeof runStatuses)[number];

export const runsTable = {
  name: "runs",
  row: z.object({
    id: z.string(),
    experiment: z.string(),
    stage: z.string(),
    kind: z.string(),
    params: z.string(),
    seed: z.number().int().nullable(),
    upstream: z.string(),
    status: z.enum(runStatuses),
    attempt: z.number().int(),
    failures: z.number().int(),
    backend: z.string().nullable(),
    job_ref: z.string().nullable(),
    queued_at: timestamp,
    started_at: timestamp,
    finished_at: timestamp,
    wall_seconds: z.number().nullable(),
    exit_code: z.number().int().nullable(),
    error: z.string().nullable(),
    stdout_tail: z.string().nullable(),
    stderr_tail: z.string().nullable(),
    run_dir: z.string(),
  }),
  // Swept parameters are added as p_<name> columns by the ingest (see store/ingest.ts).
  ddl: `CREATE TABLE IF NOT EXISTS runs (
    id VARCHAR PRIMARY KEY,
    experiment VARCHAR NOT NULL,
    stage VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    params JSON NOT NULL,
    seed INTEGER,
    upstream JSON NOT NULL,
    status VARCHAR NOT NULL,
    attempt INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    backend VARCHAR,
    job_ref VARCHAR,
    queued_at TIMESTAMPTZ,
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    wall_seconds DOUBLE,
    exit_code INTEGER,
    error VARCHAR,
    stdout_tail VARCHAR,
    stderr_tail VARCHAR,
    run_dir VARCHAR NOT NULL
  )`,
} satisfies TableDefinition;

export const runEventsTable = {
  name: "run_events",
  row: z.object({
    run_id: z.string(),
    seq: z.number().int(),
    happened_at: z.string(),
    attempt: z.number().int(),
    event: z.string(),
    detail: z.string().nullable(),
  }),
  ddl: `CREATE TABLE IF NOT EXISTS run_events (
    run_id VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    happened_at TIMESTAMPTZ NOT NULL,
    attempt INTEGER NOT NULL,
    event VARCHAR NOT NULL,
    detail JSON,
    PRIMARY KEY (run_id, seq)
  )`,
} satisfies TableDefinition;

export const artifactsTable = {
  name: "artifacts",
  row: z.object({
    run_id: z.string(),
    path: z.string(),
    attempt: z.number().int(),
    sha256: z.string(),
    bytes: z.number().int(),
    kind: z.string(),
  }),
  ddl: `CREATE TABLE IF NOT EXISTS artifacts (
    run_id VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    attempt INTEGER NOT NULL,
    sha256 VARCHAR NOT NULL,
    bytes BIGINT NOT NULL,
    kind VARCHAR NOT NULL,
    PRIMARY KEY (run_id, path)
  )`,
} satisfies TableDefinition;

export const runMetricsTable = {
  name: "run_metrics",
  row: z.object({
    run_id: z.string(),
    attempt: z.number().int(),
    line: z.number().int(),
    name: z.string(),
    value: z.number(),
    step: z.number().nullable(),
    /** `stand-in` when the line said a stand-in produced it (`"provenance": "stand-in"`), `real` when it said real, null when it said nothing. */
    provenance: z.enum(["real", "stand-in"]).nullable(),
  }),
  ddl: `CREATE TABLE IF NOT EXISTS run_metrics (
    run_id VARCHAR NOT NULL,
    attempt INTEGER NOT NULL,
    line INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    value DOUBLE NOT NULL,
    step DOUBLE,
    provenance VARCHAR,
    PRIMARY KEY (run_id, attempt, line, name)
  )`,
} satisfies TableDefinition;

/** One cost line as a run reports it (a JSON line {"cost": {...}} on stdout, or a stage's own records). */
export const costLineSchema = z
  .object({
    kind: z.string().min(1),
    quantity: z.number(),
    unit: z.string().min(1),
    unit_price: z.number().nullable().default(null),
    usd: z.number().nullable().default(null),
    source: z.string().default("run"),
    /**
     * Makes the line a running total rather than a new expense: the ledger keeps one row per run and
     * key, and a later line (or attempt) with the same key replaces it. For stages that re-count
     * durable work on every attempt (generation's teacher tokens), so nothing is booked twice.
     */
    key: z.string().min(1).optional(),
  })
  .strict();
export type CostLine = z.infer<typeof costLineSchema>;

export const costLedgerTable = {
  name: "cost_ledger",
  row: z.object({
    id: z.string(),
    run_id: z.string(),
    experiment: z.string(),
    attempt: z.number().int(),
    kind: z.string(),
    quantity: z.number(),
    unit: z.string(),
    unit_price: z.number().nullable(),
    usd: z.number().nullable(),
    source: z.string(),
  }),
  ddl: `CREATE TABLE IF NOT EXISTS cost_ledger (
    id VARCHAR PRIMARY KEY,
    run_id VARCHAR NOT NULL,
    experiment VARCHAR NOT NULL,
    attempt INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    quantity DOUBLE NOT NULL,
    unit VARCHAR NOT NULL,
    unit_price DOUBLE,
    usd DOUBLE,
    source VARCHAR NOT NULL
  )`,
} satisfies TableDefinition;

export const coreTables = [experimentsTable, runsTable, runEventsTable, artifactsTable, runMetricsTable, costLedgerTable];
