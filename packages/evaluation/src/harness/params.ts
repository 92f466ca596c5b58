import { z } from "zod";

/**
 * Parameters of the `swebench-harness` stage: grade an evaluation's predictions with the official
 * SWE-bench harness as a job of its own (it needs Docker and CPUs, not the GPU that served the
 * model). `mode: run` runs it; `render` only writes the command (machines without Docker stop at
 * predictions); `import` loads the reports of a harness run made elsewhere (or with sb-cli).
 */
export const harnessParamsSchema = z
  .object({
    mode: z.enum(["run", "render", "import"]).default("run"),
    /** Predictions to grade; default: the upstream sera-eval run's predictions.jsonl. */
    predictions: z.string().min(1).optional(),
    /** Which upstream stage produced them (default: the only one in `needs`). */
    evalStage: z.string().optional(),
    dataset: z.string().min(1).default("princeton-nlp/SWE-bench_Verified"),
    split: z.string().min(1).default("test"),
    /** The harness's --run_id; default sera-<this run's id>. */
    harnessRunId: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, '.', '_' or '-'")
      .optional(),
    maxWorkers: z.number().int().min(1).default(8),
    /** Per-instance test timeout (the harness's default is 1,800 s). */
    timeoutSeconds: z.number().int().min(1).default(1800),
    cacheLevel: z.enum(["none", "base", "env", "instance"]).default("env"),
    /** Image namespace (prebuilt images from Docker Hub); null builds images locally. */
    namespace: z.string().nullable().default("swebench"),
    instanceIds: z.array(z.string()).optional(),
    python: z.string().min(1).default("python"),
    /** Run this shell command instead (placeholders: {predictions} {run_id} {out_dir} {harness_dir}). */
    command: z.string().min(1).optional(),
    /** import: a harness output folder (its working dir, logs/run_evaluation, or one run's folder). */
    reports: z.string().min(1).optional(),
    /** import: the run summary `<model>.<run_id>.json`, if it is not next to the logs. */
    summary: z.string().min(1).optional(),
  })
  .strict();
export type HarnessParams = z.infer<typeof harnessParamsSchema>;

/** Worker counts and the interpreter path do not change the grades. */
export function harnessIdentity(params: HarnessParams): unknown {
  const { maxWorkers, python, ...rest } = params;
  return rest;
}

export function checkHarnessParams(params: HarnessParams, context: { upstreamStages: string[] }): { path: string; problem: string } | null {
  if (params.mode === "import" && !params.reports) return { path: "reports", problem: "mode import needs the folder of an existing harness run" };
  if (params.mode !== "import" && params.reports) return { path: "reports", problem: "reports is only read in mode import" };
  if (params.mode !== "import" && !params.predictions && context.upstreamStages.length === 0) {
    return { path: "predictions", problem: "give a predictions file or add the sera-eval stage to needs" };
  }
  if (params.evalStage && !context.upstreamStages.includes(params.evalStage)) {
    return { path: "evalStage", problem: `${params.evalStage} is not in this stage's needs (${context.upstreamStages.join(", ") || "none"})` };
  }
  if (!params.predictions && !params.evalStage && context.upstreamStages.length > 1) {
    return { path: "evalStage", problem: "several upstream stages: name the one whose predictions to grade" };
  }
  return null;
}
