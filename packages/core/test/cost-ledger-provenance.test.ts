import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { attemptFiles, runPaths } from "../src/executor/journal.js";
import { ingestRuns, openStore, withStore, type PlannedRun } from "../src/index.js";

/**
 * Every cost_ledger row carries its run's provenance, so spend on stand-in output is never summed
 * with real spend unmarked: a run whose metrics lines say a stand-in made them books all of its
 * lines (its own and the backend's accounting) as stand-in; a run that says nothing books null.
 * Stores made before the column existed gain it, with null for their rows.
 */

const temp = () => mkdtempSync(path.join(os.tmpdir(), "sera-ledger-provenance-"));

function plannedRun(id: string): PlannedRun {
  return { id, experiment: "ledger", stage: "work", kind: "command", params: {}, seed: null, upstream: {}, sweep: {} };
}

function writeSucceededRun(dir: string, id: string, provenance: "real" | "stand-in" | undefined): { plan: PlannedRun; paths: ReturnType<typeof runPaths> } {
  const plan = plannedRun(id);
  const paths = runPaths(dir, id);
  for (const attempt of [1, 2]) mkdirSync(paths.attemptDir(attempt), { recursive: true });
  const at = new Date().toISOString();
  const events = [
    { at, attempt: 0, event: "queued" },
    { at, attempt: 1, event: "submitted" },
    { at, attempt: 1, event: "failed" },
    { at, attempt: 2, event: "submitted" },
    { at, attempt: 2, event: "succeeded" },
  ];
  writeFileSync(paths.eventsFile, events.map((event) => JSON.stringify(event) + "\n").join(""));
  // The backend's accounting of the first attempt, before any metrics line of the run said anything.
  const cpuHours = { kind: "cpu_hours", quantity: 0.5, unit: "cpu-hour", unit_price: 0.1, usd: null, source: "slurm" };
  writeFileSync(path.join(paths.attemptDir(1), attemptFiles.accounting), JSON.stringify(cpuHours) + "\n");
  const tokens = { kind: "teacher_output_tokens", quantity: 100, unit: "tokens", unit_price: null, usd: null, source: "run" };
  writeFileSync(path.join(paths.attemptDir(1), attemptFiles.metrics), JSON.stringify({ line: 1, step: null, values: {}, cost: [tokens] }) + "\n");
  const marked = provenance === undefined ? {} : { provenance };
  writeFileSync(
    path.join(paths.attemptDir(2), attemptFiles.metrics),
    JSON.stringify({ line: 1, step: null, values: { verified: 3 }, cost: [], ...marked }) + "\n",
  );
  return { plan, paths };
}

describe("cost_ledger.provenance", () => {
  it("books every cost line of a run with the provenance its metrics lines state, null when they state none", async () => {
    const dir = temp();
    const runs = [
      writeSucceededRun(dir, "stand-in-run", "stand-in"),
      writeSucceededRun(dir, "real-run", "real"),
      writeSucceededRun(dir, "silent-run", undefined),
    ];
    const store = path.join(dir, "store.duckdb");
    await withStore(store, {}, (s) => ingestRuns(s.connection, runs, "local"));
    const rows = await withStore(store, { readOnly: true }, async (s) =>
      (await s.connection.runAndReadAll("SELECT run_id, kind, provenance FROM cost_ledger ORDER BY run_id, kind")).getRowObjectsJson(),
    );
    expect(rows).toEqual([
      { run_id: "real-run", kind: "cpu_hours", provenance: "real" },
      { run_id: "real-run", kind: "teacher_output_tokens", provenance: "real" },
      { run_id: "silent-run", kind: "cpu_hours", provenance: null },
      { run_id: "silent-run", kind: "teacher_output_tokens", provenance: null },
      { run_id: "stand-in-run", kind: "cpu_hours", provenance: "stand-in" },
      { run_id: "stand-in-run", kind: "teacher_output_tokens", provenance: "stand-in" },
    ]);
  });

  it("migrates a store made before the column: the column is added and old rows read null", async () => {
    const file = path.join(temp(), "old.duckdb");
    const instance = await DuckDBInstance.create(file);
    const connection = await instance.connect();
    for (const statement of [
      `CREATE TABLE schema_migrations (component VARCHAR NOT NULL, version INTEGER NOT NULL, name VARCHAR NOT NULL,
         applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (component, version))`,
      `CREATE TABLE cost_ledger (id VARCHAR PRIMARY KEY, run_id VARCHAR NOT NULL, experiment VARCHAR NOT NULL, attempt INTEGER NOT NULL,
         kind VARCHAR NOT NULL, quantity DOUBLE NOT NULL, unit VARCHAR NOT NULL, unit_price DOUBLE, usd DOUBLE, source VARCHAR NOT NULL)`,
      `INSERT INTO schema_migrations (component, version, name) VALUES ('core', 1, 'spine tables'), ('core', 2, 'run_metrics.provenance')`,
      `INSERT INTO cost_ledger VALUES ('r:1:accounting:cpu_hours', 'r', 'e', 1, 'cpu_hours', 2, 'cpu-hour', 0.5, 1, 'slurm')`,
    ])
      await connection.run(statement);
    connection.closeSync();
    instance.closeSync();

    const store = await openStore(file, { migrate: true });
    try {
      const read = async (sql: string) => (await store.connection.runAndReadAll(sql)).getRowObjectsJson();
      expect(await read("SELECT id, usd, provenance FROM cost_ledger")).toEqual([{ id: "r:1:accounting:cpu_hours", usd: 1, provenance: null }]);
      expect(await read("SELECT version FROM schema_migrations WHERE component = 'core' ORDER BY version")).toEqual([
        { version: 1 },
        { version: 2 },
        { version: 3 },
      ]);
    } finally {
      store.close();
    }
  });
});
