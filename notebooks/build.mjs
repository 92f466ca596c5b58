#!/usr/bin/env node
// Builds notebooks/runs.html with Observable Notebook Kit, offline, against one sera store:
//
//   node notebooks/build.mjs [--store .sera/sera-paper.duckdb] [--out notebooks/.observable/dist]
//
// The notebook's SQL cells run at build time, read-only (so a sweep may still be running); the
// built page carries their results and the vega runtime from node_modules, so it opens from disk
// with no network.
//
// Why this script runs the SQL cells itself: Notebook Kit 2.1.8's DuckDB connector imports a
// type (VARINT) that @duckdb/node-api 1.5 no longer exports, so its own query step fails here.
// Notebook Kit skips a query whose result is already in its cache (.observable/cache, keyed by
// database name and query text), so this script executes each `application/sql` cell with the
// DuckDB the repository already uses and writes the result where Notebook Kit looks for it, in
// its format ({rows, schema, date, duration}). The cache is cleared first: Notebook Kit keys it by
// query text, not by the database's contents.
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { JSDOM } from "jsdom";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.dirname(here);
const notebook = path.join(here, "runs.html");
const { values } = parseArgs({
  options: {
    store: { type: "string", default: ".sera/sera-paper.duckdb" },
    out: { type: "string", default: path.join(here, ".observable", "dist") },
  },
});
const fail = (message) => {
  process.stderr.write(`build: ${message}\n`);
  process.exit(2);
};
const store = path.resolve(values.store);
if (!existsSync(store)) fail(`${store}: no store; run an experiment first (sera run experiments/sera-paper.yaml) or pass --store`);
const notebooksBin = [path.join(repo, "packages/analysis/node_modules/.bin/notebooks"), path.join(repo, "node_modules/.bin/notebooks")].find((file) => existsSync(file));
if (!notebooksBin) fail("Observable Notebook Kit is not installed (npm ci installs it as a dev dependency of @sera/analysis)");
const kit = path.resolve(path.dirname(realpathSync(notebooksBin)), "../..");
const { deserialize } = await import(pathToFileURL(path.join(kit, "dist/src/index.js")).href);
const { getQueryCachePath } = await import(pathToFileURL(path.join(kit, "dist/src/databases/index.js")).href);

const config = path.join(here, ".observable");
rmSync(path.join(config, "cache"), { recursive: true, force: true });
mkdirSync(path.join(config, "cache"), { recursive: true });
writeFileSync(path.join(config, "databases.json"), JSON.stringify({ runs: { type: "duckdb", path: store, options: { access_mode: "READ_ONLY" } } }, null, 2) + "\n");

/** Notebook Kit's column kinds, which its DatabaseClient.revive uses to restore numbers and dates. */
function columnKind(type) {
  const name = type.toString();
  if (/^(TINYINT|SMALLINT|INTEGER|UTINYINT|USMALLINT|UINTEGER)$/.test(name)) return "integer";
  if (/^(BIGINT|UBIGINT|HUGEINT|UHUGEINT)$/.test(name)) return "bigint";
  if (/^(FLOAT|DOUBLE|DECIMAL)/.test(name)) return "number";
  if (/^(DATE|TIMESTAMP)/.test(name)) return "date";
  if (name === "BOOLEAN") return "boolean";
  return "string";
}

const cells = deserialize(readFileSync(notebook, "utf8"), { parser: new new JSDOM().window.DOMParser() }).cells;
const instance = await DuckDBInstance.create(store, { access_mode: "READ_ONLY" });
const connection = await instance.connect();
try {
  for (const cell of cells.filter((candidate) => candidate.mode === "sql" && candidate.database === "runs")) {
    const started = new Date();
    let result;
    try {
      result = await connection.run(cell.value);
    } catch (error) {
      fail(`SQL cell ${cell.id} (output ${cell.output ?? "none"}): ${error.message.split("\n")[0]}`);
    }
    const rows = await result.getRowObjectsJson();
    const schema = result.columnNames().map((name, i) => ({ name, type: columnKind(result.columnType(i)) }));
    const cachePath = await getQueryCachePath(notebook, cell.database, [cell.value]);
    writeFileSync(cachePath, JSON.stringify({ rows, schema, duration: Date.now() - +started, date: started }));
  }
} finally {
  connection.closeSync();
  instance.closeSync();
}

const out = path.resolve(values.out);
const built = spawnSync(notebooksBin, ["build", "--root", here, "--out", path.relative(here, out), "--empty", "--", "runs.html"], { stdio: "inherit", cwd: here });
if (built.status !== 0) process.exit(built.status ?? 1);
process.stdout.write(`notebook: ${path.relative(process.cwd(), path.join(out, "runs.html"))}\n`);
