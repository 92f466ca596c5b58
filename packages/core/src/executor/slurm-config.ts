import { z } from "zod";

/**
 * Experiment-file settings for cluster backends. Resources are written in Slurm's vocabulary
 * because that is what most clusters speak; the Ray backend maps the portable part (GPUs, CPUs,
 * memory) onto its entrypoint resources and ignores the Slurm-only fields.
 */

const slurmName = /^[A-Za-z0-9_.,:+-]+$/;
const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Slurm time limits: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS. */
const slurmTime = /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d{1,2}|\d+-\d{1,2}:\d{1,2}|\d+-\d{1,2}:\d{1,2}:\d{1,2})$/;

export const jobResourcesSchema = z
  .object({
    nodes: z.number().int().min(1).optional(),
    tasksPerNode: z.number().int().min(1).optional(),
    /** GPUs per node, requested as a generic resource (`--gres=gpu[:type]:N`). */
    gpus: z.number().int().min(0).optional(),
    gpuType: z.string().regex(slurmName, "a GPU type such as a100 or h100").optional(),
    cpusPerTask: z.number().int().min(1).optional(),
    /** Memory per node with a K/M/G/T suffix, e.g. 64G. */
    memory: z
      .string()
      .regex(/^\d+[KMGT]?$/, "a size such as 64G or 512M")
      .optional(),
    /** Wall-clock limit: minutes (a number) or a Slurm time string such as 2-00:00:00. */
    time: z.union([z.number().int().positive(), z.string().regex(slurmTime, "minutes, HH:MM:SS or D-HH:MM:SS")]).optional(),
    partition: z.string().regex(slurmName, "a partition name").optional(),
    account: z.string().regex(slurmName, "an account name").optional(),
    qos: z.string().regex(slurmName, "a QOS name").optional(),
    constraint: z
      .string()
      .regex(/^[^\n'"]+$/, "a feature expression on one line")
      .optional(),
    /** Further sbatch options, one per entry, e.g. "--exclusive" or "--reservation=big". */
    directives: z.array(z.string().regex(/^--?[A-Za-z][^\n]*$/, "an sbatch option such as --exclusive")).optional(),
  })
  .strict();
export type JobResources = z.infer<typeof jobResourcesSchema>;

/** Backend-wide resources, overridden field by field by a stage's `resources`; directives add up. */
export function mergeResources(base: JobResources, stage: JobResources | undefined): JobResources {
  if (!stage) return base;
  const merged: JobResources = { ...base, ...stage };
  if (base.directives || stage.directives) merged.directives = [...(base.directives ?? []), ...(stage.directives ?? [])];
  return merged;
}

export const clusterPricesSchema = z
  .object({
    /** Dollars per GPU-hour and per CPU-hour, so accounting lines carry a price. */
    gpuHour: z.number().min(0).optional(),
    cpuHour: z.number().min(0).optional(),
  })
  .strict();
export type ClusterPrices = z.infer<typeof clusterPricesSchema>;

export const slurmBackendSchema = z
  .object({
    kind: z.literal("slurm"),
    /** Jobs sera keeps queued or running at once. */
    concurrency: z.number().int().min(1).default(32),
    /** Defaults for every stage; a stage's own `resources:` overrides them. */
    resources: jobResourcesSchema.default({}),
    /** Exported in the batch script, before the worker starts. */
    env: z.record(z.string().regex(envName, "an environment variable name"), z.string()).default({}),
    /** Shell lines run before the worker, e.g. "module load nodejs/20". */
    setup: z.array(z.string().regex(/^[^\n]*$/, "one line")).default([]),
    /** The batch job's working directory; default: where sera runs. Must exist on the compute nodes. */
    workdir: z.string().optional(),
    /** Node.js on the compute nodes; default: the coordinator's own (a shared filesystem is assumed). */
    node: z.string().optional(),
    /** sera's worker-main.js as the compute nodes see it; default: this installation's path. */
    workerScript: z.string().optional(),
    /** Prefix of Slurm job names (`<prefix>-<stage>-<run id>`). */
    jobName: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/)
      .default("sera"),
    /** How often squeue is asked about sera's jobs (one call covers all of them). */
    pollSeconds: z.number().positive().default(2),
    /**
     * How long a finished job whose worker started may take to show its result.json before the
     * attempt counts as lost; shared filesystems can hide a new file from other hosts for a while.
     */
    resultGraceSeconds: z.number().min(0).default(15),
    prices: clusterPricesSchema.default({}),
    /**
     * Submit runs that become ready together and ask for the same resources as one job array
     * (`<id>_<task>` per run), which is gentler on the controller than one sbatch per run.
     */
    arrays: z.boolean().default(true),
  })
  .strict();
export type SlurmBackendConfig = z.infer<typeof slurmBackendSchema>;
