#!/usr/bin/env node
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { ConfigError, ExperimentBusyError, SERA_VERSION, StoreBusyError, exitQuietlyOnClosedPipe, exitWhenFlushed } from "@sera/core";
import "@sera/generation"; // registers the sera-generate stage and its tables
import "@sera/analysis"; // registers the paper-table stage
import "@sera/training"; // registers the sera-dataset and sera-train stages and the dataset / foreign-trajectory / checkpoint tables
import "@sera/evaluation"; // registers the sera-eval and swebench-harness stages and the evaluation tables
import { datasetBuildCommand } from "./commands/dataset-build.js";
import { datasetStatsCommand } from "./commands/dataset-stats.js";
import { ingestCommand } from "./commands/ingest.js";
import { claudeCommand } from "./commands/claude.js";
import { proxyCommand } from "./commands/proxy.js";
import { initCommand } from "./commands/init.js";
import { inventoryCommand } from "./commands/inventory.js";
import { modelServeCommand } from "./commands/model-serve.js";
import { quickstartCommand } from "./commands/quickstart.js";
import { verifyCommand } from "./commands/verify.js";
import { planCommand } from "./commands/plan.js";
import { queryCommand } from "./commands/query.js";
import { reportCommand } from "./commands/report.js";
import { runCommand } from "./commands/run.js";
import { runsShowCommand } from "./commands/runs-show.js";
import { statusCommand } from "./commands/status.js";
import { trainDryRunCommand, trainStandInCommand } from "./commands/train.js";
import { evalDryRunCommand } from "./commands/eval.js";
import { UsageError } from "./errors.js";

/**
 * The `sera` command. Exit codes: 0 ok, 1 some runs failed (or an unexpected error),
 * 2 a usage or configuration problem (always one line naming the file, field or value), 130 interrupted.
 */

let exitCode = 0;
const run = (work: () => Promise<number>) => async () => {
  exitCode = await work();
};

const storeOptions = {
  store: { type: "string", describe: "DuckDB store file (default: the experiment's, $SERA_STORE, or .sera/sera.duckdb)" },
  experiment: { alias: "e", type: "string", describe: "experiment file whose store to read" },
} as const;

const setOption = {
  set: { type: "string", array: true, describe: "override a value: --set stages.train.params.lr=0.01 (repeatable)" },
} as const;

async function main(): Promise<void> {
  const cli = yargs(hideBin(process.argv))
    .scriptName("sera")
    .usage(
      "$0 <command> [options]\n\nTurn repositories into soft-verified coding-agent trajectories, train and evaluate on them, and keep every run in DuckDB.",
    )
    .command(
      "quickstart",
      "run the whole SERA pipeline offline on a bundled demo repository with the scripted stand-in model",
      (y) =>
        y
          .option("dir", { type: "string", default: ".sera/quickstart", describe: "where the demo repository and experiment file go" })
          .option("functions", { type: "number", default: 12, describe: "functions to sample from the demo repository" })
          .option("concurrency", { type: "number", default: 4, describe: "instances in flight" })
          .option("latency-ms", { type: "number", default: 0, describe: "scripted model latency per turn" })
          .option("seeds", { type: "number", default: 1 }),
      (a) => run(() => quickstartCommand({ dir: a.dir, functions: a.functions, concurrency: a.concurrency, latencyMs: a.latencyMs, seeds: a.seeds }))(),
    )
    .command(
      "init <file>",
      "write a commented experiment file to start from",
      (y) => y.positional("file", { type: "string", demandOption: true }).option("name", { type: "string" }).option("force", { type: "boolean" }),
      (a) => run(() => initCommand({ file: a.file, name: a.name, force: a.force }))(),
    )
    .command(
      "plan <experiment>",
      "expand the sweep and list its runs (runs nothing)",
      (y) => y.positional("experiment", { type: "string", demandOption: true }).options(setOption).option("json", { type: "boolean" }),
      (a) => run(() => planCommand({ experiment: a.experiment, set: a.set, json: a.json }))(),
    )
    .command(
      "run <experiment>",
      "run (or resume) every run of the sweep; finished runs are skipped",
      (y) =>
        y
          .positional("experiment", { type: "string", demandOption: true })
          .options(setOption)
          .option("retry-failed", { type: "boolean", describe: "give failed runs a fresh retry budget" })
          .option("concurrency", { type: "number", describe: "override backend.concurrency" }),
      (a) => run(() => runCommand({ experiment: a.experiment, set: a.set, retryFailed: a.retryFailed, concurrency: a.concurrency }))(),
    )
    .command(
      "status [experiment]",
      "runs per stage and status, also while a run is in progress",
      (y) => y.positional("experiment", { type: "string" }).option("store", storeOptions.store).options(setOption).option("json", { type: "boolean" }),
      (a) => run(() => statusCommand({ experiment: a.experiment, store: a.store, set: a.set, json: a.json }))(),
    )
    .command(
      "query <sql>",
      "run SQL against the store (read-only)",
      (y) =>
        y
          .positional("sql", { type: "string", demandOption: true })
          .options(storeOptions)
          .option("json", { type: "boolean", conflicts: "csv" })
          .option("csv", { type: "boolean" }),
      (a) => run(() => queryCommand({ sql: a.sql, store: a.store, experiment: a.experiment, json: a.json, csv: a.csv }))(),
    )
    .command(
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
      (a) => run(() => reportCommand({ experiment: a.experiment, out: a.out, store: a.store, set: a.set, png: a.png, json: a.json }))(),
    )
    .command(
      "inventory <repo>",
      "list the functions and methods SERA can sample from a repository (tree-sitter; read from git)",
      (y) =>
        y
          .positional("repo", { type: "string", demandOption: true })
          .option("commit", { type: "string", default: "HEAD" })
          .option("languages", { type: "string", array: true })
          .option("max-depth", { type: "number", default: 3, describe: "folder depth below the code folder; 0 = no limit" })
          .option("code-folder", { type: "string" })
          .option("sample", { type: "number", default: 10 })
          .option("json", { type: "boolean" }),
      (a) =>
        run(() =>
          inventoryCommand({
            repo: a.repo,
            commit: a.commit,
            languages: a.languages,
            maxDepth: a.maxDepth,
            codeFolder: a.codeFolder,
            sample: a.sample,
            json: a.json,
          }),
        )(),
    )
    .command(
      "verify <patch1> <patch2>",
      "soft verification: line-level recall of patch 2 against patch 1",
      (y) =>
        y
          .positional("patch1", { type: "string", demandOption: true })
          .positional("patch2", { type: "string", demandOption: true })
          .option("threshold", { type: "number", default: 0.5 })
          .option("mode", { choices: ["header-aware", "legacy"] as const, default: "header-aware" as const })
          .option("json", { type: "boolean" }),
      (a) => run(() => verifyCommand({ patch1: a.patch1, patch2: a.patch2, threshold: a.threshold, mode: a.mode, json: a.json }))(),
    )
    .command("model", "model endpoints", (y) =>
      y
        .command(
          "serve",
          "serve the scripted stand-in model (OpenAI-compatible, deterministic; for tests and offline demos)",
          (z) =>
            z
              .option("scripted", { type: "boolean", describe: "required: the stand-in is the only built-in server" })
              .option("port", { type: "number", default: 8000 })
              .option("host", { type: "string", default: "127.0.0.1" })
              .option("seed", { type: "number", default: 0 })
              .option("latency-ms", { type: "number", default: 0 })
              .option("fault-5xx", { type: "number", default: 0 })
              .option("fault-timeout", { type: "number", default: 0 })
              .option("fault-malformed", { type: "number", default: 0 })
              .option("fault-hanging-stream", { type: "number", default: 0 })
              .option("reject-rate", { type: "number", default: 0.02 })
              .option("divergence-rate", { type: "number", default: 0 })
              .option("test-command", {
                type: "string",
                describe: "run this shell command first in every located rollout, as a teacher reproducing the bug would (e.g. the repository's tests)",
              })
              .option("impersonate", {
                type: "string",
                describe: "also answer to this model name (e.g. the teacher an experiment names, for a dry run); every row it feeds is still marked stand-in",
              }),
          (a) =>
            run(() =>
              modelServeCommand({
                scripted: a.scripted,
                port: a.port,
                host: a.host,
                seed: a.seed,
                latencyMs: a.latencyMs,
                fault5xx: a.fault5xx,
                faultTimeout: a.faultTimeout,
                faultMalformed: a.faultMalformed,
                faultHangingStream: a.faultHangingStream,
                rejectRate: a.rejectRate,
                divergenceRate: a.divergenceRate,
                testCommand: a.testCommand,
                impersonate: a.impersonate,
              }),
            )(),
        )
        .demandCommand(1, "name a model subcommand, e.g. sera model serve --scripted"),
    )
    .command("dataset", "SFT datasets from generated (or ingested) trajectories", (y) =>
      y
        .command(
          "build [experiment]",
          "build a dataset as a run (resumable, recorded): from an experiment file with a sera-dataset stage, or --from-run <id>",
          (z) =>
            z
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
            run(() =>
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
            )(),
        )
        .command(
          "stats <id>",
          "a dataset's card: counts, drops per filter, token and truncation-ratio histograms, lineage, files",
          (z) => z.positional("id", { type: "string", demandOption: true }).options(storeOptions).option("json", { type: "boolean" }),
          (a) => run(() => datasetStatsCommand({ id: a.id, store: a.store, experiment: a.experiment, json: a.json }))(),
        )
        .demandCommand(1, "name a dataset subcommand, e.g. sera dataset build --from-run <id>"),
    )
    .command(
      "ingest <path>",
      "record foreign trajectories (SWE-agent .traj/.pred/preds.json, mini-swe-agent .traj.json, SFT JSONL; a file or a directory) in the store",
      (y) =>
        y
          .positional("path", { type: "string", demandOption: true })
          .options(storeOptions)
          .option("wait", { type: "number", default: 60, describe: "seconds to wait while a coordinator holds the store" })
          .option("json", { type: "boolean" }),
      (a) => run(() => ingestCommand({ path: a.path, store: a.store, experiment: a.experiment, waitSeconds: a.wait, json: a.json }))(),
    )
    .command(
      "proxy",
      "serve the Anthropic Messages API for Claude Code in front of a SERA model on an OpenAI-compatible server (vLLM, SGLang)",
      (y) =>
        y
          .option("endpoint", { type: "string", demandOption: true, describe: "the model server's OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1" })
          .option("model", { type: "string", describe: "served model name (default: the one the endpoint lists)" })
          .option("port", { type: "number", default: 8082 })
          .option("host", { type: "string", default: "127.0.0.1" })
          .option("workdir", { type: "string", describe: "the repository /testbed stands for when Claude Code does not say (default: here)" })
          .option("record", { type: "boolean", describe: "keep each session as a trajectory and ingest it into the store when the proxy stops" })
          .option("api-key-env", { type: "string", describe: "environment variable holding the model server's API key" })
          .option("quiet", { type: "boolean" })
          .options(storeOptions),
      (a) =>
        run(() =>
          proxyCommand({
            endpoint: a.endpoint,
            model: a.model,
            port: a.port,
            host: a.host,
            workdir: a.workdir,
            record: a.record,
            store: a.store,
            experiment: a.experiment,
            apiKeyEnv: a.apiKeyEnv,
            quiet: a.quiet,
          }),
        )(),
    )
    .command(
      "claude",
      "run Claude Code on a SERA model through sera proxy: sera claude --endpoint URL [-- claude args]",
      (y) =>
        y
          .option("endpoint", { type: "string", describe: "the model server's OpenAI-compatible base URL" })
          .option("checkpoint", {
            type: "string",
            describe: "a sera-train run id (prefix): print (or --launch) the vLLM command for its final model and use it",
          })
          .option("launch", { type: "boolean", describe: "with --checkpoint: start vLLM here and stop it when Claude Code exits" })
          .option("model", { type: "string", describe: "served model name (default: the endpoint's, or sera)" })
          .option("port", { type: "number", default: 0, describe: "proxy port (default: a free one)" })
          .option("record", { type: "boolean", describe: "ingest the session into the store when Claude Code exits" })
          .option("api-key-env", { type: "string" })
          .option("vllm-port", { type: "number", default: 8000 })
          .option("max-model-len", { type: "number", default: 32768 })
          .option("tensor-parallel", { type: "number", default: 1 })
          .option("claude-bin", { type: "string", describe: "the Claude Code executable (default: claude on PATH)" })
          .options(storeOptions),
      (a) =>
        run(() =>
          claudeCommand({
            endpoint: a.endpoint,
            checkpoint: a.checkpoint,
            launch: a.launch,
            model: a.model,
            port: a.port,
            record: a.record,
            store: a.store,
            experiment: a.experiment,
            apiKeyEnv: a.apiKeyEnv,
            vllmPort: a.vllmPort,
            maxModelLen: a.maxModelLen,
            tensorParallel: a.tensorParallel,
            claudeBin: a.claudeBin,
            claudeArgs: a._.slice(1).map(String),
          }),
        )(),
    )
    .command("train", "training runs: preview their trainer configs and job scripts, or play the CPU stand-in trainer", (y) =>
      y
        .command(
          "$0 <experiment>",
          "print the trainer config and job script of every sera-train run (with --dry-run; training itself runs with sera run)",
          (z) =>
            z
              .positional("experiment", { type: "string", demandOption: true })
              .option("dry-run", { type: "boolean", describe: "required: render, print, write nothing" })
              .option("stage", { type: "string", describe: "only this stage's runs" })
              .option("samples", { type: "number", describe: "dataset size to assume when the dataset is not built yet" })
              .options(setOption),
          (a) => run(() => trainDryRunCommand({ experiment: a.experiment, dryRun: a.dryRun, stage: a.stage, set: a.set, samples: a.samples }))(),
        )
        .command(
          "stand-in",
          "the CPU stand-in trainer (not a trainer): reads a rendered axolotl/LLaMA-Factory config, prints trainer-style logs, writes stand-in checkpoints",
          (z) =>
            z
              .option("config", { type: "string", demandOption: true })
              .option("world-size", { type: "number", default: 1, describe: "GPUs the real job would use (global batch = micro × accumulation × this)" })
              .option("step-ms", { type: "number", default: 0, describe: "pause per step" })
              .option("crash-at-step", { type: "number", describe: "exit 75 once at this step (exercises retries and resume)" }),
          (a) => run(() => trainStandInCommand({ config: a.config, worldSize: a.worldSize, stepMs: a.stepMs, crashAtStep: a.crashAtStep }))(),
        ),
    )
    .command(
      "eval <experiment>",
      "print the vLLM serve command and SWE-bench harness command of every evaluation run (with --dry-run; evaluations run with sera run)",
      (y) =>
        y
          .positional("experiment", { type: "string", demandOption: true })
          .option("dry-run", { type: "boolean", describe: "required: render and print, start nothing" })
          .options(setOption),
      (a) => run(() => evalDryRunCommand({ experiment: a.experiment, dryRun: a.dryRun, set: a.set }))(),
    )
    .command("runs", "inspect runs", (y) =>
      y
        .command(
          "show <id>",
          "everything recorded about one run (an id prefix is enough)",
          (z) => z.positional("id", { type: "string", demandOption: true }).options(storeOptions).option("json", { type: "boolean" }),
          (a) => run(() => runsShowCommand({ id: a.id, store: a.store, experiment: a.experiment, json: a.json }))(),
        )
        .demandCommand(1, "name a runs subcommand, e.g. sera runs show <id>"),
    )
    .example("$0 quickstart", "generate soft-verified trajectories offline on a demo repository")
    .example("$0 init experiments/mine.yaml", "scaffold an experiment")
    .example("$0 plan experiments/demo.yaml", "see the runs a sweep expands to")
    .example("$0 run experiments/demo.yaml --set sweep.seeds=3", "run it (rerun to resume)")
    .example('$0 query "SELECT stage, status, count(*) FROM runs GROUP BY ALL"', "ask the store")
    .demandCommand(1, "name a command; see sera --help")
    .strict()
    .version(SERA_VERSION)
    .help()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((message, error) => {
      if (error) throw error;
      throw new UsageError(`${message} (see sera --help)`);
    });
  await cli.parseAsync();
}

// Every exit waits until stdout and stderr are drained: a plain process.exit drops whatever a slow
// pipe reader has not taken yet (a --json document piped to jq was cut at 64 KiB).
exitQuietlyOnClosedPipe();
main().then(
  () => exitWhenFlushed(exitCode),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof UsageError || error instanceof ExperimentBusyError || error instanceof StoreBusyError) {
      process.stderr.write(`sera: ${error.message}\n`);
      return exitWhenFlushed(2);
    }
    const message = error instanceof Error ? (process.env.SERA_DEBUG ? (error.stack ?? error.message) : error.message) : String(error);
    process.stderr.write(`sera: ${message}\n`);
    exitWhenFlushed(1);
  },
);
