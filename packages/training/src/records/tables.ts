import type { DuckDBConnection } from "@duckdb/node-api";
import {
  datasetDropsTable,
  datasetsTable,
  datasetTables,
  foreignTables,
  foreignTrajectoriesTable,
  ingestsTable,
  loadRecordFile,
  samplesTable,
} from "@sera/core";

/**
 * The training package's tables are defined once in @sera/core's data contract
 * (contract/training-records.ts); with their migrations; this module keeps the stage's ingest hook.
 * Loading replaces everything a dataset run recorded before, so reloading is idempotent and a
 * rebuilt dataset leaves no stale rows.
 */

export { datasetDropsTable, datasetsTable, datasetTables, foreignTables, foreignTrajectoriesTable, ingestsTable, samplesTable };

/** The stage's ingest hook: replace whatever this dataset run recorded before. */
export async function ingestDatasetRecords(connection: DuckDBConnection, runId: string, recordsDir: string): Promise<void> {
  for (const table of datasetTables) {
    await connection.run(`DELETE FROM ${table.name} WHERE run_id = ?`, [runId]);
    await loadRecordFile(connection, recordsDir, table);
  }
}
