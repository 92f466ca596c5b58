#!/usr/bin/env node
import { fileURLToPath } from "node:url";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { ConfigError, ExperimentBusyError, SERA_VERSION, StoreBusyError, exitQuietlyOnClosedPipe, exitWhenFlushed, setSeraInvocation } from "@sera/core";
import "@sera/generation"; // registers the sera-generate stage and its tables
import "@sera/analysis"; // registers the paper-table stage
import "@sera/training"; // registers the sera-dataset and sera-train stages and the dataset / foreign-trajectory / checkpoint tables
import "@sera/evaluation"; // registers the sera-eval and swebench-harness stages and the evaluation tables
import { defineGroup, type SeraCommand } from "./command.js";
import { claudeCli } from "./commands/claude.js";
import { datasetBuildCli } from "./commands/dataset-build.js";
import { datasetStatsCli } from "./commands/dataset-stats.js";
import { evalCli } from "./commands/eval.js";
import { ingestCli } from "./commands/ingest.js";
import { initCli } from "./commands/init.js";
import { inventoryCli } from "./commands/inventory.js";
import { modelServeCli } from "./commands/model-serve.js";
import { planCli } from "./commands/plan.js";
import { proxyCli } from "./commands/proxy.js";
import { queryCli } from "./commands/query.js";
import { quickstartCli } from "./commands/quickstart.js";
import { reportCli } from "./commands/report.js";
import { runCli } from "./commands/run.js";
import { runsShowCli } from "./commands/runs-show.js";
import { statusCli } from "./commands/status.js";
import { trainDryRunCli, trainStandInCli } from "./commands/train.js";
import { verifyCli } from "./commands/verify.js";
import { UsageError } from "./errors.js";

/**
 * The `sera` command. Exit codes: 0 ok, 1 some runs failed (or an unexpected error),
 * 2 a usage or configuration problem (always one line naming the file, field or value), 130 interrupted.
 */

let exitCode = 0;
const setExitCode = (code: number) => {
  exitCode = code;
};

/** Every command, in the order `sera --help` lists them; each is defined in its own module under commands/. */
const commands: SeraCommand[] = [
  quickstartCli,
  initCli,
  planCli,
  runCli,
  statusCli,
  queryCli,
  reportCli,
  inventoryCli,
  verifyCli,
  defineGroup("model", "model endpoints", [modelServeCli], "name a model subcommand, e.g. sera model serve --scripted"),
  defineGroup(
    "dataset",
    "SFT datasets from generated (or ingested) trajectories",
    [datasetBuildCli, datasetStatsCli],
    "name a dataset subcommand, e.g. sera dataset build --from-run <id>",
  ),
  ingestCli,
  proxyCli,
  claudeCli,
  defineGroup("train", "training runs: preview their trainer configs and job scripts, or play the CPU stand-in trainer", [trainDryRunCli, trainStandInCli]),
  evalCli,
  defineGroup("runs", "inspect runs", [runsShowCli], "name a runs subcommand, e.g. sera runs show <id>"),
];

async function main(): Promise<void> {
  let cli = yargs(hideBin(process.argv))
    .scriptName("sera")
    .usage(
      "$0 <command> [options]\n\nTurn repositories into soft-verified coding-agent trajectories, train and evaluate on them, and keep every run in DuckDB.",
    );
  for (const command of commands) cli = command.register(cli, setExitCode);
  cli = cli
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

// Jobs that start `sera` themselves ({sera} in stand-in commands) start this very CLI; core cannot
// look it up by package name, so the CLI says where it is.
setSeraInvocation([process.execPath, fileURLToPath(new URL("../bin/sera.js", import.meta.url))]);

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
