import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { openStore } from "@sera/core";
import { afterAll, describe, expect, it } from "vitest";
import "../src/stage.js";

/**
 * A store written before model_calls kept the rollout attempt and the HTTP try apart, and before
 * rows said whether a stand-in made them, opens with its rows intact: the column that held the
 * rollout attempt is renamed, and the new provenance columns are null (unknown) for old rows.
 */

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "sera-store-migration-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

// The tables as the first versions of core and generation created them (only those touched here).
const before = [
  `CREATE TABLE schema_migrations (component VARCHAR NOT NULL, version INTEGER NOT NULL, name VARCHAR NOT NULL,
     applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (component, version))`,
  `CREATE TABLE run_metrics (run_id VARCHAR NOT NULL, attempt INTEGER NOT NULL, line INTEGER NOT NULL, name VARCHAR NOT NULL,
     value DOUBLE NOT NULL, step DOUBLE, PRIMARY KEY (run_id, attempt, line, name))`,
  `CREATE TABLE cost_ledger (id VARCHAR PRIMARY KEY, run_id VARCHAR NOT NULL, experiment VARCHAR NOT NULL, attempt INTEGER NOT NULL,
     kind VARCHAR NOT NULL, quantity DOUBLE NOT NULL, unit VARCHAR NOT NULL, unit_price DOUBLE, usd DOUBLE, source VARCHAR NOT NULL)`,
  `CREATE TABLE model_calls ("run_id" VARCHAR, "instance_id" VARCHAR, "seq" INTEGER, "phase" VARCHAR, "attempt" INTEGER, "endpoint" VARCHAR,
     "model" VARCHAR, "http_attempt" INTEGER, "status" VARCHAR, "input_tokens" BIGINT, "cached_input_tokens" BIGINT, "output_tokens" BIGINT,
     "latency_ms" DOUBLE, "started_at" TIMESTAMPTZ, PRIMARY KEY (run_id, instance_id, seq))`,
  `CREATE TABLE instances ("run_id" VARCHAR, "instance_id" VARCHAR, "status" VARCHAR, PRIMARY KEY (run_id, instance_id))`,
  `CREATE TABLE rollouts ("run_id" VARCHAR, "instance_id" VARCHAR, "phase" VARCHAR, "attempt" INTEGER, PRIMARY KEY (run_id, instance_id, phase, attempt))`,
  `CREATE TABLE verifications ("run_id" VARCHAR, "instance_id" VARCHAR, "verdict" VARCHAR, PRIMARY KEY (run_id, instance_id))`,
  `INSERT INTO schema_migrations (component, version, name) VALUES ('core', 1, 'spine tables'), ('generation', 1, 'generation records')`,
  `INSERT INTO run_metrics VALUES ('r', 1, 1, 'verified', 3, NULL)`,
  `INSERT INTO cost_ledger VALUES ('r:1:accounting:cpu', 'r', 'e', 1, 'cpu', 2, 'cpu-hour', 0.5, 1, 'slurm')`,
  `INSERT INTO model_calls VALUES ('r', 'i', 0, 'r1', 2, 'http://x/v1/chat/completions', 'm', 2, 'ok', 10, 0, 5, 12.5, '2026-01-01T00:00:00Z')`,
  `INSERT INTO instances VALUES ('r', 'i', 'verified')`,
  `INSERT INTO rollouts VALUES ('r', 'i', 'r1', 2)`,
];

describe("store migrations", () => {
  it("renames the rollout attempt columns to rollout_attempt and adds provenance columns, keeping the rows", async () => {
    const file = path.join(scratch, "old.duckdb");
    const instance = await DuckDBInstance.create(file);
    const connection = await instance.connect();
    for (const statement of before) await connection.run(statement);
    connection.closeSync();
    instance.closeSync();

    const store = await openStore(file, { migrate: true });
    try {
      const read = async (sql: string) => (await store.connection.runAndReadAll(sql)).getRowObjectsJson();
      expect(await read("SELECT run_id, seq, rollout_attempt, http_attempt, provenance FROM model_calls")).toEqual([
        { run_id: "r", seq: 0, rollout_attempt: 2, http_attempt: 2, provenance: null },
      ]);
      expect(await read("SELECT name, value, provenance FROM run_metrics")).toEqual([{ name: "verified", value: 3, provenance: null }]);
      expect(await read("SELECT id, usd, provenance FROM cost_ledger")).toEqual([{ id: "r:1:accounting:cpu", usd: 1, provenance: null }]);
      for (const table of ["instances", "rollouts", "verifications"]) {
        const columns = await read(`SELECT column_name FROM information_schema.columns WHERE table_name = '${table}' AND column_name = 'provenance'`);
        expect([table, columns.length]).toEqual([table, 1]);
      }
      const applied = await read("SELECT component, version FROM schema_migrations WHERE component IN ('core', 'generation') ORDER BY component, version");
      expect(applied).toEqual([
        { component: "core", version: 1 },
        { component: "core", version: 2 },
        { component: "core", version: 3 },
        { component: "generation", version: 1 },
        { component: "generation", version: 2 },
        { component: "generation", version: 3 },
      ]);
      expect(await read("SELECT phase, rollout_attempt, provenance FROM rollouts")).toEqual([{ phase: "r1", rollout_attempt: 2, provenance: null }]);
    } finally {
      store.close();
    }
    // Opening again changes nothing.
    const again = await openStore(file, { migrate: true });
    const calls = (await again.connection.runAndReadAll("SELECT rollout_attempt FROM model_calls")).getRowObjectsJson();
    again.close();
    expect(calls).toEqual([{ rollout_attempt: 2 }]);
  });
});
