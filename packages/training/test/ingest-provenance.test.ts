import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { foreignTrajectoriesTable, ingestsTable, instancesTable, patchesTable, rolloutsTable, standInCounts, withStore } from "@sera/core";
import { describe, expect, it } from "vitest";
import { collectForeign, loadForeignBatch, writeForeignBatch } from "../src/index.js";

/**
 * Ingested rows carry a provenance taken from the file: what it states, else 'real' when it names
 * the model that produced it, else null (unknown), never a guess.
 */

const real = path.resolve(__dirname, "../../../fixtures/real");

function records(dir: string, table: string): Record<string, unknown>[] {
  return readFileSync(path.join(dir, "records", `${table}.jsonl`), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("provenance of ingested trajectories", () => {
  it("real third-party files that name their model are real; the rows say so", () => {
    const batch = collectForeign(path.join(real, "mini-swe-agent/output/deepseek_bench1"));
    const summary = writeForeignBatch(batch, mkdtempSync(path.join(os.tmpdir(), "sera-ingest-provenance-")));
    const rollouts = records(summary.dir, "rollouts");
    const models = new Map(records(summary.dir, "foreign_trajectories").map((row) => [row.instance_id, row.model]));
    expect(rollouts.length).toBeGreaterThan(0);
    for (const rollout of rollouts) {
      expect(models.get(rollout.instance_id)).toEqual(expect.any(String));
      expect(rollout.provenance).toBe("real");
    }
    for (const instance of records(summary.dir, "instances")) expect(instance.provenance).toBe("real");
  });

  it("a stated provenance is taken as it is, a silent file stays unknown, and the store counts the stand-in rows", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-ingest-provenance-"));
    const messages = [
      { role: "user", content: "fix it" },
      { role: "assistant", content: "done" },
    ];
    const file = path.join(dir, "samples.jsonl");
    writeFileSync(
      file,
      [{ messages, provenance: "stand-in" }, { messages }, { messages, sera_provenance: "real" }].map((sample) => JSON.stringify(sample)).join("\n") + "\n",
    );
    const batch = collectForeign(file);
    expect(batch.trajectories.map((item) => item.value.provenance)).toEqual(["stand-in", null, "real"]);
    const summary = writeForeignBatch(batch, path.join(dir, "ingested"));
    expect(records(summary.dir, "rollouts").map((row) => row.provenance)).toEqual(["stand-in", null, "real"]);
    const stored = JSON.parse(readFileSync(String(records(summary.dir, "rollouts")[0].trajectory_path), "utf8")) as { provenance: unknown };
    expect(stored.provenance).toBe("stand-in");

    const counts = await withStore(path.join(dir, "store.duckdb"), {}, async (store) => {
      // The tables a store gets once generation and ingest have run (sera ingest's store has them).
      for (const table of [instancesTable, rolloutsTable, patchesTable, foreignTrajectoriesTable, ingestsTable]) await store.connection.run(table.ddl);
      await loadForeignBatch(store.connection, summary.id, summary.dir);
      return standInCounts(store.connection);
    });
    expect(counts).toEqual(
      expect.arrayContaining([
        { table: "rollouts", standIn: 1, rows: 3 },
        { table: "instances", standIn: 1, rows: 3 },
      ]),
    );
  });
});
