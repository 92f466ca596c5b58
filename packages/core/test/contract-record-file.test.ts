import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scanRecordLines } from "../src/store/record-table.js";
import {
  appendPartialRecordRows,
  appendRecordRows,
  loadRecordFile,
  patchesTable,
  readRecordRows,
  recordFilePath,
  RecordFileError,
  type RowOf,
} from "../src/index.js";

/**
 * Record files cross package boundaries (generation and sera ingest write them, training reads
 * them), so both sides go through the table's shape: a writer cannot put a misspelt or mistyped
 * column into a file, and a reader names the file, line and column of a row that does not fit.
 */

type PatchRow = RowOf<(typeof patchesTable)["row"]["shape"]>;

const patchRow: PatchRow = {
  run_id: "run-1",
  instance_id: "i-1",
  phase: "r1",
  rollout_attempt: 1,
  patch: "",
  sha256: "e3b0",
  files_changed: 0,
  lines_added: 0,
  lines_removed: 0,
};

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), "sera-record-file-"));

describe("appendRecordRows", () => {
  it("writes rows that fit the table's shape, one JSON line each, appending", () => {
    const dir = tempDir();
    appendRecordRows(dir, patchesTable, [patchRow]);
    appendRecordRows(dir, patchesTable, [{ ...patchRow, rollout_attempt: 2 }]);
    const lines = readFileSync(recordFilePath(dir, patchesTable), "utf8").trim().split("\n");
    expect(lines.map((line) => JSON.parse(line).rollout_attempt)).toEqual([1, 2]);
  });

  it("refuses a misspelt, missing or mistyped column and writes nothing of that batch", () => {
    const dir = tempDir();
    const misspelt = { ...patchRow, lines_addded: 1 } as unknown as PatchRow;
    expect(() => appendRecordRows(dir, patchesTable, [patchRow, misspelt])).toThrow(/^patches row 2: .*lines_addded/);
    const { sha256: _dropped, ...missing } = patchRow;
    expect(() => appendRecordRows(dir, patchesTable, [missing as PatchRow])).toThrow(/^patches row 1: sha256: /);
    expect(() => appendRecordRows(dir, patchesTable, [{ ...patchRow, phase: "r3" } as unknown as PatchRow])).toThrow(/^patches row 1: phase: /);
    expect(() => readFileSync(recordFilePath(dir, patchesTable))).toThrow(/ENOENT/);
  });

  it("lets a partial writer leave out the columns it does not name, but not the ones it does", () => {
    const dir = tempDir();
    const columns = ["run_id", "instance_id", "phase", "rollout_attempt", "patch"] as const;
    appendPartialRecordRows(dir, patchesTable, [{ run_id: "b", instance_id: "x", phase: "prediction", rollout_attempt: 1, patch: "" }], columns);
    expect(readRecordRows(dir, patchesTable, columns)).toEqual([{ run_id: "b", instance_id: "x", phase: "prediction", rollout_attempt: 1, patch: "" }]);
    const noPatch = { run_id: "b", instance_id: "x", phase: "prediction", rollout_attempt: 1 } as unknown as Pick<PatchRow, (typeof columns)[number]>;
    expect(() => appendPartialRecordRows(dir, patchesTable, [noPatch], columns)).toThrow(/patch: /);
  });
});

describe("readRecordRows", () => {
  it("reads nothing from a missing file", () => {
    expect(readRecordRows(tempDir(), patchesTable, ["instance_id"])).toEqual([]);
  });

  it("names the file, line and column of a row that does not fit", () => {
    const dir = tempDir();
    const file = recordFilePath(dir, patchesTable);
    writeFileSync(file, `${JSON.stringify(patchRow)}\n${JSON.stringify({ ...patchRow, rollout_attempt: "2" })}\n`);
    const read = () => readRecordRows(dir, patchesTable, ["instance_id", "rollout_attempt"]);
    expect(read).toThrow(RecordFileError);
    expect(read).toThrow(`${file}:2: rollout_attempt: `);
  });

  it("reads a column under its former name from files written before a rename", () => {
    const dir = tempDir();
    const { rollout_attempt: attempt, ...rest } = patchRow;
    writeFileSync(recordFilePath(dir, patchesTable), JSON.stringify({ ...rest, attempt }) + "\n");
    const [row] = readRecordRows(dir, patchesTable, ["instance_id", "rollout_attempt"], { formerNames: { attempt: "rollout_attempt" } });
    expect(row.rollout_attempt).toBe(1);
    expect(row).not.toHaveProperty("attempt");
    // Without the mapping the old column is unknown to the strict shape.
    expect(() => readRecordRows(dir, patchesTable, ["instance_id"])).toThrow(/attempt/);
  });
});

describe("loadRecordFile", () => {
  it("loads a run's first file and replaces its rows on a re-ingest, leaving other runs alone", async () => {
    const connection = await (await DuckDBInstance.create(":memory:")).connect();
    await connection.run(patchesTable.ddl);
    const dir = tempDir();
    const other = tempDir();
    appendRecordRows(dir, patchesTable, [patchRow, { ...patchRow, instance_id: "i-2" }]);
    appendRecordRows(other, patchesTable, [{ ...patchRow, run_id: "run-2" }]);
    const table = async () => (await connection.runAndReadAll("SELECT run_id, instance_id, lines_added FROM patches ORDER BY ALL")).getRowObjects();
    await loadRecordFile(connection, dir, patchesTable);
    await loadRecordFile(connection, other, patchesTable);
    expect(await table()).toEqual([
      { run_id: "run-1", instance_id: "i-1", lines_added: 0 },
      { run_id: "run-1", instance_id: "i-2", lines_added: 0 },
      { run_id: "run-2", instance_id: "i-1", lines_added: 0 },
    ]);
    // The same run ingested again with a changed row: replaced, not duplicated.
    const again = tempDir();
    appendRecordRows(again, patchesTable, [
      { ...patchRow, lines_added: 3 },
      { ...patchRow, instance_id: "i-2" },
    ]);
    await loadRecordFile(connection, again, patchesTable);
    expect(await table()).toEqual([
      { run_id: "run-1", instance_id: "i-1", lines_added: 3 },
      { run_id: "run-1", instance_id: "i-2", lines_added: 0 },
      { run_id: "run-2", instance_id: "i-1", lines_added: 0 },
    ]);
  });
});

describe("scanRecordLines", () => {
  it("finds the first line and the longest line's bytes across any chunk boundary", () => {
    const dir = tempDir();
    const file = path.join(dir, "lines.jsonl");
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: "binary", maxLength: 40 }).map((line) => line.replaceAll("\n", "")),
          { minLength: 1 },
        ),
        fc.boolean(),
        fc.integer({ min: 1, max: 64 }),
        (lines, trailingNewline, chunkBytes) => {
          writeFileSync(file, lines.join("\n") + (trailingNewline ? "\n" : ""));
          const scanned = scanRecordLines(file, { chunkBytes, wholeFileBelow: 0 });
          expect(scanned.first).toBe(lines[0]);
          expect(scanned.longestBytes).toBe(Math.max(...lines.map((line) => Buffer.byteLength(line))));
        },
      ),
    );
  });

  it("lets a record over twice DuckDB's default 16 MB object limit load", async () => {
    const connection = await (await DuckDBInstance.create(":memory:")).connect();
    await connection.run(patchesTable.ddl);
    const dir = tempDir();
    // DuckDB checks the limit for a line that starts inside a buffer, so the long one comes second.
    appendRecordRows(dir, patchesTable, [patchRow, { ...patchRow, instance_id: "i-2", patch: "+x\n".repeat(12_000_000) }, { ...patchRow, instance_id: "i-3" }]);
    await loadRecordFile(connection, dir, patchesTable);
    const rows = (await connection.runAndReadAll("SELECT instance_id, length(patch)::INTEGER AS bytes FROM patches ORDER BY ALL")).getRowObjects();
    expect(rows).toEqual([
      { instance_id: "i-1", bytes: 0 },
      { instance_id: "i-2", bytes: 36_000_000 },
      { instance_id: "i-3", bytes: 0 },
    ]);
  });
});
