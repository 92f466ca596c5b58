import type { DuckDBConnection } from "@duckdb/node-api";
import { loadRecordFile, recordTable, type Migration } from "@sera/core";

/**
 * Evaluation's tables, DDL and the typed `read_json` column list side by side. Stages write one
 * JSONL file per table under records/; ingest loads them with keyed INSERT OR REPLACE.
 *
 *  eval_rollouts  the agent's side of an evaluation: per instance, exit status, steps, tokens, patch
 *  evals          graded outcomes per instance: resolved, test counts (SWE-bench) or line recall
 *                 (held-out soft verification), with seed and context length for paired statistics
 *  eval_summaries one row per grading run: the harness's run summary (or counts computed the same way)
 *
 * Every table's `provenance` is `stand-in` when the served model said it is one of sera's stand-ins
 * or the checkpoint carries the CPU stand-in trainer's marker, else `real` (null: graded without an
 * evaluation run to ask, or loaded from records written before provenance was kept).
 */

export const evalRolloutsTable = recordTable(
  "eval_rollouts",
  {
    run_id: "VARCHAR",
    instance_id: "VARCHAR",
    suite: "VARCHAR",
    repo: "VARCHAR",
    seed: "INTEGER",
    context_length: "INTEGER",
    model: "VARCHAR",
    exit_status: "VARCHAR",
    failure: "VARCHAR",
    steps: "INTEGER",
    input_tokens: "BIGINT",
    cached_input_tokens: "BIGINT",
    output_tokens: "BIGINT",
    wall_seconds: "DOUBLE",
    patch: "VARCHAR",
    patch_lines: "INTEGER",
    trajectory_path: "VARCHAR",
    provenance: "VARCHAR",
  },
  ["run_id", "instance_id"],
);

export const evalsTable = recordTable(
  "evals",
  {
    run_id: "VARCHAR",
    suite: "VARCHAR",
    instance_id: "VARCHAR",
    eval_run_id: "VARCHAR",
    repo: "VARCHAR",
    seed: "INTEGER",
    context_length: "INTEGER",
    model: "VARCHAR",
    harness_run_id: "VARCHAR",
    status: "VARCHAR",
    resolved: "BOOLEAN",
    patch_exists: "BOOLEAN",
    patch_applied: "BOOLEAN",
    f2p_success: "INTEGER",
    f2p_failure: "INTEGER",
    p2p_success: "INTEGER",
    p2p_failure: "INTEGER",
    f2f_success: "INTEGER",
    f2f_failure: "INTEGER",
    p2f_success: "INTEGER",
    p2f_failure: "INTEGER",
    recall: "DOUBLE",
    precision: "DOUBLE",
    f1: "DOUBLE",
    threshold: "DOUBLE",
    report_path: "VARCHAR",
    provenance: "VARCHAR",
  },
  ["run_id", "suite", "instance_id"],
);

export const evalSummariesTable = recordTable(
  "eval_summaries",
  {
    run_id: "VARCHAR",
    suite: "VARCHAR",
    eval_run_id: "VARCHAR",
    harness_run_id: "VARCHAR",
    model: "VARCHAR",
    seed: "INTEGER",
    context_length: "INTEGER",
    total_instances: "INTEGER",
    submitted_instances: "INTEGER",
    completed_instances: "INTEGER",
    resolved_instances: "INTEGER",
    unresolved_instances: "INTEGER",
    empty_patch_instances: "INTEGER",
    error_instances: "INTEGER",
    resolve_rate: "DOUBLE",
    source: "VARCHAR",
    provenance: "VARCHAR",
  },
  ["run_id", "suite"],
);

export const evaluationTables = [evalRolloutsTable, evalsTable, evalSummariesTable];

export const evaluationMigrations: Migration[] = [
  { component: "evaluation", version: 1, name: "evaluation records", sql: evaluationTables.map((t) => t.ddl) },
  // Stores made before provenance was kept: their rows' provenance is unknown (null).
  {
    component: "evaluation",
    version: 2,
    name: "provenance columns",
    sql: evaluationTables.map((t) => `ALTER TABLE ${t.name} ADD COLUMN IF NOT EXISTS provenance VARCHAR`),
  },
];

export async function ingestEvaluationRecords(connection: DuckDBConnection, recordsDir: string): Promise<void> {
  for (const t of evaluationTables) await loadRecordFile(connection, recordsDir, t);
}
