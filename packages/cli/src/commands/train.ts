import path from "node:path";
import { expandSweep, experimentDir, loadExperiment, runPaths } from "@sera/core";
import { previewTraining, runStandInTrainer, trainParamsSchema } from "@sera/training";
import { UsageError } from "../errors.js";
import { sbatchPreview } from "./slurm-preview.js";
import { defineCommand } from "../command.js";
import { setOption } from "../options.js";

/**
 * `sera train --dry-run <experiment>`: print, for every training run of the sweep, the trainer
 * config, the job script it would launch and, on Slurm, the sbatch script — nothing is written or run. Training itself runs as
 * a stage with `sera run`. `sera train stand-in` is the CPU stand-in trainer that example
 * experiments put in place of a real GPU trainer.
 */

export async function trainDryRunCommand(args: { experiment: string; dryRun?: boolean; stage?: string; set?: string[]; samples?: number }): Promise<number> {
  if (!args.dryRun) throw new UsageError("sera train only previews (--dry-run); training runs as a stage: sera run <experiment>");
  if (args.samples !== undefined && !(Number.isInteger(args.samples) && args.samples > 0))
    throw new UsageError(`--samples: expected a positive whole number, got ${args.samples}`);
  const loaded = loadExperiment(args.experiment, { overrides: args.set });
  const plan = expandSweep(loaded);
  const dir = experimentDir(loaded);
  const runs = plan.runs.filter((run) => run.kind === "sera-train" && (!args.stage || run.stage === args.stage));
  if (runs.length === 0) throw new UsageError(`${args.experiment}: no sera-train runs${args.stage ? ` in stage ${args.stage}` : ""}`);
  for (const run of runs) {
    const params = trainParamsSchema.parse(run.params);
    const upstream = Object.fromEntries(Object.entries(run.upstream).map(([stage, id]) => [stage, { outDir: runPaths(dir, id).outDir }]));
    const outDir = runPaths(dir, run.id).outDir;
    let preview;
    try {
      preview = await previewTraining(params, { outDir, seed: run.seed, upstream }, args.samples);
    } catch (error) {
      throw new UsageError(`stage ${run.stage} run ${run.id}: ${(error as Error).message}`);
    }
    const swept = Object.entries(run.sweep)
      .map(([key, value]) => ` ${key.slice(2)}=${JSON.stringify(value)}`)
      .join("");
    const { warmup } = preview.plan;
    process.stdout.write(
      `# run ${run.id} — stage ${run.stage}, seed ${run.seed ?? "-"}${swept}\n` +
        `# ${warmup.samples} samples (from ${preview.samplesFrom}) → ${warmup.totalSteps} steps, ${warmup.warmupSteps} warmup steps = warmup_ratio ${warmup.warmupRatio}\n` +
        (params.launcher.command ? `# launcher.command replaces the launch below when run: ${params.launcher.command}\n` : ""),
    );
    for (const file of preview.files) process.stdout.write(`\n## ${path.relative(process.cwd(), file.path) || file.path}\n${file.text}`);
    // On Slurm, the job sera submits; the worker it starts runs the launch script above.
    process.stdout.write(sbatchPreview(loaded, dir, run));
    process.stdout.write("\n");
  }
  process.stdout.write(`${runs.length} training run${runs.length === 1 ? "" : "s"} previewed; nothing was written or run.\n`);
  return 0;
}

export async function trainStandInCommand(args: { config: string; worldSize: number; stepMs: number; crashAtStep?: number }): Promise<number> {
  if (!(Number.isInteger(args.worldSize) && args.worldSize > 0)) throw new UsageError(`--world-size: expected a positive whole number, got ${args.worldSize}`);
  return runStandInTrainer({
    config: args.config,
    worldSize: args.worldSize,
    stepMs: args.stepMs,
    crashAtStep: args.crashAtStep,
    write: (text) => process.stdout.write(text),
  });
}

export const trainDryRunCli = defineCommand(
  "$0 <experiment>",
  "print the trainer config and job script of every sera-train run (with --dry-run; training itself runs with sera run)",
  (y) =>
    y
      .positional("experiment", { type: "string", demandOption: true })
      .option("dry-run", { type: "boolean", describe: "required: render, print, write nothing" })
      .option("stage", { type: "string", describe: "only this stage's runs" })
      .option("samples", { type: "number", describe: "dataset size to assume when the dataset is not built yet" })
      .options(setOption),
  (a) => trainDryRunCommand({ experiment: a.experiment, dryRun: a.dryRun, stage: a.stage, set: a.set, samples: a.samples }),
);

export const trainStandInCli = defineCommand(
  "stand-in",
  "the CPU stand-in trainer (not a trainer): reads a rendered axolotl/LLaMA-Factory config, prints trainer-style logs, writes stand-in checkpoints",
  (y) =>
    y
      .option("config", { type: "string", demandOption: true })
      .option("world-size", { type: "number", default: 1, describe: "GPUs the real job would use (global batch = micro × accumulation × this)" })
      .option("step-ms", { type: "number", default: 0, describe: "pause per step" })
      .option("crash-at-step", { type: "number", describe: "exit 75 once at this step (exercises retries and resume)" }),
  (a) => trainStandInCommand({ config: a.config, worldSize: a.worldSize, stepMs: a.stepMs, crashAtStep: a.crashAtStep }),
);
