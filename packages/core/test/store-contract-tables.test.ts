import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkpointsTable, coreTables, datasetTables, evaluationTables, foreignTables, generationTables, stageKinds, withStore } from "../src/index.js";

/**
 * `sera run` imports only the stage packages its experiment names, so a store's tables must not
 * depend on which packages were imported: this file imports core alone (no stage kind but
 * `command` is registered), and a new store still gets every table of the data contract.
 */
describe("a store opened by core alone", () => {
  it("has every table of the data contract, with no stage package imported", async () => {
    expect(stageKinds()).toEqual(["command"]);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "sera-contract-store-")), "sera.duckdb");
    const names = await withStore(file, {}, async (store) => {
      const reader = await store.connection.runAndReadAll("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'");
      return reader.getRowObjectsJson().map((row) => String(row.table_name));
    });
    const contract = [...coreTables, ...generationTables, ...datasetTables, ...foreignTables, checkpointsTable, ...evaluationTables].map((table) => table.name);
    expect(names.sort()).toEqual([...contract, "schema_migrations"].sort());
  });
});
