import { z } from "zod";
import { clusterPricesSchema, jobResourcesSchema } from "./slurm-config.js";

/**
 * Experiment-file settings for the Ray Jobs backend. Secrets never appear here: extra headers
 * (for an authenticating proxy in front of the dashboard) name environment variables instead.
 */
export const rayBackendSchema = z
  .object({
    kind: z.literal("ray"),
    /** The Ray dashboard (Jobs API) address. */
    address: z.string().url().default("http://127.0.0.1:8265"),
    concurrency: z.number().int().min(1).default(16),
    /** gpus → entrypoint_num_gpus, cpusPerTask → entrypoint_num_cpus, memory → entrypoint_memory; Slurm-only fields are ignored. */
    resources: jobResourcesSchema.default({}),
    /** runtime_env.env_vars for every job. */
    env: z.record(z.string(), z.string()).default({}),
    /** Passed through as the job's runtime_env (pip, conda, py_modules, …); sera adds env_vars and working_dir. */
    runtimeEnv: z.record(z.string(), z.unknown()).default({}),
    /**
     * A local directory to zip and upload through the package API as the job's working_dir. Jobs
     * whose cwd lies inside it run in the unpacked copy. The experiment directory itself must still
     * be on a filesystem the cluster shares: the worker reads job.json and writes results there.
     */
    uploadWorkingDir: z.string().optional(),
    /** Node.js and sera's worker script as the cluster sees them; defaults assume a shared filesystem. */
    node: z.string().default("node"),
    workerScript: z.string().optional(),
    /** HTTP header → name of the environment variable holding its value. */
    headersFromEnv: z.record(z.string(), z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default({}),
    /** Check the dashboard's TLS certificate (https addresses); turn off only for self-signed test clusters. */
    tlsVerify: z.boolean().default(true),
    pollSeconds: z.number().positive().default(2),
    requestTimeoutSeconds: z.number().positive().default(30),
    /** DELETE finished jobs from the cluster once sera has their result and logs. */
    deleteFinished: z.boolean().default(false),
    /**
     * How long a finished job whose worker started may take to show its result.json before the
     * attempt counts as lost; shared filesystems can hide a new file from other hosts for a while.
     */
    resultGraceSeconds: z.number().min(0).default(15),
    prices: clusterPricesSchema.default({}),
  })
  .strict();
export type RayBackendConfig = z.infer<typeof rayBackendSchema>;
