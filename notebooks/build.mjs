#!/usr/bin/env node
// Builds notebooks/runs.html with Observable Notebook Kit, offline, against one sera store:
//
//   node notebooks/build.mjs [--store .sera/sera-paper.duckdb] [--out notebooks/.observable/dist]
//
// The notebook's SQL cells run at build time, read-only (so a sweep may still be running); the
// built page carries their results and the vega runtime from node_modules, so it opens from disk
// with no network.
//
// Why the page is one self-contained file: Chromium gives a file:// page an opaque origin, and
// loads module scripts, stylesheets marked crossorigin, fonts and fetch() only with CORS, which
// file:// URLs never pass. Notebook Kit's own build writes the notebook as module chunks under
// assets/ and the query results as JSON files the page fetches, so from disk nothing ran. This
// script runs the same Vite build with every asset inlined as a data: URL (query results, fonts),
// one JavaScript chunk, and that chunk and the stylesheet written into runs.html itself.
//
// Why this script runs the SQL cells itself: Notebook Kit 2.1.8's DuckDB connector imports a
// type (VARINT) that @duckdb/node-api 1.5 no longer exports, so its own query step fails here.
// Notebook Kit skips a query whose result is already in its cache (.observable/cache, keyed by
// database name and query text), so this script executes each `application/sql` cell with the
// DuckDB the repository already uses and writes the result where Notebook Kit looks for it, in
// its format ({rows, schema, date, duration}). The cache is cleared first: Notebook Kit keys it by
// query text, not by the database's contents.
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { standInBanner, standInCounts } from "@sera/core";
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
// The same banner `sera status` and `sera report` print: the notebook shows every run of the store.
let banner = null;
try {
  banner = standInBanner(await standInCounts(connection));
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

/** Writes the entry chunk and stylesheets into the HTML page and drops them from the output. */
const inlineIntoPage = {
  name: "sera-inline-into-page",
  enforce: "post",
  generateBundle(_options, bundle) {
    const page = Object.values(bundle).find((file) => file.type === "asset" && file.fileName.endsWith(".html"));
    if (!page) throw new Error("the build wrote no HTML page");
    let html = String(page.source);
    // Vite marks dynamic imports for preloading and fills the marker in per chunk; with one chunk
    // there is nothing to preload, which is what an empty marker (void 0) means to its helper.
    const pageCode = (code) => code.replace(/__VITE_PRELOAD__/g, "void 0");
    // The library stylesheets that @import from a CDN belong to the offline stand-ins above.
    const pageStyle = (css) => css.replace(/@import\s+(url\()?["']?https?:\/\/[^;]*;/g, "");
    // A literal "</script" inside the code would end the inline element early; "<\/script" means the same to JavaScript.
    const scriptText = (code) => code.replace(/<\/script/gi, "<\\/script");
    for (const [name, file] of Object.entries(bundle)) {
      const reference = new RegExp(`<script type="module"[^>]*src="[^"]*${file.fileName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"[^>]*></script>`);
      const link = new RegExp(`<link rel="stylesheet"[^>]*href="[^"]*${file.fileName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"[^>]*>`);
      if (file.type === "chunk" && reference.test(html)) {
        html = html.replace(reference, () => `<script type="module">${scriptText(pageCode(file.code))}</script>`);
        delete bundle[name];
      } else if (file.type === "asset" && file.fileName.endsWith(".css") && link.test(html)) {
        html = html.replace(link, () => `<style>${pageStyle(String(file.source))}</style>`);
        delete bundle[name];
      }
    }
    const leftover = Object.values(bundle).filter((file) => file !== page);
    if (leftover.length > 0) throw new Error(`not inlined into the page: ${leftover.map((file) => file.fileName).join(", ")}`);
    // Static markup ahead of the notebook's cells: it shows even before (or without) any script running.
    if (banner) {
      const escaped = banner.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
      const markup = `<div class="sera-stand-in-banner" role="alert" style="border:2px solid #b45309;background:#fef3c7;color:#78350f;padding:0.6em 1em;margin:1em 0;font-weight:600">${escaped}</div>`;
      if (!/<body[^>]*>/.test(html)) throw new Error("the built page has no <body> to put the stand-in banner in");
      html = html.replace(/<body[^>]*>/, (tag) => `${tag}${markup}`);
    }
    page.source = html;
  },
};

/**
 * Notebook Kit's standard library loads some libraries (Inputs, DuckDB-Wasm, Mermaid, Leaflet, …)
 * from a CDN inside modules the page imports only when a cell uses them. Bundled into one chunk,
 * their static URL imports would be hoisted to the top and fetched at load, and an offline page
 * would fail before any cell ran. This notebook uses none of them, so each URL becomes a local
 * module that stays silent until used and then says the page is offline.
 */
const offlineLibraries = {
  name: "sera-offline-libraries",
  enforce: "pre",
  resolveId(source, importer) {
    if (!/^https?:\/\//.test(source)) return null;
    const code = importer && existsSync(importer) ? readFileSync(importer, "utf8") : "";
    const escaped = source.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    // Only static imports are hoisted; a dynamic import() of a URL stays lazy and external as it was.
    if (!new RegExp(`(from|import)\\s*["']${escaped}["']`).test(code)) return { id: source, external: true };
    // The named bindings the importer takes from this URL, so the stand-in module can export them.
    const names = new Set();
    for (const match of code.matchAll(new RegExp(`import\\s*\\{([^}]*)\\}\\s*from\\s*["']${escaped}["']`, "g"))) {
      for (const binding of match[1].split(",")) names.add(binding.trim().split(/\s+as\s+/)[0]);
    }
    return `\0offline:${JSON.stringify({ url: source, names: [...names].filter(Boolean) })}`;
  },
  load(id) {
    if (!id.startsWith("\0offline:")) return null;
    const { url, names } = JSON.parse(id.slice("\0offline:".length));
    const message = JSON.stringify(`${url} is not bundled: this notebook page works offline and does not load libraries from the network`);
    return [
      `const fail = () => { throw new Error(${message}); };`,
      `const offline = new Proxy(function () {}, { get: (_target, key) => (key === "then" || typeof key === "symbol" ? undefined : fail()), set: fail, apply: fail, construct: fail });`,
      `export default offline;`,
      ...names.map((name) => `export const ${name} = offline;`),
    ].join("\n");
  },
};

const out = path.resolve(values.out);
const { config: kitConfig, observable } = await import(pathToFileURL(path.join(kit, "dist/src/vite/index.js")).href);
const vitePackage = [path.join(kit, "node_modules/vite"), path.join(repo, "packages/analysis/node_modules/vite"), path.join(repo, "node_modules/vite")].find((dir) => existsSync(dir));
if (!vitePackage) fail("vite is not installed (Observable Notebook Kit depends on it)");
const { build } = await import(pathToFileURL(path.join(vitePackage, "dist/node/index.js")).href);
try {
  await build({
    ...kitConfig(),
    configFile: false,
    logLevel: "warn",
    plugins: [offlineLibraries, observable(), inlineIntoPage],
    root: here,
    base: "./",
    build: {
      outDir: out,
      emptyOutDir: true,
      // Everything becomes a data: URL: file:// pages may not fetch files, not even their neighbours.
      assetsInlineLimit: () => true,
      cssCodeSplit: false,
      chunkSizeWarningLimit: 10_000,
      rolldownOptions: {
        input: [notebook],
        output: { codeSplitting: false },
        // Member reads of an offline stand-in (duckdb.selectBundle, …) are expected to be undefined.
        onwarn(warning, warn) {
          if (warning.code === "IMPORT_IS_UNDEFINED" && String(warning.message).includes("offline:{")) return;
          warn(warning);
        },
      },
    },
  });
} catch (error) {
  fail(`Notebook Kit build: ${error.message.split("\n")[0]}`);
}
process.stdout.write(`notebook: ${path.relative(process.cwd(), path.join(out, "runs.html"))} (self-contained; opens from disk)\n`);
