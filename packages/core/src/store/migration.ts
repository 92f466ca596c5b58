import type { DuckDBConnection } from "@duckdb/node-api";

/**
 * One schema step. Steps are numbered per component, so that each part of the data contract
 * (spine, generation, training, evaluation) adds its own tables without renumbering another's.
 */
export interface Migration {
  component: string;
  version: number;
  name: string;
  sql: string[];
  /**
   * Steps that depend on what the store already holds, run after `sql` in the same transaction.
   * A store created after a table changed gets the new shape from version 1 (which is derived from
   * the current definitions), so a later version must be a no-op there: see `renameColumnIfPresent`.
   */
  apply?: (connection: DuckDBConnection) => Promise<void>;
}

/** `ALTER TABLE … RENAME COLUMN` for stores made before the rename; nothing where `to` already exists. */
export async function renameColumnIfPresent(connection: DuckDBConnection, table: string, from: string, to: string): Promise<void> {
  const reader = await connection.runAndReadAll("SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main'", [table]);
  const names = new Set(reader.getRowObjectsJson().map((row) => String(row.column_name)));
  if (names.has(from) && !names.has(to)) await connection.run(`ALTER TABLE ${table} RENAME COLUMN "${from}" TO "${to}"`);
}
