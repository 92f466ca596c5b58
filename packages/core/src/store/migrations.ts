import type { DuckDBConnection } from "@duckdb/node-api";
import { contractMigrations } from "./contract-migrations.js";
import type { Migration } from "./migration.js";

export { renameColumnIfPresent, type Migration } from "./migration.js";

/** Applying versioned schema steps (see migration.ts) to a store, each in its own transaction. */

/** The contract's steps, and any a plugin registers. */
const registered: Migration[] = [...contractMigrations];

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
