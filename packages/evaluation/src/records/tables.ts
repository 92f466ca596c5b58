import type { DuckDBConnection } from "@duckdb/node-api";
import { evalRolloutsTable, evalsTable, evalSummariesTable, evaluationTables, loadRecordFile } from "@sera/core";

/**
 * Evaluation's tables (eval_rollouts, evals, eval_summaries) are defined once in @sera/core's data
 * contract (contract/evaluation-records.ts); with their migrations; this module keeps the stage's ingest hook.
 */

export { evalRolloutsTable, evalsTable, evalSummariesTable, evaluationTables };

export async function ingestEvaluationRecords(connection: DuckDBConnection, recordsDir: string): Promise<void> {
  for (const t of evaluationTables) await loadRecordFile(connection, recordsDir, t);
}
