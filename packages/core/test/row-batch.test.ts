import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { RowBatch } from "../src/store/row-batch.js";

/**
 * The batch must leave the tables exactly as the same rows written one statement at a time would,
 * in the order they were added. DuckDB itself keeps the first of two equal keys in one multi-row
 * INSERT OR REPLACE, which is the opposite of one-at-a-time, so the batch has to settle duplicates.
 */

async function table() {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run("CREATE TABLE ledger (id VARCHAR PRIMARY KEY, quantity DOUBLE, note VARCHAR, happened_at TIMESTAMPTZ)");
  const rows = async () => (await connection.runAndReadAll("SELECT id, quantity, note FROM ledger ORDER BY id")).getRowObjectsJson();
  return { connection, rows };
}

describe("RowBatch", () => {
  it("REPLACE keeps the last row per key and IGNORE the first, as one-by-one statements would", async () => {
    const { connection, rows } = await table();
    await connection.run("INSERT INTO ledger VALUES ('kept', 1, 'already there', NULL), ('replaced', 1, 'old', NULL)");
    const batch = new RowBatch();
    batch.add("ledger", "REPLACE", ["id"], { id: "total", quantity: 1, note: "first attempt", happened_at: "2026-12-05T10:00:00Z" });
    batch.add("ledger", "REPLACE", ["id"], { id: "total", quantity: 3, note: "second attempt", happened_at: "2026-12-05T11:00:00Z" });
    batch.add("ledger", "IGNORE", ["id"], { id: "line", quantity: 5, note: "first", happened_at: null });
    batch.add("ledger", "IGNORE", ["id"], { id: "line", quantity: 6, note: "second", happened_at: null });
    batch.add("ledger", "IGNORE", ["id"], { id: "kept", quantity: 9, note: "ignored", happened_at: null });
    batch.add("ledger", "REPLACE", ["id"], { id: "replaced", quantity: 2, note: "new", happened_at: null });
    expect(batch.size).toBe(4);
    await batch.write(connection);
    expect(await rows()).toEqual([
      { id: "kept", quantity: 1, note: "already there" },
      { id: "line", quantity: 5, note: "first" },
      { id: "replaced", quantity: 2, note: "new" },
      { id: "total", quantity: 3, note: "second attempt" },
    ]);
    expect(batch.size).toBe(0);
  });

  it("runs deletions before the rows and splits large batches into several statements", async () => {
    const { connection, rows } = await table();
    await connection.run("INSERT INTO ledger SELECT 'old-' || i, i, 'stale', NULL FROM range(3) t(i)");
    const batch = new RowBatch();
    for (let i = 0; i < 3; i++) batch.deleteWhere("ledger", "id", `old-${i}`);
    for (let i = 0; i < 1234; i++)
      batch.add("ledger", "REPLACE", ["id"], { id: `new-${String(i).padStart(4, "0")}`, quantity: i, note: i % 2 ? "odd" : null, happened_at: null });
    // Re-adding a deleted key after its deletion keeps it: the deletion applies to what was there before.
    batch.add("ledger", "REPLACE", ["id"], { id: "old-1", quantity: 42, note: "rewritten", happened_at: null });
    await batch.write(connection);
    const all = await rows();
    expect(all).toHaveLength(1235);
    expect(all.filter((row) => String(row.id).startsWith("old-"))).toEqual([{ id: "old-1", quantity: 42, note: "rewritten" }]);
    expect(all.find((row) => row.id === "new-1233")).toEqual({ id: "new-1233", quantity: 1233, note: "odd" });
    expect(all.reduce((sum, row) => sum + Number(row.quantity), 0)).toBe((1233 * 1234) / 2 + 42);
  });
});
