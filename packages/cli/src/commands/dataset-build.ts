import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expandSweep, loadExperiment, type LoadedExperiment } from "@sera/core";
import { stringify } from "yaml";
import { UsageError } from "../errors.js";
import { queryRows, readStore, resolveStore } from "../store.js";
import { printDatasetStats } from "./dataset-stats.js";
import { runWithDisplay } from "./run.js";
import { defineCommand } from "../command.js";
import { setOption, storeOptions } from "../options.js";

/**
 * `sera dataset build`: an SFT dataset as a run of the spine, so it has an id, lands in the store,
 * and a rerun with the same inputs reuses it. Either an experiment file with a `sera-dataset`
 * stage, or `--from-run <id>`: a generation run (or a `sera ingest` source) already in the store,
 * for which a one-stage experiment file is written next to the store.
 */

export interface DatasetBuildArgs {
  experiment?: string;
  fromRun?: string[];
  store?: string;
  set?: string[];
  format?: string;
  trajectories?: string;
  budget?: number;
  ratioFloor?: number;
  topN?: number;
  subsets?: number[];
  subsetOrder?: string;
  seed?: number;
  where?: string;
  maxPatchLines?: number;
  maxToolOutputTokens?: number;
  dedupe?: boolean;
  enforceSubmit?: boolean;
  threshold?: number;
  retryFailed?: boolean;
}

interface SourceRun {
  runId: string;
  outDir: string;
}

/** A run id (or unique prefix) of a succeeded sera-generate or sera-dataset-compatible source. */
async function resolveSources(storeFile: string, ids: string[]): Promise<SourceRun[]> {
  return readStore(storeFile, async (store) => {
    const hasIngests = (await queryRows(store, "SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = 'ingests'"))[0].n === 1;
    const sources: SourceRun[] = [];
    for (const id of ids) {
      const runs = await queryRows(store, "SELECT id, kind, status, run_dir FROM runs WHERE id LIKE ? ORDER BY id", [`${id}%`]);
      const ingests = hasIngests ? await queryRows(store, "SELECT id, dir FROM ingests WHERE id LIKE ? ORDER BY id", [`${id}%`]) : [];
      const matches = runs.length + ingests.length;
      if (matches === 0) throw new UsageError(`--from-run ${id}: no run or ingest with this id (or id prefix) in ${storeFile}`);
      if (matches > 1) throw new UsageError(`--from-run ${id}: ambiguous id prefix; it matches ${[...runs, ...ingests].map((m) => m.id).join(", ")}`);
      if (ingests.length === 1) {
        sources.push({ runId: String(ingests[0].id), outDir: String(ingests[0].dir) });
        continue;
      }
      const run = runs[0];
      if (run.kind !== "sera-generate")
        throw new UsageError(`--from-run ${id}: run ${run.id} is a ${run.kind} run; a dataset is built from a sera-generate run or an ingest`);
      if (run.status !== "succeeded") throw new UsageError(`--from-run ${id}: run ${run.id} is ${run.status}, not succeeded`);
      sources.push({ runId: String(run.id), outDir: path.join(String(run.run_dir), "out") });
    }
    return sources;
  });
}

function paramsFromFlags(args: DatasetBuildArgs): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  if (args.format !== undefined) params.format = args.format;
  if (args.trajectories !== undefined) params.trajectories = args.trajectories;
  if (args.budget !== undefined) params.tokenBudget = args.budget;
  if (args.ratioFloor !== undefined) params.ratioFloor = args.ratioFloor;
  if (args.topN !== undefined) params.topN = args.topN;
  if (args.threshold !== undefined) params.verificationThreshold = args.threshold;
  if (args.enforceSubmit === false) params.enforceSubmit = false;
  if (args.where !== undefined) params.where = args.where;
  if (args.subsets !== undefined || args.seed !== undefined || args.subsetOrder !== undefined) {
    params.subsets = {
      sizes: args.subsets ?? [],
      ...(args.subsetOrder !== undefined ? { order: args.subsetOrder } : {}),
      ...(args.seed !== undefined ? { seed: args.seed } : {}),
    };
  }
  const filters: Record<string, unknown> = {};
  if (args.maxPatchLines !== undefined) filters.patchLines = { enabled: true, max: args.maxPatchLines };
  if (args.maxToolOutputTokens !== undefined) filters.toolOutputTokens = { enabled: true, maxMean: args.maxToolOutputTokens };
  if (args.dedupe) filters.dedupePatches = { enabled: true };
  if (Object.keys(filters).length > 0) params.filters = filters;
  return params;
}

/** Write `<store dir>/datasets/dataset-<source>.yaml`: one unseeded sera-dataset stage over the given sources. */
function experimentForSources(storeFile: string, sources: SourceRun[], args: DatasetBuildArgs): string {
  const name = `dataset-${sources[0].runId.slice(0, 16)}`.replace(/[^A-Za-z0-9_-]/g, "-");
  const dir = path.join(path.dirname(storeFile), "datasets");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.yaml`);
  const relative = (p: string) => path.relative(process.cwd(), p) || ".";
  const experiment = {
    name,
    description: `SFT dataset from ${sources.map((source) => source.runId).join(", ")} (written by sera dataset build --from-run)`,
    store: relative(storeFile),
    backend: { kind: "local", concurrency: 1 },
    executor: { retries: 1 },
    stages: { dataset: { kind: "sera-dataset", seeded: false, params: { from: sources, ...paramsFromFlags(args) } } },
  };
  writeFileSync(
    file,
    `# Written by sera dataset build --from-run; edit it and run sera dataset build ${relative(file)} to vary the dataset.\n${stringify(experiment)}`,
  );
  return file;
}

/** The stage's own first error line (stage-main prints `<kind>: <error>` then a stack), so nobody has to dig in logs. */
async function explainFailures(storeFile: string, runIds: string[]): Promise<void> {
  if (runIds.length === 0) return;
  const rows = await readStore(storeFile, (store) =>
    queryRows(store, `SELECT id, status, error, stderr_tail FROM runs WHERE id IN (${runIds.map(() => "?").join(", ")}) ORDER BY id`, runIds),
  );
  for (const row of rows) {
    const stageLine = String(row.stderr_tail ?? "")
      .split("\n")
      .find((line) => line.startsWith("sera-dataset: "));
    const reason = stageLine ? stageLine.replace(/^sera-dataset: (Error: )?/, "") : String(row.error ?? row.status);
    process.stdout.write(`\ndataset ${row.id} ${row.status}: ${reason}\n(everything about it: sera runs show ${String(row.id).slice(0, 10)})\n`);
  }
}

export async function datasetBuildCommand(args: DatasetBuildArgs): Promise<number> {
  if ((args.experiment === undefined) === (args.fromRun === undefined || args.fromRun.length === 0)) {
    throw new UsageError("sera dataset build: give an experiment file or --from-run <run id>, not both");
  }
  let loaded: LoadedExperiment;
  if (args.experiment !== undefined) {
    if (Object.keys(paramsFromFlags(args)).length > 0) {
      throw new UsageError(`${args.experiment}: dataset flags apply to --from-run; with an experiment file use --set stages.<stage>.params.<name>=<value>`);
    }
    loaded = loadExperiment(args.experiment, { overrides: args.set });
  } else {
    const { file: storeFile } = resolveStore({ store: args.store });
    const sources = await resolveSources(storeFile, args.fromRun ?? []);
    loaded = loadExperiment(experimentForSources(storeFile, sources, args), { overrides: args.set });
  }
  const datasetRuns = expandSweep(loaded).runs.filter((run) => run.kind === "sera-dataset");
  if (datasetRuns.length === 0) throw new UsageError(`${loaded.file}: no stage of kind sera-dataset (see experiments/dataset.yaml)`);
  const report = await runWithDisplay(loaded, { retryFailed: args.retryFailed });
  const built = await readStore(report.store, (store) =>
    queryRows(
      store,
      `SELECT run_id FROM datasets WHERE run_id IN (${datasetRuns.map(() => "?").join(", ")}) ORDER BY run_id`,
      datasetRuns.map((run) => run.id),
    ),
  );
  for (const { run_id } of built) {
    process.stdout.write("\n");
    await printDatasetStats(report.store, String(run_id), false);
  }
  await explainFailures(
    report.store,
    datasetRuns.map((run) => run.id).filter((id) => !built.some((row) => row.run_id === id)),
  );
  process.stdout.write(
    `\nexperiment file: ${path.relative(process.cwd(), loaded.file)}\nstore: ${path.relative(process.cwd(), report.store) || report.store}\n`,
  );
  if (report.exitCode !== 0) process.stdout.write(`some runs did not succeed; see sera status --store ${path.relative(process.cwd(), report.store)}\n`);
  return report.exitCode;
}

export const datasetBuildCli = defineCommand(
  "build [experiment]",
  "build a dataset as a run (resumable, recorded): from an experiment file with a sera-dataset stage, or --from-run <id>",
  (y) =>
    y
      .positional("experiment", { type: "string" })
      .option("from-run", { type: "string", array: true, describe: "a sera-generate run id (or ingest id, or prefix) already in the store" })
      .option("store", storeOptions.store)
      .options(setOption)
      .option("format", { choices: ["hermes", "xml", "raw"] as const })
      .option("trajectories", { choices: ["t1", "t2", "mix"] as const, describe: "T1 the self-check accepted, verified T2, or both" })
      .option("threshold", { type: "number", describe: "T2 needs line recall ≥ this (default: the generation run's own verdict)" })
      .option("budget", { type: "number", describe: "Qwen3 tokens per sample (default 32768)" })
      .option("ratio-floor", { type: "number", describe: "keep samples with truncation ratio ≥ this (default 0.88)" })
      .option("top-n", { type: "number", describe: "then keep at most this many, best ratio first" })
      .option("subsets", { type: "number", array: true, describe: "nested subset sizes, e.g. --subsets 400 750 1500" })
      .option("subset-order", {
        choices: ["truncation-ratio", "random"] as const,
        describe: "nested subsets: top N by truncation ratio (the paper's, default) or one seeded random order",
      })
      .option("seed", { type: "number", describe: "seed of the nested-subset order (random order, or ties among equal ratios)" })
      .option("where", { type: "string", describe: 'SQL condition over the rollouts, e.g. "steps <= 40"' })
      .option("max-patch-lines", { type: "number", describe: "enable the patch-size filter (paper: 40)" })
      .option("max-tool-output-tokens", { type: "number", describe: "enable the mean tool-output filter (paper: 600)" })
      .option("dedupe", { type: "boolean", describe: "drop identical patches (per phase)" })
      .option("enforce-submit", { type: "boolean", describe: "only trajectories with exit status submitted (default on; --no-enforce-submit)" })
      .option("retry-failed", { type: "boolean" }),
  (a) =>
    datasetBuildCommand({
      experiment: a.experiment,
      fromRun: a.fromRun,
      store: a.store,
      set: a.set,
      format: a.format,
      trajectories: a.trajectories,
      threshold: a.threshold,
      budget: a.budget,
      ratioFloor: a.ratioFloor,
      topN: a.topN,
      subsets: a.subsets,
      subsetOrder: a.subsetOrder,
      seed: a.seed,
      where: a.where,
      maxPatchLines: a.maxPatchLines,
      maxToolOutputTokens: a.maxToolOutputTokens,
      dedupe: a.dedupe,
      enforceSubmit: a.enforceSubmit,
      retryFailed: a.retryFailed,
    }),
);
