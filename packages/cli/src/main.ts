#!/usr/bin/env node
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { ConfigError, ExperimentBusyError, SERA_VERSION, StoreBusyError } from "@sera/core";
import { initCommand } from "./commands/init.js";
import { planCommand } from "./commands/plan.js";
import { queryCommand } from "./commands/query.js";
import { runCommand } from "./commands/run.js";
import { runsShowCommand } from "./commands/runs-show.js";
import { statusCommand } from "./commands/status.js";
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
    .usage("$0 <command> [options]\n\nTurn repositories into soft-verified coding-agent trajectories, train and evaluate on them, and keep every run in DuckDB.")
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

main().then(
  () => process.exit(exitCode),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof UsageError || error instanceof ExperimentBusyError || error instanceof StoreBusyError) {
      process.stderr.write(`sera: ${error.message}\n`);
      process.exit(2);
    }
    const message = error instanceof Error ? (process.env.SERA_DEBUG ? (error.stack ?? error.message) : error.message) : String(error);
    process.stderr.write(`sera: ${message}\n`);
    process.exit(1);
  },
);
