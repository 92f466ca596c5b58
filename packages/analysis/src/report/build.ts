import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadExperiment, standInBanner, standInCounts, withStore } from "@sera/core";
import { renderChart, svgToPng } from "../charts/render.js";
import { reportChartSpecs } from "./charts.js";
import { derivedTables, writeDerivedTables } from "./derived-tables.js";
import { reportBlocks } from "./document.js";
import { renderHtml } from "./html.js";
import { renderMarkdown } from "./markdown.js";
import { buildReportModel, type ReportModel } from "./model.js";
import { checkReportParameters, hasTable, planReportQueries, runReportQueries, type ReportQuery } from "./queries.js";

export interface BuildReportOptions {
  experimentFile: string;
  /** Default: reports/<experiment name> under the working directory. */
  outDir?: string;
  /** Default: the experiment's store. */
  store?: string;
  /** `--set a.b=c` overrides, as for sera run. */
  set?: string[];
  /** PNG copies of the charts (default true). */
  png?: boolean;
  /** Fail with NoRunsError, writing nothing, when the store has no run of the experiment (default true). */
  requireRuns?: boolean;
}

/** The store holds no run of the experiment: there is nothing to report yet. */
export class NoRunsError extends Error {
  constructor(store: string, experiment: string, file: string) {
    super(`${store} holds no runs of experiment "${experiment}" yet; run it first: sera run ${file}`);
    this.name = "NoRunsError";
  }
}

export interface BuiltReport {
  outDir: string;
  model: ReportModel;
  files: string[];
  seconds: { queries: number; analysis: number; charts: number; total: number };
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

/** report.json: the model without the bootstrap's raw replicates (large, and reproducible from the seed). */
function modelJson(model: ReportModel): string {
  return (
    JSON.stringify(
      model,
      (key, value) => (key === "replicateParams" ? undefined : typeof value === "number" && !Number.isFinite(value) ? String(value) : value),
      2,
    ) + "\n"
  );
}

/**
 * Builds reports/<name>/ for an experiment file: reads the store read-only (so it works while a
 * sweep is still running), runs and saves the queries, analyses, renders the charts and writes
 * index.html, report.md, report.json, sql/, data/ and charts/. The directory is written beside
 * the old one and swapped in at the end, so a failed build leaves the previous report intact;
 * sera owns the directory, and anything else in it is replaced.
 */
export async function buildReport(options: BuildReportOptions): Promise<BuiltReport> {
  const started = performance.now();
  const loaded = loadExperiment(options.experimentFile, { overrides: options.set });
  const config = loaded.config;
  const storeFile = path.resolve(options.store ?? config.store);
  if (!existsSync(storeFile)) throw new Error(`${displayPath(storeFile)}: no store yet; run the experiment first (sera run ${displayPath(loaded.file)})`);
  const outDir = path.resolve(options.outDir ?? path.join("reports", config.name));
  const staging = `${outDir}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  for (const folder of ["data", "sql", "charts"]) mkdirSync(path.join(staging, folder), { recursive: true });
  // Planned once the store is open: the cost attribution depends on which record tables exist.
  let queries: ReportQuery[] = [];
  const experiment = { name: config.name, file: displayPath(loaded.file), description: config.description ?? null, store: displayPath(storeFile) };
  try {
    let queriesDone = 0;
    const model = await withStore(storeFile, { readOnly: true, waitMs: 30_000 }, async (store) => {
      await checkReportParameters(store.connection, config.report, displayPath(loaded.file));
      queries = planReportQueries(config.name, config.report, { samplesTable: await hasTable(store.connection, "samples") });
      const tables = await runReportQueries(store.connection, queries, path.join(staging, "data"), displayPath(loaded.file));
      queriesDone = performance.now();
      const statusRows = tables.get("runs_by_status") ?? [];
      if (options.requireRuns !== false && statusRows.length === 0) throw new NoRunsError(displayPath(storeFile), config.name, displayPath(loaded.file));
      const built = buildReportModel({ experiment, report: config.report, queries, tables });
      const banner = standInBanner(await standInCounts(store.connection, config.name));
      if (banner) built.standInBanner = banner;
      await writeDerivedTables(store.connection, path.join(staging, "data"), derivedTables(built));
      return built;
    });
    const analysed = performance.now();
    for (const query of queries) writeFileSync(path.join(staging, "sql", `${query.name}.sql`), `-- ${query.title}\n${query.sql};\n`);
    const vegaSpecs = new Map<string, unknown>();
    for (const [id, spec] of reportChartSpecs(model)) {
      const rendered = await renderChart(spec);
      vegaSpecs.set(id, rendered.vega);
      writeFileSync(path.join(staging, "charts", `${id}.vl.json`), JSON.stringify(spec, null, 1) + "\n");
      writeFileSync(path.join(staging, "charts", `${id}.svg`), rendered.svg);
      if (options.png !== false) writeFileSync(path.join(staging, "charts", `${id}.png`), await svgToPng(rendered.svg));
    }
    const charted = performance.now();
    const blocks = reportBlocks(model).filter((block) => block.kind !== "chart" || vegaSpecs.has(block.id));
    writeFileSync(path.join(staging, "report.md"), renderMarkdown(blocks));
    writeFileSync(path.join(staging, "index.html"), renderHtml(model.title, blocks, vegaSpecs));
    writeFileSync(path.join(staging, "report.json"), modelJson(model));
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(path.dirname(outDir), { recursive: true });
    renameSync(staging, outDir);
    const files = [
      "index.html",
      "report.md",
      "report.json",
      ...queries.map((query) => `sql/${query.name}.sql`),
      ...[...vegaSpecs.keys()].map((id) => `charts/${id}.svg`),
    ];
    const done = performance.now();
    return {
      outDir,
      model,
      files,
      seconds: {
        queries: (queriesDone - started) / 1000,
        analysis: (analysed - queriesDone) / 1000,
        charts: (charted - analysed) / 1000,
        total: (done - started) / 1000,
      },
    };
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}
