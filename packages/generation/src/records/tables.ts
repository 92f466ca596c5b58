import type { DuckDBConnection } from "@duckdb/node-api";
import {
  generationTables,
  instancesTable,
  loadRecordFile,
  modelCallsTable,
  patchesTable,
  renameColumnIfPresent,
  rolloutsTable,
  verificationsTable,
  type ContractTable,
  type Migration,
} from "@sera/core";
import type { z } from "zod";

/**
 * Generation's tables are defined once in @sera/core's data contract (contract/generation-records.ts);
 * this module keeps what is the stage's own: its migrations and its ingest hook.
 */

export { generationTables, instancesTable, modelCallsTable, patchesTable, rolloutsTable, verificationsTable };
export type GenerationTable<Shape extends z.ZodRawShape = z.ZodRawShape> = ContractTable<Shape>;

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
