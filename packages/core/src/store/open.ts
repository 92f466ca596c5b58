import { mkdirSync } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import type * as DuckDB from "@duckdb/node-api";
import { migrate } from "./migrations.js";

// @duckdb/node-api is CommonJS. Imported from ESM, Node first runs its export lexer over every file
// the package re-exports (about 0.15 CPU-s); `require` skips that, and every sera process opening a
// store pays it, a `sera run` of one trivial command included.
const { DuckDBConnection, DuckDBInstance } = createRequire(import.meta.url)("@duckdb/node-api") as typeof DuckDB;
type DuckDBConnection = DuckDB.DuckDBConnection;

/**
 * DuckDB allows one process to open a file for writing and then nobody else, not even a reader.
 * So nothing holds the store open for long: the coordinator opens it for each short ingest, and
 * `sera status` / `sera query` open it briefly too. Whoever finds it locked waits and tries again.
 */

export class StoreBusyError extends Error {
  constructor(file: string, waitedMs: number) {
    super(`${file}: the store stayed locked by another process for ${Math.round(waitedMs / 1000)} s; try again`);
    this.name = "StoreBusyError";
  }
}

export interface Store {
  file: string;
  connection: DuckDBConnection;
  close(): void;
}

function isLockError(error: unknown): boolean {
  return error instanceof Error && /lock|Conflicting lock|being used by another/i.test(error.message);
}

export interface OpenOptions {
  readOnly?: boolean;
  /** How long to keep retrying while another process holds the file. */
  waitMs?: number;
  /** Apply pending migrations (writers only). */
  migrate?: boolean;
  /**
   * For connections that run user-written SQL (`sera query`): no file or network access beyond the
   * store itself, no extensions installed or loaded, and settings frozen so a query cannot undo this.
   * The report keeps an ordinary READ_ONLY connection because its own `COPY … TO` writes Parquet.
   */
  locked?: boolean;
}

/** DuckDB settings that close everything but the opened database file to user-written SQL. */
export const LOCKED_SETTINGS: Readonly<Record<string, string>> = {
  enable_external_access: "false",
  autoinstall_known_extensions: "false",
  autoload_known_extensions: "false",
  allow_community_extensions: "false",
  lock_configuration: "true",
};

export async function openStore(file: string, options: OpenOptions = {}): Promise<Store> {
  const { readOnly = false, waitMs = 30_000 } = options;
  const absolute = path.resolve(file);
  if (!readOnly) mkdirSync(path.dirname(absolute), { recursive: true });
  const started = Date.now();
  let delay = 20;
  for (;;) {
    try {
      const settings: Record<string, string> = { ...(readOnly ? { access_mode: "READ_ONLY" } : {}), ...(options.locked ? LOCKED_SETTINGS : {}) };
      const instance = await DuckDBInstance.create(absolute, settings);
      const connection = await DuckDBConnection.create(instance);
      const store: Store = {
        file: absolute,
        connection,
        close() {
          connection.closeSync();
          instance.closeSync();
        },
      };
      if (!readOnly && options.migrate !== false) {
        try {
          await migrate(connection);
        } catch (error) {
          store.close();
          throw error;
        }
      }
      return store;
    } catch (error) {
      if (!isLockError(error)) throw error;
      const waited = Date.now() - started;
      if (waited >= waitMs) throw new StoreBusyError(file, waited);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 250);
    }
  }
}

/**
 * Closes an already open connection the same way, for databases that must first load their own
 * files (the dataset `where` filter's in-memory copy of the record files). Order matters: the lock
 * comes last, and after it nothing can be switched back on.
 */
export async function lockConnection(connection: DuckDBConnection): Promise<void> {
  for (const [name, value] of Object.entries(LOCKED_SETTINGS)) await connection.run(`SET ${name} = ${value}`);
}

/** Open, run `work`, close — the only way the spine touches the file, so locks stay short. */
export async function withStore<T>(file: string, options: OpenOptions, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(file, options);
  try {
    return await work(store);
  } finally {
    store.close();
  }
}
