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
    typeof value === "string" ? { kind: value } : typeof value === "object" && value !== null && !("kind" in value) ? { kind: "local", ...value } : value,
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

/**
 * `report:` — what `sera report` shows (read by @sera/analysis). Parameters are named as swept
 * (`samples` means the runs table's `p_samples` column); `x: cost` means the run's cost-ledger dollars.
 */
const sweptValueSchema = z.union([z.string(), z.number(), z.boolean()]);
const boundSchema = z.tuple([z.number().nullable(), z.number().nullable()]);
const reportSectionBase = {
  name: z.string().regex(nameRule, "a name of letters, digits, '-' or '_' starting with a letter"),
  title: z.string().optional(),
  /** Stage whose runs hold the metric; default: every stage that reports it. */
  stage: z.string().optional(),
  /** run_metrics name used as y; default: report.metric. */
  metric: z.string().optional(),
  /** Swept parameter → value: keep only those runs. */
  where: z.record(z.string(), sweptValueSchema).default({}),
};
export const reportFitSchema = z
  .object({
    ...reportSectionBase,
    x: z.string().min(1),
    /** Fitted x = value × xScale (0.001 turns dollars into $K). */
    xScale: z.number().positive().default(1),
    xLabel: z.string().optional(),
    model: z.enum(["power-law", "log-linear"]).default("power-law"),
    fixedC: z.number().optional(),
    bounds: z.object({ a: boundSchema, b: boundSchema, c: boundSchema }).partial().strict().optional(),
    loss: z.enum(["squared", "huber"]).default("squared"),
    huberDelta: z.number().positive().default(1),
    bootstrap: z
      .object({
        scheme: z.enum(["seeds", "points"]).default("seeds"),
        replicates: z.number().int().min(1).default(1000),
        seed: z.number().int().default(1),
        level: z.number().gt(0).lt(1).default(0.95),
      })
      .strict()
      .default({ scheme: "seeds", replicates: 1000, seed: 1, level: 0.95 }),
    /** Unscaled x values at which to print the fitted curve. */
    predict: z.array(z.number().positive()).default([]),
    /**
     * Refit under other modelling choices and show how each read-off moves: other fixed
     * asymptotes, and (alternatives) the other loss, 1/SD² weights, every seed as a point, c
     * estimated, and the other curve form.
     */
    sensitivity: z
      .object({ fixedC: z.array(z.number()).default([]), alternatives: z.boolean().default(true) })
      .strict()
      .optional(),
    /** Baselines (by id) whose scores the curve is read at; with x: cost, also priced at equal performance, published figures beside ours. */
    compareTo: z
      .array(z.object({ baseline: z.string(), publishedUsd: z.number().positive().optional(), publishedRatio: z.number().positive().optional() }).strict())
      .default([]),
  })
  .strict();
export const reportBaselineSchema = z
  .object({
    id: z.string().regex(nameRule),
    label: z.string(),
    score: z.number(),
    usd: z.number().positive().optional(),
    gpuHours: z.number().positive().optional(),
    usdPerGpuHour: z.number().positive().optional(),
    note: z.string().optional(),
  })
  .strict()
  .refine((b) => (b.usd === undefined) !== (b.gpuHours === undefined && b.usdPerGpuHour === undefined), "give either usd or gpuHours with usdPerGpuHour")
  .refine((b) => (b.gpuHours === undefined) === (b.usdPerGpuHour === undefined), "gpuHours and usdPerGpuHour go together");
export const reportCompareSchema = z.object({ ...reportSectionBase, by: z.string().min(1), reference: sweptValueSchema.optional() }).strict();
export const reportSchema = z
  .object({
    title: z.string().optional(),
    metric: z.string().min(1).default("resolve_rate"),
    fits: z.array(reportFitSchema).default([]),
    baselines: z.array(reportBaselineSchema).default([]),
    compare: z.array(reportCompareSchema).default([]),
    /** Per-instance rows: SQL returning run_id, instance_id, repository, resolved. */
    instances: z
      .object({ sql: z.string().min(1), by: z.string().min(1).optional(), reference: sweptValueSchema.optional() })
      .strict()
      .optional(),
    /** SD for SNR = |Δ|/SD (the paper uses a typical 1.2 pp); default: the pooled SD of the compared conditions. */
    noise: z
      .object({ sd: z.number().positive().optional(), threshold: z.number().positive().default(2) })
      .strict()
      .default({ threshold: 2 }),
    seedPlan: z
      .object({ effects: z.array(z.number().positive()).min(1).default([1, 2, 3, 5]), sd: z.number().positive().optional() })
      .strict()
      .optional(),
    /** Add the SERA paper's reproduction tables (Table 15 from prices, Table 10, Table 11 costs). */
    paperTables: z.boolean().default(false),
    notes: z.array(z.string()).default([]),
  })
  .strict()
  .superRefine((report, context) => {
    const ids = new Set(report.baselines.map((baseline) => baseline.id));
    report.fits.forEach((fit, i) => {
      fit.compareTo.forEach((entry, j) => {
        if (!ids.has(entry.baseline)) {
          context.addIssue({
            code: "custom",
            path: ["fits", i, "compareTo", j, "baseline"],
            message: `no baseline with id "${entry.baseline}" in report.baselines`,
          });
        }
        if (fit.x !== "cost" && (entry.publishedUsd !== undefined || entry.publishedRatio !== undefined)) {
          context.addIssue({ code: "custom", path: ["fits", i, "compareTo", j], message: "published dollars and ratios need x: cost" });
        }
      });
    });
    for (const [list, key] of [
      [report.fits, "fits"],
      [report.compare, "compare"],
    ] as const) {
      list.forEach((section, i) => {
        if (list.findIndex((other) => other.name === section.name) !== i) {
          context.addIssue({ code: "custom", path: [key, i, "name"], message: `another ${key} entry is already named "${section.name}"` });
        }
      });
    }
  });
export type ReportConfig = z.infer<typeof reportSchema>;

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
    stages: z
      .record(z.string().regex(nameRule, "a stage name of letters, digits, '-' or '_'"), stageSchema)
      .refine((stages) => Object.keys(stages).length > 0, "at least one stage"),
    sweep: sweepSchema.default(sweepSchema.parse({})),
    report: reportSchema.optional(),
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
