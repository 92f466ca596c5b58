import { shellQuote } from "./shell.js";
import type { JobResources } from "./slurm-config.js";

/**
 * The batch script of one attempt. It only starts sera's worker on the attempt directory, so a
 * Slurm job writes the same journal files (started.json, logs, metrics, result.json) as a local
 * one; everything run-specific stays in job.json. Resources become #SBATCH lines, which keeps
 * the script readable on its own (`sera` leaves it in the attempt directory as slurm-job.sh).
 */

export interface BatchScriptInput {
  attemptDir: string;
  jobName: string;
  resources: JobResources;
  /** The run's own wall-clock limit; the Slurm limit gets a margin so the worker's timeout fires first. */
  timeoutSeconds: number | null;
  env: Record<string, string>;
  setup: string[];
  workdir: string;
  node: string;
  workerScript: string;
}

/** Minutes of Slurm time limit beyond the run's own timeout, so the worker can report it. */
export const TIME_MARGIN_MINUTES = 5;

/** sbatch reads #SBATCH values with its own tokenizer, which honours double quotes. */
function directiveValue(value: string): string {
  if (/["\n]/.test(value)) throw new Error(`cannot pass ${JSON.stringify(value)} to sbatch: it contains a double quote or newline`);
  return /\s/.test(value) ? `"${value}"` : value;
}

export function slurmTimeLimit(resources: JobResources, timeoutSeconds: number | null): string | null {
  if (resources.time !== undefined) return String(resources.time);
  if (timeoutSeconds === null) return null;
  return String(Math.ceil(timeoutSeconds / 60) + TIME_MARGIN_MINUTES);
}

/** The options that decide where and how long a job runs; attempts that share them can share a job array. */
export function resourceOptions(input: BatchScriptInput): string[] {
  const { resources } = input;
  // sera retries a preempted or failed job itself, as a new attempt with its own directory.
  const options = [`--chdir=${directiveValue(input.workdir)}`, "--no-requeue"];
  if (resources.partition) options.push(`--partition=${resources.partition}`);
  if (resources.account) options.push(`--account=${resources.account}`);
  if (resources.qos) options.push(`--qos=${resources.qos}`);
  if (resources.nodes) options.push(`--nodes=${resources.nodes}`);
  if (resources.tasksPerNode) options.push(`--ntasks-per-node=${resources.tasksPerNode}`);
  if (resources.cpusPerTask) options.push(`--cpus-per-task=${resources.cpusPerTask}`);
  if (resources.memory) options.push(`--mem=${resources.memory}`);
  if (resources.gpus) options.push(`--gres=gpu:${resources.gpuType ? `${resources.gpuType}:` : ""}${resources.gpus}`);
  if (resources.constraint) options.push(`--constraint=${directiveValue(resources.constraint)}`);
  const time = slurmTimeLimit(resources, input.timeoutSeconds);
  if (time) options.push(`--time=${time}`);
  options.push(...(resources.directives ?? []));
  return options;
}

export function sbatchOptions(input: BatchScriptInput): string[] {
  return [
    `--job-name=${directiveValue(input.jobName)}`,
    `--output=${directiveValue(`${input.attemptDir}/slurm-%j.out`)}`,
    `--error=${directiveValue(`${input.attemptDir}/slurm-%j.err`)}`,
    ...resourceOptions(input),
  ];
}

/** The lines after the directives: environment, setup, then the worker on `attemptDirExpr` (a shell word). */
function workerLines(input: BatchScriptInput, attemptDirExpr: string): string[] {
  // Tells stages that the cluster's accounting books this job's GPU-/CPU-hours, so they need not.
  const lines = ["export SERA_BACKEND=slurm"];
  for (const [name, value] of Object.entries(input.env)) lines.push(`export ${name}=${shellQuote(value)}`);
  lines.push(...input.setup);
  // exec: the worker becomes the batch step's main process, so scancel's SIGTERM reaches it directly.
  lines.push(`exec ${shellQuote(input.node)} ${shellQuote(input.workerScript)} ${attemptDirExpr}`, "");
  return lines;
}

export function renderBatchScript(input: BatchScriptInput): string {
  const lines = ["#!/bin/bash", `# sera attempt ${input.attemptDir}`];
  for (const option of sbatchOptions(input)) lines.push(`#SBATCH ${option}`);
  lines.push("", ...workerLines(input, shellQuote(input.attemptDir)));
  return lines.join("\n");
}

/**
 * One job array for attempts that share their resource options: task i runs the worker on the
 * i-th attempt directory. The directories are written into the script, which sbatch copies at
 * submission, so nothing the array reads later can change under it. Each task sends its output
 * to slurm-<array id>_<index>.out/.err in its own attempt directory, the names a single job's
 * logs would have with that job id. `schedulerLog` gets what comes before that redirection and
 * slurmstepd's own messages (a memory kill, a cancellation), which never pass through it.
 */
export function renderArrayScript(inputs: BatchScriptInput[], jobName: string, schedulerLog: string): string {
  const first = inputs[0];
  const lines = ["#!/bin/bash", `# sera job array: ${inputs.length} attempts`];
  lines.push(`#SBATCH --job-name=${directiveValue(jobName)}`);
  lines.push(`#SBATCH --array=0-${inputs.length - 1}`);
  lines.push(`#SBATCH --output=${directiveValue(schedulerLog)}`);
  for (const option of resourceOptions(first)) lines.push(`#SBATCH ${option}`);
  lines.push("", "attempts=(");
  for (const input of inputs) lines.push(`  ${shellQuote(input.attemptDir)}`);
  lines.push(")", "attempt=${attempts[$SLURM_ARRAY_TASK_ID]}");
  lines.push('log="$attempt/slurm-${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"', 'exec >"$log.out" 2>"$log.err"');
  lines.push(...workerLines(first, '"$attempt"'));
  return lines.join("\n");
}
