import { agentParamsSchema, DEFAULT_SANDBOX_LIMIT_PARAMS, environmentIdentity, environmentParam, sandboxLimitsSchema } from "@sera/rollout";
import { z } from "zod";

/**
 * Parameters of the `sera-eval` stage: serve a checkpoint, run the generation agent on task
 * instances, write predictions. `suite: swe-bench` grades later with the `swebench-harness`
 * stage; `suite: soft-verified` grades at once by line recall against the teacher's patch on
 * held-out functions (private repositories without tests). Seeds and `contextLength` are sweep
 * axes; the server, its port and concurrency are operational and stay out of the run id.
 */

export const evalParamsSchema = z
  .object({
    suite: z.enum(["swe-bench", "soft-verified"]).default("swe-bench"),
    tasks: z
      .object({
        /** JSONL of {instance_id, repo, base_commit, problem_statement[, teacher_patch]}. */
        file: z.string().min(1).optional(),
        /** soft-verified: held-out tasks from this upstream sera-generate stage's verified instances. */
        fromGeneration: z.string().min(1).optional(),
        /** soft-verified: … or from a generation run's output folder. */
        generationDir: z.string().min(1).optional(),
        /** Repository name → local clone. */
        repos: z.record(z.string(), z.string()).default({}),
        /** A folder of clones named like the repositories (django__django, django, or django/django). */
        repoRoot: z.string().optional(),
        instanceIds: z.array(z.string()).optional(),
        limit: z.number().int().min(1).optional(),
      })
      .strict(),
    model: z
      .object({
        /** A model folder or hub id; default: the upstream sera-train run's post-processed model. */
        checkpoint: z.string().min(1).optional(),
        /** Which upstream stage trained it (default: the upstream stage that wrote train.json). */
        trainStage: z.string().optional(),
        /** Served model name, also the predictions' model_name_or_path. */
        name: z.string().min(1).default("sera-student"),
        /**
         * Send the student's earlier reasoning back as `reasoning_content` (when vLLM runs a reasoning
         * parser). Off: a SERA-trained student writes `<think>` into content, which goes back with it.
         */
        replayReasoning: z.boolean().default(false),
      })
      .strict()
      .default({ name: "sera-student", replayReasoning: false }),
    /** The server's max_model_len: 32,768 (what SERA trains at) or 65,536 for the 64K evaluations. */
    contextLength: z.number().int().min(1024).default(32_768),
    serve: z
      .object({
        /** Use a server that is already running (base URL with /v1) instead of starting one. */
        endpoint: z.string().url().optional(),
        /** Start this instead of vLLM (placeholders: {port} {host} {checkpoint} {model} {max_model_len} {seed} {sera} {node}). */
        command: z.string().min(1).optional(),
        host: z.string().default("127.0.0.1"),
        tensorParallel: z.number().int().min(1).default(1),
        /** GPUs the server holds, for GPU-hours (default: tensorParallel). */
        gpus: z.number().int().min(0).optional(),
        enforceEager: z.boolean().default(true),
        extraArgs: z.array(z.string()).default([]),
        startupTimeoutSeconds: z.number().positive().default(1800),
        requestTimeoutSeconds: z.number().positive().default(600),
        maxRetries: z.number().int().min(0).default(3),
      })
      .strict()
      .default({
        host: "127.0.0.1",
        tensorParallel: 1,
        enforceEager: true,
        extraArgs: [],
        startupTimeoutSeconds: 1800,
        requestTimeoutSeconds: 600,
        maxRetries: 3,
      }),
    /** The same limits and defaults as generation's rollouts. */
    agent: agentParamsSchema,
    /** soft-verified: pass iff the student's patch recalls at least this share of the teacher's changed lines. */
    verification: z
      .object({ threshold: z.number().min(0).max(1).default(0.5), mode: z.enum(["header-aware", "legacy"]).default("header-aware") })
      .strict()
      .default({ threshold: 0.5, mode: "header-aware" }),
    sandbox: z.enum(["bwrap", "none"]).default("bwrap"),
    /** Where the student's commands run, as in sera-generate: `host` (default) or `prepared` (the repository's dependencies installed by `setup`). */
    environment: environmentParam,
    /** The agent's sandbox limits, as in sera-generate (memory, processes, file size, /tmp, copy growth); on by default. */
    sandboxLimits: sandboxLimitsSchema.default(DEFAULT_SANDBOX_LIMIT_PARAMS),
    concurrency: z.number().int().min(1).default(8),
    usdPerGpuHour: z.number().min(0).optional(),
  })
  .strict();
export type EvalParams = z.infer<typeof evalParamsSchema>;

export function evalIdentity(params: EvalParams): unknown {
  const { concurrency, usdPerGpuHour, serve, sandboxLimits, environment, ...rest } = params;
  const { endpoint, host, startupTimeoutSeconds, requestTimeoutSeconds, maxRetries, gpus, ...served } = serve;
  const environmentPart = environmentIdentity(environment);
  return { ...rest, serve: served, ...(environmentPart === undefined ? {} : { environment: environmentPart }) };
}

export function checkEvalParams(params: EvalParams, context: { upstreamStages: string[] }): { path: string; problem: string } | null {
  const { tasks } = params;
  const sources = [tasks.file, tasks.fromGeneration, tasks.generationDir].filter((s) => s !== undefined).length;
  if (sources !== 1) return { path: "tasks", problem: "name exactly one source of tasks: file, fromGeneration or generationDir" };
  if ((tasks.fromGeneration || tasks.generationDir) && params.suite !== "soft-verified") {
    return { path: "suite", problem: "tasks from a generation run have no tests; use suite: soft-verified" };
  }
  if (tasks.fromGeneration && !context.upstreamStages.includes(tasks.fromGeneration)) {
    return { path: "tasks.fromGeneration", problem: `${tasks.fromGeneration} is not in this stage's needs (${context.upstreamStages.join(", ") || "none"})` };
  }
  if (params.model.trainStage && !context.upstreamStages.includes(params.model.trainStage)) {
    return { path: "model.trainStage", problem: `${params.model.trainStage} is not in this stage's needs` };
  }
  if (!params.model.checkpoint && !params.serve.endpoint && context.upstreamStages.filter((s) => s !== tasks.fromGeneration).length === 0) {
    return { path: "model.checkpoint", problem: "give a checkpoint, a running serve.endpoint, or add the sera-train stage to needs" };
  }
  return null;
}
