import { experimentDir, loadExperiment, runExperiment, type LoadedExperiment, type PlannedRun, type RunEvent, type RunReport } from "@sera/core";
import { ProgressDisplay } from "../progress.js";
import { formatTable } from "../table.js";
import { defineCommand } from "../command.js";
import { setOption } from "../options.js";
import { loadStagePackagesFor, stageKindsOf } from "../stage-packages.js";
import { budgetLine, budgetOption, parseBudgetUsd } from "../budget-option.js";

const symbols: Record<string, string> = {
  submitted: "→",
  running: "▶",
  succeeded: "✓",
  failed: "✗",
  timeout: "⏱",
  lost: "?",
  interrupted: "■",
  skipped: "-",
  retry_scheduled: "↻",
  reattached: "⇄",
};

function describe(run: PlannedRun, event: RunEvent): string | null {
  if (event.event === "queued" || event.event === "running") return null;
  const seed = run.seed === null ? "" : ` seed=${run.seed}`;
  const swept = Object.entries(run.sweep)
    .map(([k, v]) => ` ${k.slice(2)}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join("");
  const detail = event.detail ?? {};
  const extra =
    event.event === "succeeded"
      ? ` ${Number(detail.wallSeconds ?? 0).toFixed(1)}s`
      : event.event === "retry_scheduled"
        ? ` retry in ${detail.inSeconds}s`
        : typeof detail.error === "string"
          ? `: ${detail.error}${typeof detail.reason === "string" ? ` — ${detail.reason}` : ""}`
          : "";
  return `${symbols[event.event] ?? "·"} ${run.stage} ${run.id.slice(0, 10)}${seed}${swept} [attempt ${event.attempt}] ${event.event}${extra}`;
}

export async function runCommand(args: {
  experiment: string;
  set?: string[];
  retryFailed?: boolean;
  concurrency?: number;
  budgetUsd?: number;
}): Promise<number> {
  const overrides = [...(args.set ?? [])];
  if (args.concurrency) overrides.push(`backend.concurrency=${args.concurrency}`);
  const loaded = loadExperiment(args.experiment, { overrides });
  await loadStagePackagesFor(stageKindsOf(loaded.config));
  const report = await runWithDisplay(loaded, { retryFailed: args.retryFailed, budgetUsd: args.budgetUsd });
  const rows = Object.entries(report.counts).map(([status, runs]) => ({ status, runs }));
  process.stdout.write(`\n${formatTable(rows)}\n\n${report.total} runs; store: ${report.store}\nrun files: ${report.dir}\n`);
  if (report.corruptFiles.length > 0)
    process.stdout.write(
      `${report.corruptFiles.length} damaged journal file${report.corruptFiles.length > 1 ? "s" : ""} (each reported above with what was done)\n`,
    );
  if (report.budget) process.stdout.write(budgetLine(report.budget));
  if (report.exitCode === 1 && (report.counts.failed ?? 0) + (report.counts.skipped ?? 0) > 0)
    process.stdout.write(
      `some runs did not succeed; see them with: sera query -e ${args.experiment} "SELECT id, stage, status, error FROM runs WHERE status <> 'succeeded'"\n`,
    );
  return report.exitCode;
}

/** Run an experiment with event lines, progress bars and clean Ctrl-C handling. */
export async function runWithDisplay(
  loaded: LoadedExperiment,
  options: { retryFailed?: boolean; stopWorkersWithCoordinator?: boolean; budgetUsd?: number } = {},
): Promise<RunReport> {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (name: string) => {
    signals++;
    if (signals > 1) process.exit(130);
    process.stderr.write(`\n${name}: stopping; running jobs are being cancelled (press again to quit at once)\n`);
    controller.abort();
  };
  const sigint = () => onSignal("SIGINT");
  const sigterm = () => onSignal("SIGTERM");
  process.on("SIGINT", sigint);
  process.on("SIGTERM", sigterm);
  const display = new ProgressDisplay(experimentDir(loaded));
  try {
    return await runExperiment(loaded, {
      retryFailed: options.retryFailed,
      stopWorkersWithCoordinator: options.stopWorkersWithCoordinator,
      budgetUsd: options.budgetUsd,
      signal: controller.signal,
      onEvent: (run, event) => {
        display.onEvent(run, event);
        const line = describe(run, event);
        if (line) display.log(line);
      },
    });
  } finally {
    display.stop();
    process.off("SIGINT", sigint);
    process.off("SIGTERM", sigterm);
  }
}

export const runCli = defineCommand(
  "run <experiment>",
  "run (or resume) every run of the sweep; finished runs are skipped",
  (y) =>
    y
      .positional("experiment", { type: "string", demandOption: true })
      .options(setOption)
      .option("retry-failed", { type: "boolean", describe: "give failed runs a fresh retry budget" })
      .option("concurrency", { type: "number", describe: "override backend.concurrency" })
      .options(budgetOption),
  (a) => runCommand({ experiment: a.experiment, set: a.set, retryFailed: a.retryFailed, concurrency: a.concurrency, budgetUsd: parseBudgetUsd(a.budgetUsd) }),
);
