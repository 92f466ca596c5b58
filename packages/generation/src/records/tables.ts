import type { DuckDBConnection } from "@duckdb/node-api";
import {
  generationTables,
  instancesTable,
  loadRecordFile,
  modelCallsTable,
  patchesTable,
  rolloutsTable,
  verificationsTable,
  type ContractTable,
} from "@sera/core";
import type { z } from "zod";

/**
 * Generation's tables are defined once in @sera/core's data contract (contract/generation-records.ts);
 * with their migrations (store/contract-migrations.ts); this module keeps the stage's ingest hook.
 */

export { generationTables, instancesTable, modelCallsTable, patchesTable, rolloutsTable, verificationsTable };
export type GenerationTable<Shape extends z.ZodRawShape = z.ZodRawShape> = ContractTable<Shape>;

/** Load the stage's JSONL record files; keyed INSERT OR REPLACE makes it idempotent. */
export async function ingestGenerationRecords(connection: DuckDBConnection, recordsDir: string): Promise<void> {
  for (const t of generationTables) await loadRecordFile(connection, recordsDir, t);
}
