import { mkdirSync } from "node:fs";
import path from "node:path";
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { migrate } from "./migrations.js";

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
}

export async function openStore(file: string, options: OpenOptions = {}): Promise<Store> {
  const { readOnly = false, waitMs = 30_000 } = options;
  const absolute = path.resolve(file);
  if (!readOnly) mkdirSync(path.dirname(absolute), { recursive: true });
  const started = Date.now();
  let delay = 20;
  for (;;) {
    try {
      const instance = await DuckDBInstance.create(absolute, readOnly ? { access_mode: "READ_ONLY" } : {});
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

/** Open, run `work`, close — the only way the spine touches the file, so locks stay short. */
export async function withStore<T>(file: string, options: OpenOptions, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(file, options);
  try {
    return await work(store);
  } finally {
    store.close();
  }
}
