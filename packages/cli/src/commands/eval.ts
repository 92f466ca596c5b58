import path from "node:path";
import { expandSweep, experimentDir, loadExperiment, readJson, runPaths, shellQuote } from "@sera/core";
import { evalParamsSchema, harnessArgv, harnessParamsSchema, vllmServeArgv } from "@sera/evaluation";
import { UsageError } from "../errors.js";
import { sbatchPreview } from "./slurm-preview.js";
import { defineCommand } from "../command.js";
import { setOption } from "../options.js";

/**
 * `sera eval --dry-run <experiment>`: for every evaluation run of the sweep, the vLLM command that
 * would serve its checkpoint (context length, hermes tool parser) and, for harness runs, the
 * official SWE-bench harness command; on Slurm, also the sbatch script of each. Nothing is started.
 */

export async function evalDryRunCommand(args: { experiment: string; dryRun?: boolean; set?: string[] }): Promise<number> {
  if (!args.dryRun) throw new UsageError("sera eval only previews (--dry-run); evaluations run as stages: sera run <experiment>");
  const loaded = loadExperiment(args.experiment, { overrides: args.set });
  const plan = expandSweep(loaded);
  const dir = experimentDir(loaded);
  const runs = plan.runs.filter((run) => run.kind === "sera-eval" || run.kind === "swebench-harness");
  if (runs.length === 0) throw new UsageError(`${args.experiment}: no sera-eval or swebench-harness runs`);
  for (const run of runs) {
    const swept = Object.entries(run.sweep)
      .map(([key, value]) => ` ${key.slice(2)}=${JSON.stringify(value)}`)
      .join("");
    process.stdout.write(`# run ${run.id} — stage ${run.stage} (${run.kind}), seed ${run.seed ?? "-"}${swept}\n`);
    const outDir = runPaths(dir, run.id).outDir;
    if (run.kind === "sera-eval") {
      const params = evalParamsSchema.parse(run.params);
      const trainStage = params.model.trainStage ?? Object.keys(run.upstream).find((stage) => stage !== params.tasks.fromGeneration);
      const trained = trainStage ? readJson<{ model?: string }>(path.join(runPaths(dir, run.upstream[trainStage]).outDir, "train.json"))?.model : undefined;
      const checkpoint =
        params.model.checkpoint ?? trained ?? (trainStage ? path.join(runPaths(dir, run.upstream[trainStage]).outDir, "model") : "<checkpoint>");
      if (params.serve.endpoint) process.stdout.write(`# served elsewhere: ${params.serve.endpoint}\n`);
      else {
        const argv = vllmServeArgv({
          checkpoint: params.serve.endpoint ?? checkpoint,
          servedName: params.model.name,
          host: params.serve.host,
          port: 8000,
          maxModelLen: params.contextLength,
          tensorParallel: params.serve.tensorParallel,
          enforceEager: params.serve.enforceEager,
          seed: run.seed,
          extraArgs: params.serve.extraArgs,
        });
        process.stdout.write(`${argv.map(shellQuote).join(" ")}\n`);
        if (params.serve.command) process.stdout.write(`# serve.command replaces it when run (port chosen then): ${params.serve.command}\n`);
      }
      process.stdout.write(
        `# ${params.suite} tasks: ${params.tasks.file ?? params.tasks.fromGeneration ?? params.tasks.generationDir}; predictions → ${path.join(outDir, "predictions.jsonl")}\n`,
      );
    } else {
      const params = harnessParamsSchema.parse(run.params);
      const evalStage = params.evalStage ?? Object.keys(run.upstream)[0];
      const predictions = params.predictions ?? (evalStage ? path.join(runPaths(dir, run.upstream[evalStage]).outDir, "predictions.jsonl") : "<predictions>");
      if (params.mode === "import") process.stdout.write(`# imports the reports under ${params.reports}\n`);
      else {
        process.stdout.write(
          `cd ${shellQuote(path.join(outDir, "harness"))} && ${harnessArgv(params, predictions, params.harnessRunId ?? `sera-${run.id}`)
            .map(shellQuote)
            .join(" ")}\n`,
        );
        if (params.mode === "render") process.stdout.write("# mode render: written to harness.sh, not run\n");
      }
    }
    process.stdout.write(`${sbatchPreview(loaded, dir, run)}\n`);
  }
  process.stdout.write(`${runs.length} evaluation run${runs.length === 1 ? "" : "s"} previewed; nothing was started.\n`);
  return 0;
}

export const evalCli = defineCommand(
  "eval <experiment>",
  "print the vLLM serve command and SWE-bench harness command of every evaluation run (with --dry-run; evaluations run with sera run)",
  (y) =>
    y
      .positional("experiment", { type: "string", demandOption: true })
      .option("dry-run", { type: "boolean", describe: "required: render and print, start nothing" })
      .options(setOption),
  (a) => evalDryRunCommand({ experiment: a.experiment, dryRun: a.dryRun, set: a.set }),
);
