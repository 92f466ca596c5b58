import type { DuckDBConnection } from "@duckdb/node-api";
import {
  datasetDropsTable,
  datasetsTable,
  datasetTables,
  foreignTables,
  foreignTrajectoriesTable,
  ingestsTable,
  loadRecordFile,
  renameColumnIfPresent,
  samplesTable,
  type Migration,
} from "@sera/core";

/**
 * The training package's tables are defined once in @sera/core's data contract
 * (contract/training-records.ts); this module keeps the stage's migrations and its ingest hook.
 * Loading replaces everything a dataset run recorded before, so reloading is idempotent and a
 * rebuilt dataset leaves no stale rows.
 */

export { datasetDropsTable, datasetsTable, datasetTables, foreignTables, foreignTrajectoriesTable, ingestsTable, samplesTable };

export const trainingMigrations: Migration[] = [
  { component: "training", version: 1, name: "datasets and foreign trajectories", sql: [...datasetTables, ...foreignTables].map((table) => table.ddl) },
  {
    component: "training",
    version: 2,
    name: "attempt → rollout_attempt; dataset_drops.stage → filter_step",
    sql: [],
    apply: async (connection) => {
      for (const table of [samplesTable, datasetDropsTable, foreignTrajectoriesTable])
        await renameColumnIfPresent(connection, table.name, "attempt", "rollout_attempt");
      await renameColumnIfPresent(connection, datasetDropsTable.name, "stage", "filter_step");
    },
  },
  {
    component: "training",
    version: 3,
    name: "samples.mix_quota, samples.mix_source",
    sql: ["ALTER TABLE samples ADD COLUMN IF NOT EXISTS mix_quota VARCHAR", "ALTER TABLE samples ADD COLUMN IF NOT EXISTS mix_source VARCHAR"],
  },
];

/** The stage's ingest hook: replace whatever this dataset run recorded before. */
export async function ingestDatasetRecords(connection: DuckDBConnection, runId: string, recordsDir: string): Promise<void> {
  for (const table of datasetTables) {
    await connection.run(`DELETE FROM ${table.name} WHERE run_id = ?`, [runId]);
    await loadRecordFile(connection, recordsDir, table);
  }
}
