import type { DuckDBConnection } from "@duckdb/node-api";
import { coreTables } from "./tables.js";

/**
 * Versioned schema migrations, numbered per component so that later packages (generation,
 * training, evaluation) add their own tables without renumbering the core's.
 */

export interface Migration {
  component: string;
  version: number;
  name: string;
  sql: string[];
}

const registered: Migration[] = [
  {
    component: "core",
    version: 1,
    name: "spine tables",
    sql: coreTables.map((table) => table.ddl),
  },
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
