import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { appendRecordRows, predictionLine, readRunPlanOfOutput, RetryableStageError, writeJsonAtomic, type StageExecution } from "@sera/core";
import {
  bwrapAvailable,
  defaultCacheRoot,
  defaultSandboxRoot,
  ensurePrivateDir,
  environmentProblem,
  openAIChatModel,
  patchRecall,
  prepareSource,
  rolloutEnvironments,
  sandboxLimitsFromParams,
  type PreparedSource,
} from "@sera/rollout";
import { evalRolloutsTable, evalsTable, evalSummariesTable } from "../records/tables.js";
import { heldOutTasksFromGeneration } from "../tasks/held-out.js";
import { readTaskInstances, resolveRepoPath, type TaskInstance } from "../tasks/instances.js";
import type { EvalRunInfo } from "./info.js";
import type { EvalParams } from "./params.js";
import { evaluateInstance, finishedOutcome, type InstanceOutcome } from "./rollout.js";
import { resolveCheckpoint, serveModel, STAND_IN_CHECKPOINT_MARKER } from "./serving.js";

/**
 * The `sera-eval` stage body: load the task instances, serve the checkpoint, let the student
 * solve every instance (bounded concurrency, resumable per instance), and write the predictions
 * (SWE-bench's JSONL), the agent-side records, and — for held-out soft verification — the graded
 * `evals` rows and summary.
 */

function loadTasks(run: StageExecution<EvalParams>): { tasks: TaskInstance[]; repoPaths: Map<string, string> } {
  const { tasks: source, suite } = run.params;
  let tasks: TaskInstance[];
  let repoPaths = new Map<string, string>();
  if (source.file) tasks = readTaskInstances(path.resolve(source.file), { requireTeacherPatch: suite === "soft-verified" });
  else {
    // An upstream run comes with its params; a folder named by path has its plan read by core.
    const dir = source.fromGeneration ? run.upstream[source.fromGeneration].outDir : path.resolve(source.generationDir!);
    const held = heldOutTasksFromGeneration(dir, source.fromGeneration ? run.upstream[source.fromGeneration] : readRunPlanOfOutput(dir));
    if (held.skipped)
      process.stderr.write(`sera-eval: ${held.skipped} generated instances did not pass soft verification and are not used as held-out tasks\n`);
    tasks = held.tasks;
    repoPaths = held.repoPaths;
  }
  if (source.instanceIds) {
    const wanted = new Set(source.instanceIds);
    tasks = tasks.filter((task) => wanted.has(task.instance_id));
  }
  if (source.limit) tasks = tasks.slice(0, source.limit);
  if (tasks.length === 0) throw new Error("no task instances to evaluate");
  return { tasks, repoPaths };
}

export interface EvalSummary {
  instances: number;
  submitted: number;
  resolved: number | null;
  resolveRate: number | null;
  info: EvalRunInfo;
}

export async function runEvaluation(stage: StageExecution<EvalParams>): Promise<EvalSummary> {
  let run = stage;
  const { params } = run;
  const { tasks, repoPaths } = loadTasks(run);
  const isolation = params.sandbox === "none" ? "none" : (await bwrapAvailable()) ? "bwrap" : null;
  if (!isolation) throw new Error("bubblewrap (bwrap) is not available: install it (apt-get install bubblewrap) or set sandbox: none");
  const environmentError = environmentProblem(params.environment, isolation);
  if (environmentError !== null) throw new Error(environmentError);
  // Setup logs stay with the run's outputs, whether setup succeeded or not.
  const environments = rolloutEnvironments(params.environment, { logDir: path.join(run.outDir, "environments"), runId: run.runId });
  // Per-user and checked on every use (SERA_CACHE_DIR / SERA_SANDBOX_DIR override): see sandbox/privateDir.ts.
  const cacheRoot = defaultCacheRoot();
  // Tasks from an upstream generation run default to the repositories that run read.
  const repoPathFor = (task: TaskInstance) => {
    const generated = repoPaths.get(task.repo);
    return !params.tasks.repos[task.repo] && !params.tasks.repoRoot && generated !== undefined
      ? path.resolve(generated)
      : resolveRepoPath(task.repo, params.tasks.repos, params.tasks.repoRoot);
  };
  for (const task of tasks) repoPathFor(task); // a missing clone fails before anything is served
  const sources = new Map<string, Promise<PreparedSource>>();
  const sourceFor = (task: TaskInstance) => {
    const key = `${task.repo}@${task.base_commit}`;
    if (!sources.has(key)) sources.set(key, prepareSource(repoPathFor(task), task.base_commit, cacheRoot));
    return sources.get(key)!;
  };

  const checkpoint = params.serve.endpoint && !params.model.checkpoint ? params.serve.endpoint : resolveCheckpoint(run);
  const serving = await serveModel(run, checkpoint);
  // What the server says about itself, or the stand-in trainer's marker in the checkpoint it serves.
  const standIn = serving.provenance === "stand-in" || existsSync(path.join(checkpoint, STAND_IN_CHECKPOINT_MARKER));
  const provenance = standIn ? "stand-in" : "real";
  run = { ...stage, emit: (record) => stage.emit({ ...record, provenance }) };
  const instancesDir = path.join(run.outDir, "instances");
  const outcomes = new Map<string, InstanceOutcome>();
  // Checked once here, so a directory someone else owns fails the run with one line, not every instance.
  const sandboxRoot = ensurePrivateDir(defaultSandboxRoot(), "sandbox");
  const progress = () => run.emit({ progress_done: outcomes.size, progress_total: tasks.length });
  try {
    const model = openAIChatModel({
      baseURL: serving.baseURL,
      model: params.model.name,
      timeoutMs: params.serve.requestTimeoutSeconds * 1000,
      maxRetries: params.serve.maxRetries,
      replayReasoning: params.model.replayReasoning,
    });
    let next = 0;
    const worker = async () => {
      while (next < tasks.length) {
        run.signal.throwIfAborted();
        const task = tasks[next++];
        const dir = path.join(instancesDir, task.instance_id);
        const outcome =
          finishedOutcome(dir) ??
          (await evaluateInstance(task, {
            model,
            source: await sourceFor(task),
            sandboxRoot,
            isolation,
            environments,
            agent: params.agent,
            sandboxLimits: sandboxLimitsFromParams(params.sandboxLimits),
            dir,
            signal: run.signal,
          }));
        outcomes.set(task.instance_id, outcome);
        progress();
      }
    };
    await Promise.all(Array.from({ length: Math.min(params.concurrency, tasks.length) }, worker));
  } finally {
    await serving.stop();
    emitGpuHours(run, { ...serving, standIn });
  }

  const ordered = tasks.map((task) => outcomes.get(task.instance_id)!);
  writeFileSync(
    path.join(run.outDir, "predictions.jsonl"),
    ordered.map((o) => predictionLine({ instance_id: o.instanceId, model_name_or_path: params.model.name, model_patch: o.patch }) + "\n").join(""),
  );
  const info: EvalRunInfo = {
    suite: params.suite,
    runId: run.runId,
    seed: run.seed,
    contextLength: params.contextLength,
    model: params.model.name,
    checkpoint,
    standIn,
    provenance,
    serveCommand: serving.command,
    predictions: "predictions.jsonl",
    instances: tasks.length,
    repos: Object.fromEntries(tasks.map((task) => [task.instance_id, task.repo])),
  };
  writeJsonAtomic(path.join(run.outDir, "eval.json"), info);
  const graded = writeRecords(run, tasks, ordered, provenance);
  const submitted = ordered.filter((o) => o.patch.trim()).length;
  run.emit({
    instances: tasks.length,
    submitted,
    empty_patches: tasks.length - submitted,
    failed_instances: ordered.filter((o) => o.failure === "sandbox_error" || o.failure === "environment_error" || o.failure === "model_error").length,
    mean_steps: ordered.reduce((sum, o) => sum + o.steps, 0) / tasks.length,
    output_tokens: ordered.reduce((sum, o) => sum + o.outputTokens, 0),
    ...(graded
      ? { resolved: graded.resolved, resolve_rate: graded.resolveRate, ...(graded.meanRecall === null ? {} : { mean_recall: graded.meanRecall }) }
      : {}),
  });
  // Instances the served model never answered are not results: the attempt fails as retryable and
  // the next one (or a rerun) solves exactly those, keeping the finished ones.
  const unreached = ordered.filter((o) => o.transient);
  if (unreached.length > 0) {
    throw new RetryableStageError(
      `${unreached.length} of ${tasks.length} instances could not reach the served model (rerun to continue them): ${(unreached[0].detail ?? "").replace(/\s+/g, " ")}`,
    );
  }
  return { instances: tasks.length, submitted, resolved: graded?.resolved ?? null, resolveRate: graded?.resolveRate ?? null, info };
}

function emitGpuHours(run: StageExecution<EvalParams>, serving: { command: string | null; standIn: boolean; startedAt: number }): void {
  // An external endpoint is someone else's GPU time; a cluster backend (SERA_BACKEND) books its own allocation.
  if (serving.command === null || (process.env.SERA_BACKEND !== undefined && process.env.SERA_BACKEND !== "local")) return;
  const gpus = run.params.serve.gpus ?? run.params.serve.tensorParallel;
  run.emit({
    cost: {
      kind: "gpu_hours",
      quantity: (gpus * (Date.now() - serving.startedAt)) / 3_600_000,
      unit: "gpu_hours",
      // A stand-in server or checkpoint held no GPU: the time is kept, no price is put on it.
      unit_price: serving.standIn ? null : (run.params.usdPerGpuHour ?? null),
      source: serving.standIn ? "sera-eval serving wall clock (stand-in)" : "sera-eval serving wall clock",
    },
  });
}

function writeRecords(
  run: StageExecution<EvalParams>,
  tasks: TaskInstance[],
  outcomes: InstanceOutcome[],
  provenance: "real" | "stand-in",
): { resolved: number; resolveRate: number; meanRecall: number | null } | null {
  const { params } = run;
  const recordsDir = path.join(run.outDir, "records");
  rmSync(recordsDir, { recursive: true, force: true });
  mkdirSync(recordsDir, { recursive: true });
  const common = { seed: run.seed, context_length: params.contextLength, model: params.model.name, provenance };
  const rollouts = outcomes.map((o) => ({
    run_id: run.runId,
    instance_id: o.instanceId,
    suite: params.suite,
    repo: o.repo,
    ...common,
    exit_status: o.exitStatus,
    failure: o.failure,
    steps: o.steps,
    input_tokens: o.inputTokens,
    cached_input_tokens: o.cachedInputTokens,
    output_tokens: o.outputTokens,
    wall_seconds: o.wallSeconds,
    patch: o.patch,
    patch_lines: o.patchLines,
    trajectory_path: o.trajectoryFile,
  }));
  appendRecordRows(recordsDir, evalRolloutsTable, rollouts);
  if (params.suite !== "soft-verified") return null;

  const { threshold, mode } = params.verification;
  const rows = tasks.map((task, i) => {
    const outcome = outcomes[i];
    const recall = patchRecall(task.teacher_patch ?? "", outcome.patch, { threshold, mode });
    const status =
      outcome.failure === "sandbox_error" || outcome.failure === "environment_error"
        ? "error"
        : !outcome.patch.trim()
          ? "empty_patch"
          : recall.verdict === "pass"
            ? "resolved"
            : "unresolved";
    return {
      run_id: run.runId,
      suite: "soft-verified",
      instance_id: task.instance_id,
      eval_run_id: run.runId,
      repo: task.repo,
      ...common,
      harness_run_id: null,
      status,
      resolved: status === "resolved",
      patch_exists: outcome.patch.trim() !== "",
      patch_applied: null,
      f2p_success: null,
      f2p_failure: null,
      p2p_success: null,
      p2p_failure: null,
      f2f_success: null,
      f2f_failure: null,
      p2f_success: null,
      p2f_failure: null,
      recall: recall.recall,
      precision: recall.precision,
      f1: recall.f1,
      threshold,
      report_path: null,
    };
  });
  appendRecordRows(recordsDir, evalsTable, rows);
  const resolved = rows.filter((row) => row.resolved).length;
  const resolveRate = (100 * resolved) / rows.length;
  const recalls = rows.map((row) => row.recall).filter((r): r is number => r !== null);
  const summary = {
    run_id: run.runId,
    suite: "soft-verified",
    eval_run_id: run.runId,
    harness_run_id: null,
    ...common,
    total_instances: rows.length,
    submitted_instances: rows.length,
    completed_instances: rows.filter((row) => row.status !== "error").length,
    resolved_instances: resolved,
    unresolved_instances: rows.filter((row) => row.status === "unresolved").length,
    empty_patch_instances: rows.filter((row) => row.status === "empty_patch").length,
    error_instances: rows.filter((row) => row.status === "error").length,
    resolve_rate: resolveRate,
    source: `line recall against the teacher's patch, threshold ${threshold} (${mode})`,
  };
  appendRecordRows(recordsDir, evalSummariesTable, [summary]);
  return { resolved, resolveRate, meanRecall: recalls.length ? recalls.reduce((a, b) => a + b, 0) / recalls.length : null };
}
