#!/usr/bin/env node
import { fileURLToPath } from "node:url";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { ConfigError, ExperimentBusyError, SERA_VERSION, StoreBusyError, exitQuietlyOnClosedPipe, exitWhenFlushed, setSeraInvocation } from "@sera/core";
import type { SeraCommand } from "./command.js";
import { runCli } from "./commands/run.js";
import { UsageError } from "./errors.js";
import { loadAllStagePackages } from "./stage-packages.js";

/**
 * The `sera` command. Exit codes: 0 ok, 1 some runs failed (or an unexpected error),
 * 2 a usage or configuration problem (always one line naming the file, field or value), 130 interrupted.
 */

let exitCode = 0;
const setExitCode = (code: number) => {
  exitCode = code;
};

/**
 * The commands this invocation can name. `sera run` is what every invocation of a sweep pays for,
 * so it loads its own command alone, and only the stage packages its experiment names (runCommand);
 * any other command loads every command and every stage package.
 */
async function commandsFor(word: string | undefined): Promise<readonly SeraCommand[]> {
  if (word === "run") return [runCli];
  const [{ allCommands }] = await Promise.all([import("./commands/all.js"), loadAllStagePackages()]);
  return allCommands;
}

async function main(): Promise<void> {
  const words = hideBin(process.argv);
  let cli = yargs(words)
    .scriptName("sera")
    .usage(
      "$0 <command> [options]\n\nTurn repositories into soft-verified coding-agent trajectories, train and evaluate on them, and keep every run in DuckDB.",
    );
  for (const command of await commandsFor(words[0])) cli = command.register(cli, setExitCode);
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
