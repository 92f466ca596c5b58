import type { DuckDBConnection } from "@duckdb/node-api";
import { coreTables } from "../contract/run-records.js";

/**
 * Versioned schema migrations, numbered per component so that later packages (generation,
 * training, evaluation) add their own tables without renumbering the core's.
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

const registered: Migration[] = [
  {
    component: "core",
    version: 1,
    name: "spine tables",
    sql: coreTables.map((table) => table.ddl),
  },
  // Stores made before: their metrics' provenance is unknown (null).
  { component: "core", version: 2, name: "run_metrics.provenance", sql: ["ALTER TABLE run_metrics ADD COLUMN IF NOT EXISTS provenance VARCHAR"] },
  // Stores made before: their cost lines' provenance is unknown (null).
  { component: "core", version: 3, name: "cost_ledger.provenance", sql: ["ALTER TABLE cost_ledger ADD COLUMN IF NOT EXISTS provenance VARCHAR"] },
];

export function registerMigrations(migrations: Migration[]): void {
  for (const migration of migrations) {
    if (!registered.some((m) => m.component === migration.component && m.version === migration.version)) registered.push(migration);
  }
}

export async function migrate(connection: DuckDBConnection): Promise<number> {
  await connection.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
    component VARCHAR NOT NULL, version INTEGER NOT NULL, name VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (component, version))`);
  const applied = await connection.runAndReadAll("SELECT component, version FROM schema_migrations");
  const done = new Set(applied.getRowObjectsJson().map((row) => `${row.component}@${row.version}`));
  const pending = registered
    .filter((m) => !done.has(`${m.component}@${m.version}`))
    .sort((a, b) => (a.component === b.component ? a.version - b.version : a.component < b.component ? -1 : 1));
  for (const migration of pending) {
    await connection.run("BEGIN TRANSACTION");
    try {
      for (const statement of migration.sql) await connection.run(statement);
      await migration.apply?.(connection);
      await connection.run("INSERT INTO schema_migrations (component, version, name) VALUES (?, ?, ?)", [
        migration.component,
        migration.version,
        migration.name,
      ]);
      await connection.run("COMMIT");
    } catch (error) {
      await connection.run("ROLLBACK");
      throw error;
    }
  }
  return pending.length;
}
