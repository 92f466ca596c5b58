import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { openStore } from "@sera/core";
import { afterAll, describe, expect, it } from "vitest";
import "../src/stage.js";

/**
 * A store written before the training tables named the rollout attempt `rollout_attempt` and the
 * drop's build step `filter_step` opens with its rows under the new names.
 */

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "sera-training-migration-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const before = [
  `CREATE TABLE schema_migrations (component VARCHAR NOT NULL, version INTEGER NOT NULL, name VARCHAR NOT NULL,
     applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (component, version))`,
  `CREATE TABLE dataset_drops ("run_id" VARCHAR, "source_run_id" VARCHAR, "instance_id" VARCHAR, "phase" VARCHAR, "attempt" INTEGER,
     "stage" VARCHAR, "reason" VARCHAR, PRIMARY KEY (run_id, source_run_id, instance_id, phase, attempt))`,
  `CREATE TABLE samples ("run_id" VARCHAR, "sample_id" VARCHAR, "attempt" INTEGER, PRIMARY KEY (run_id, sample_id))`,
  `CREATE TABLE foreign_trajectories ("run_id" VARCHAR, "instance_id" VARCHAR, "phase" VARCHAR, "attempt" INTEGER, PRIMARY KEY (run_id, instance_id, phase, attempt))`,
  `INSERT INTO schema_migrations (component, version, name) VALUES ('training', 1, 'datasets and foreign trajectories')`,
  `INSERT INTO dataset_drops VALUES ('d', 'g', 'i', 'r1', 2, 'selection', 't1-self-check-not-yes')`,
  `INSERT INTO samples VALUES ('d', 'g/i/r1-3', 3)`,
];

describe("training store migrations", () => {
  it("renames attempt to rollout_attempt and dataset_drops.stage to filter_step, keeping the rows", async () => {
    const file = path.join(scratch, "old.duckdb");
    const instance = await DuckDBInstance.create(file);
    const connection = await instance.connect();
    for (const statement of before) await connection.run(statement);
    connection.closeSync();
    instance.closeSync();

    const store = await openStore(file, { migrate: true });
    try {
      const read = async (sql: string) => (await store.connection.runAndReadAll(sql)).getRowObjectsJson();
      expect(await read("SELECT instance_id, rollout_attempt, filter_step, reason FROM dataset_drops")).toEqual([
        { instance_id: "i", rollout_attempt: 2, filter_step: "selection", reason: "t1-self-check-not-yes" },
      ]);
      expect(await read("SELECT sample_id, rollout_attempt FROM samples")).toEqual([{ sample_id: "g/i/r1-3", rollout_attempt: 3 }]);
      expect(
        await read("SELECT column_name FROM information_schema.columns WHERE table_name = 'foreign_trajectories' AND column_name LIKE '%attempt'"),
      ).toEqual([{ column_name: "rollout_attempt" }]);
    } finally {
      store.close();
    }
  });
});
