import { existsSync } from "node:fs";
import path from "node:path";
import { buildReport, NoRunsError } from "@sera/analysis";
import { loadExperiment } from "@sera/core";
import { UsageError } from "../errors.js";
import { defineCommand } from "../command.js";
import { setOption } from "../options.js";

export interface ReportArgs {
  experiment: string;
  out?: string;
  store?: string;
  set?: string[];
  png?: boolean;
  json?: boolean;
}

/**
 * `sera report <experiment.yaml>`: writes reports/<name>/ from what the store holds now. It never
 * runs the experiment — it opens the store read-only, so it is safe (and useful) while a sweep is
 * still running; an experiment with no runs yet is a usage error that says what to run.
 */
export async function reportCommand(args: ReportArgs): Promise<number> {
  const loaded = loadExperiment(args.experiment, { overrides: args.set });
  const store = path.resolve(args.store ?? loaded.config.store);
  if (!existsSync(store)) {
    throw new UsageError(`${store}: no store yet; run the experiment first: sera run ${args.experiment}`);
  }
  let built;
  try {
    built = await buildReport({ experimentFile: args.experiment, outDir: args.out, store, set: args.set, png: args.png });
  } catch (error) {
    if (error instanceof NoRunsError) throw new UsageError(error.message);
    throw error;
  }
  const { runs } = built.model;
  const where = path.relative(process.cwd(), built.outDir) || ".";
  if (args.json) {
    const banner = built.model.standInBanner ? { standInBanner: built.model.standInBanner } : {};
    process.stdout.write(JSON.stringify({ outDir: built.outDir, runs, files: built.files, seconds: built.seconds, ...banner }, null, 2) + "\n");
    return 0;
  }
  // The figures below are a stand-in's when the banner says so: it comes first, as in the report itself.
  if (built.model.standInBanner) process.stdout.write(`${built.model.standInBanner}\n`);
  process.stdout.write(`report: ${where}/index.html (and report.md, data/, sql/, charts/)\n`);
  process.stdout.write(`runs: ${runs.succeeded} succeeded, ${runs.unfinished} unfinished, ${runs.failed} failed or skipped of ${runs.total}\n`);
  for (const fit of built.model.fits) {
    const summary = fit.fit ? `R² ${fit.fit.rSquared.toFixed(3)}, MAE ${fit.fit.mae.toFixed(2)}` : fit.problems[0];
    process.stdout.write(`fit ${fit.name}: ${summary}\n`);
    for (const comparison of fit.comparisons) {
      const ours =
        comparison.result.ourUsd === null
          ? "never reached"
          : `$${Math.round(comparison.result.ourUsd).toLocaleString("en-US")} (${(comparison.result.ratio as number).toFixed(1)}×)`;
      const published = comparison.publishedUsd === null ? "" : `; published $${comparison.publishedUsd} (${comparison.publishedRatio ?? "?"}×)`;
      process.stdout.write(`  vs ${comparison.baseline.label} at ${comparison.baseline.score}: ${ours}${published}\n`);
    }
  }
  for (const compare of built.model.compares) {
    const flagged = compare.contrasts.filter((contrast) => contrast.withinNoise).map((contrast) => contrast.label);
    process.stdout.write(
      `compare ${compare.name}: ${compare.conditions.length} conditions${flagged.length > 0 ? `; within noise: ${flagged.join(", ")}` : ""}\n`,
    );
  }
  if (runs.unfinished > 0) process.stdout.write(`note: ${runs.unfinished} run(s) still in progress; run sera report again when they finish\n`);
  return 0;
}

export const reportCli = defineCommand(
  "report <experiment>",
  "write reports/<name>/ (HTML, Markdown, Parquet, SQL, charts) from the store, read-only; run the experiment first",
  (y) =>
    y
      .positional("experiment", { type: "string", demandOption: true })
      .options(setOption)
      .option("out", { type: "string", describe: "output directory (default: reports/<experiment name>)" })
      .option("store", { type: "string", describe: "DuckDB store file (default: the experiment's store)" })
      .option("png", { type: "boolean", default: true, describe: "also write PNG copies of the charts (--no-png to skip)" })
      .option("json", { type: "boolean", describe: "print a JSON summary" }),
  (a) => reportCommand({ experiment: a.experiment, out: a.out, store: a.store, set: a.set, png: a.png, json: a.json }),
);
