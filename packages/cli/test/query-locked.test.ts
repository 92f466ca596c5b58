import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "@sera/core";

// `sera query` as a user runs it: the built CLI against a real store file.
const seraBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/main.js");

let dir: string;
let store: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "sera-query-locked-"));
  store = path.join(dir, "sera.duckdb");
  const opened = await openStore(store);
  opened.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function query(sql: string, ...flags: string[]) {
  const result = spawnSync(process.execPath, [seraBin, "query", sql, "--store", store, ...flags], { cwd: dir, encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("sera query runs on a closed connection", () => {
  const refused: [string, string][] = [
    ["COPY … TO writes a file", `COPY (SELECT 1 AS a) TO '${"OUT"}'`],
    ["read_text reads a host file", "SELECT * FROM read_text('/etc/passwd')"],
    ["read_csv reads a host file", "SELECT * FROM read_csv('/etc/passwd')"],
    ["glob lists host folders", "SELECT * FROM glob('/etc/*')"],
    ["INSTALL fetches an extension", "INSTALL httpfs"],
    ["LOAD loads an extension", "LOAD httpfs"],
    ["ATTACH opens another database", "ATTACH 'OTHER' AS other"],
    ["SET changes a setting", "SET enable_external_access = true"],
    ["PRAGMA changes a setting", "PRAGMA enable_profiling"],
    ["a second statement after ;", "SELECT 1; SELECT 2"],
    ["CREATE makes a table", "CREATE TEMP TABLE t AS SELECT 1"],
  ];
  it.each(refused)("refuses %s with one line and exit 2", (_, template) => {
    const written = path.join(dir, `written-${Math.random().toString(36).slice(2)}`);
    const { code, stdout, stderr } = query(template.replace("OUT", written).replace("OTHER", written));
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/^sera: query: /);
    expect(existsSync(written)).toBe(false);
  });

  it("still answers reading statements: SELECT, SHOW, DESCRIBE, EXPLAIN", () => {
    for (const sql of ["SELECT count(*) AS n FROM runs", "SHOW TABLES", "DESCRIBE runs", "EXPLAIN SELECT 1"]) {
      const { code, stderr } = query(sql, "--json");
      expect(stderr).toBe("");
      expect(code).toBe(0);
    }
  });
});

describe("sera query --json numbers", () => {
  it("prints BIGINT counts and sums as JSON numbers", () => {
    const { code, stdout } = query("SELECT count(*) AS d, sum(1) AS h, 7::BIGINT AS b, [1, 2]::BIGINT[] AS l FROM runs", "--json");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([{ d: 0, h: null, b: 7, l: [1, 2] }]);
  });

  it("keeps integers beyond 2^53 and wide decimals exact, as strings", () => {
    const { stdout } = query(
      "SELECT 9007199254740993::BIGINT AS big, 9007199254740991::BIGINT AS safe, 1.50::DECIMAL(10, 2) AS price, 12345678901234567.5::DECIMAL(20, 1) AS wide",
      "--json",
    );
    expect(JSON.parse(stdout)).toEqual([{ big: "9007199254740993", safe: 9007199254740991, price: 1.5, wide: "12345678901234567.5" }]);
  });
});
