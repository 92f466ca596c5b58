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

export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

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

export function sbatchOptions(input: BatchScriptInput): string[] {
  const { resources } = input;
  const options = [
    `--job-name=${directiveValue(input.jobName)}`,
    `--output=${directiveValue(`${input.attemptDir}/slurm-%j.out`)}`,
    `--error=${directiveValue(`${input.attemptDir}/slurm-%j.err`)}`,
    `--chdir=${directiveValue(input.workdir)}`,
    // sera retries a preempted or failed job itself, as a new attempt with its own directory.
    "--no-requeue",
  ];
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

export function renderBatchScript(input: BatchScriptInput): string {
  const lines = ["#!/bin/bash", `# sera attempt ${input.attemptDir}`];
  for (const option of sbatchOptions(input)) lines.push(`#SBATCH ${option}`);
  lines.push("");
  // Tells stages that the cluster's accounting books this job's GPU-/CPU-hours, so they need not.
  lines.push("export SERA_BACKEND=slurm");
  for (const [name, value] of Object.entries(input.env)) lines.push(`export ${name}=${shellQuote(value)}`);
  lines.push(...input.setup);
  // exec: the worker becomes the batch step's main process, so scancel's SIGTERM reaches it directly.
  lines.push(`exec ${shellQuote(input.node)} ${shellQuote(input.workerScript)} ${shellQuote(input.attemptDir)}`, "");
  return lines.join("\n");
}
