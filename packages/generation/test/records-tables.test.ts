import { describe, expect, it } from "vitest";
import { generationTables, instancesTable } from "../src/records/tables.js";

describe("generation record tables", () => {
  it("each table's zod row names exactly the DDL's columns, in the same order", () => {
    for (const table of generationTables) expect(Object.keys(table.row.shape), table.name).toEqual(Object.keys(table.columns));
  });

  it("a record with a misspelt or missing column is refused when it is written, not loaded as nulls later", () => {
    const row = {
      run_id: "r",
      instance_id: "i",
      repo: "demo",
      commit_sha: "abc",
      file: "a.py",
      function: "f",
      function_kind: "function",
      language: "python",
      start_line: 1,
      end_line: 3,
      replica: 0,
      demonstration_id: null,
      status: "verified",
      last_step: "done",
      r1_attempts: 1,
      failure_reason: null,
      failure_detail: null,
      recall: 1,
      provenance: "real",
    };
    expect(instancesTable.row.parse(row)).toEqual(row);
    const { recall, ...missing } = row;
    expect(recall).toBe(1);
    expect(() => instancesTable.row.parse(missing)).toThrow(/recall/);
    expect(() => instancesTable.row.parse({ ...row, recal: 1 })).toThrow(/recal/);
  });
});
