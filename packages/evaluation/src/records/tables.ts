import type { DuckDBConnection } from "@duckdb/node-api";
import { evalRolloutsTable, evalsTable, evalSummariesTable, evaluationTables, loadRecordFile, type Migration } from "@sera/core";

/**
 * Evaluation's tables (eval_rollouts, evals, eval_summaries) are defined once in @sera/core's data
 * contract (contract/evaluation-records.ts); this module keeps the stage's migrations and ingest hook.
 */

export { evalRolloutsTable, evalsTable, evalSummariesTable, evaluationTables };

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
