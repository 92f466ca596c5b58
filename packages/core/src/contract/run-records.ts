import { z } from "zod";
import { defineTable, provenanceSchema } from "./define-table.js";

/**
 * The spine's tables, written by the store itself from the experiment directory's journal files.
 * Every table has a natural primary key so that ingesting the same run directory twice changes
 * nothing (the DB is a projection of the journal files under the experiment dir). Swept parameters
 * are added to `runs` as p_<name> columns by the ingest (store/ingest.ts).
 */

const timestamp = "TIMESTAMPTZ";

export const experimentsTable = defineTable(
  "experiments",
  {
    name: z.string(),
    file: z.string(),
    config: z.string(),
    config_sha256: z.string(),
    dir: z.string(),
    sera_version: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  },
  { key: ["name"], types: { config: "JSON", created_at: timestamp, updated_at: timestamp }, notNull: true },
);

export const runStatuses = ["queued", "submitted", "running", "succeeded", "failed", "timeout", "lost", "interrupted", "skipped"] as const;
export type RunStatus = (typeof runStatuses)[number];

export const runsTable = defineTable(
  "runs",
  {
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
    queued_at: z.string().nullable(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    wall_seconds: z.number().nullable(),
    exit_code: z.number().int().nullable(),
    error: z.string().nullable(),
    stdout_tail: z.string().nullable(),
    stderr_tail: z.string().nullable(),
    run_dir: z.string(),
  },
  { key: ["id"], types: { params: "JSON", upstream: "JSON", queued_at: timestamp, started_at: timestamp, finished_at: timestamp }, notNull: true },
);

export const runEventsTable = defineTable(
  "run_events",
  {
    run_id: z.string(),
    seq: z.number().int(),
    happened_at: z.string(),
    attempt: z.number().int(),
    event: z.string(),
    detail: z.string().nullable(),
  },
  { key: ["run_id", "seq"], types: { happened_at: timestamp, detail: "JSON" }, notNull: true },
);

export const artifactsTable = defineTable(
  "artifacts",
  {
    run_id: z.string(),
    path: z.string(),
    attempt: z.number().int(),
    sha256: z.string(),
    bytes: z.number().int(),
    kind: z.string(),
  },
  { key: ["run_id", "path"], types: { bytes: "BIGINT" }, notNull: true },
);

export const runMetricsTable = defineTable(
  "run_metrics",
  {
    run_id: z.string(),
    attempt: z.number().int(),
    line: z.number().int(),
    name: z.string(),
    value: z.number(),
    step: z.number().nullable(),
    /** `stand-in` when the line said a stand-in produced it (`"provenance": "stand-in"`), `real` when it said real, null when it said nothing. */
    provenance: provenanceSchema.nullable(),
  },
  { key: ["run_id", "attempt", "line", "name"], notNull: true },
);

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

export const costLedgerTable = defineTable(
  "cost_ledger",
  {
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
    /**
     * The run's provenance: `stand-in` when any of its metrics lines said a stand-in produced them,
     * `real` when they said real, null when none said (and in rows from before the column existed).
     */
    provenance: provenanceSchema.nullable(),
  },
  { key: ["id"], notNull: true },
);

export const coreTables = [experimentsTable, runsTable, runEventsTable, artifactsTable, runMetricsTable, costLedgerTable];
