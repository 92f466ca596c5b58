import { z } from "zod";
import { rayBackendSchema } from "../executor/ray-config.js";
import { jobResourcesSchema, slurmBackendSchema } from "../executor/slurm-config.js";

/**
 * The experiment file: one YAML document that drives a sweep. Every mapping is strict, so a
 * misspelt key is an error rather than a silently ignored setting. Stage `params` are checked
 * separately by the stage's own handler (see stages/registry.ts).
 */

const nameRule = /^[A-Za-z][A-Za-z0-9_-]*$/;

export const localBackendSchema = z
  .object({
    kind: z.literal("local"),
    /** How many runs execute at once on this machine. */
    concurrency: z.number().int().min(1).default(2),
  })
  .strict();

export const backendSchema = z.preprocess(
  // `backend: local` and a mapping without `kind` both mean the local backend.
  (value) =>
    typeof value === "string" ? { kind: value }
    : typeof value === "object" && value !== null && !("kind" in value) ? { kind: "local", ...value }
    : value,
  z.discriminatedUnion("kind", [localBackendSchema, slurmBackendSchema, rayBackendSchema]),
);
export type BackendConfig = z.infer<typeof backendSchema>;

export const executorSchema = z
  .object({
    /** Extra attempts after a failed one; an interrupted attempt does not use this budget. */
    retries: z.number().int().min(0).default(2),
    /** First retry waits this long; each further retry doubles it. */
    backoffSeconds: z.number().min(0).default(1),
    /** Per-run wall-clock limit; null means none. */
    timeoutSeconds: z.number().positive().nullable().default(null),
    /** Exit codes that mean "try again" (75 is EX_TEMPFAIL); other non-zero codes fail at once. */
    retryExitCodes: z.array(z.number().int()).default([75]),
  })
  .strict();
export type ExecutorConfig = z.infer<typeof executorSchema>;

export const stageSchema = z
  .object({
    kind: z.string().min(1),
    /** Upstream stages whose runs must succeed first; their run ids become part of this run's id. */
    needs: z.array(z.string()).default([]),
    /** Seeded stages get one run per seed; unseeded ones are shared by all seeds. */
    seeded: z.boolean().default(true),
    params: z.record(z.string(), z.unknown()).default({}),
    timeoutSeconds: z.number().positive().optional(),
    retries: z.number().int().min(0).optional(),
    /** Cluster resources for this stage's jobs (Slurm, Ray); overrides the backend's defaults field by field. */
    resources: jobResourcesSchema.optional(),
  })
  .strict();
export type StageConfig = z.infer<typeof stageSchema>;

export const sweepSchema = z
  .object({
    /** Dotted parameter path → values; the sweep is the cartesian product of all axes. */
    grid: z.record(z.string(), z.array(z.unknown()).min(1)).default({}),
    /** `seeds: 3` means seeds 1, 2, 3; a list names them explicitly. */
    seeds: z
      .union([z.number().int().min(1), z.array(z.number().int()).min(1)])
      .default(1)
      .transform((s) => (Array.isArray(s) ? s : Array.from({ length: s }, (_, i) => i + 1))),
  })
  .strict();
export type SweepConfig = z.infer<typeof sweepSchema>;

export const experimentSchema = z
  .object({
    name: z.string().regex(nameRule, "a name of letters, digits, '-' or '_' starting with a letter"),
    description: z.string().optional(),
    /** DuckDB file every run lands in; relative paths are relative to where sera is run. */
    store: z.string().default(".sera/sera.duckdb"),
    /** Where workers write run records and artefacts; defaults to .sera/experiments/<name>. */
    dir: z.string().optional(),
    backend: backendSchema.default({ kind: "local", concurrency: 2 }),
    executor: executorSchema.default(executorSchema.parse({})),
    stages: z.record(z.string().regex(nameRule, "a stage name of letters, digits, '-' or '_'"), stageSchema).refine(
      (stages) => Object.keys(stages).length > 0,
      "at least one stage",
    ),
    sweep: sweepSchema.default(sweepSchema.parse({})),
  })
  .strict();
export type Experiment = z.infer<typeof experimentSchema>;

/** An experiment after loading: validated, with the file it came from. */
export interface LoadedExperiment {
  file: string;
  config: Experiment;
  /** The merged YAML tree before defaults, used to expand sweep cells. */
  raw: Record<string, unknown>;
  /** Which file (or "--set") each dotted path came from, for error lines. */
  origins: Map<string, string>;
}
