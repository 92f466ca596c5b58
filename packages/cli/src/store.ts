import { existsSync } from "node:fs";
import path from "node:path";
import { loadExperiment, withStore, type Store } from "@sera/core";
import { UsageError } from "./errors.js";
import { exactJsonRows } from "./json-rows.js";

/** Which DuckDB file a command reads: --store, else the experiment's, else $SERA_STORE, else .sera/sera.duckdb. */
export function resolveStore(args: { store?: string; experiment?: string; set?: string[] }): { file: string; experiment?: string } {
  if (args.store)
    return { file: path.resolve(args.store), experiment: args.experiment ? loadExperiment(args.experiment, { overrides: args.set }).config.name : undefined };
  if (args.experiment) {
    const loaded = loadExperiment(args.experiment, { overrides: args.set });
    return { file: path.resolve(loaded.config.store), experiment: loaded.config.name };
  }
  return { file: path.resolve(process.env.SERA_STORE ?? ".sera/sera.duckdb") };
}

/**
 * Read-only access that waits briefly while a coordinator is ingesting. `locked` is for SQL the
 * user wrote: no files, extensions or settings beyond the store itself (see openStore).
 */
export async function readStore<T>(file: string, work: (store: Store) => Promise<T>, options: { locked?: boolean } = {}): Promise<T> {
  if (!existsSync(file)) throw new UsageError(`${file}: no store here yet; run an experiment first (sera run <experiment.yaml>) or pass --store`);
  return withStore(file, { readOnly: true, waitMs: 30_000, locked: options.locked === true }, work);
}

export async function queryRows(store: Store, sql: string, values: (string | number)[] = []): Promise<Record<string, unknown>[]> {
  const reader = await store.connection.runAndReadAll(sql, values);
  return exactJsonRows(reader);
}
