import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import type { z } from "zod";
import {
  appendRecordRows,
  generationPlanLineSchema,
  readJson,
  readJsonlLines,
  repairJsonl,
  reportCorruptionToStderr,
  RetryableStageError,
  sha256Hex,
  standInUsdMetric,
  type CorruptFile,
  type StageExecution,
  type RowOf,
} from "@sera/core";
import { inventory } from "../inventory/inventory.js";
import { selectCommits } from "../inventory/commits.js";
import { loadDemonstrationPool, type Demonstration } from "../tasks/demonstrations.js";
import { sampleTasks, type SampledTask } from "../tasks/sampling.js";
import { advanceInstance, instanceSettled, loadInstanceState, pausedByOutage, type InstanceState } from "./instance.js";
import { AcceptedPatches } from "./duplicate-patches.js";
import { TeacherSpend, teacherUsd, usd } from "./teacher-spend.js";
import type { GenerationParams } from "./params.js";
import { repositoriesOf } from "./repositories.js";
import { buildTeacher, checkTeacher, type OwnedCallRecord } from "./teacher.js";
import { instancesTable, modelCallsTable, patchesTable, rolloutsTable, verificationsTable, type GenerationTable } from "../records/tables.js";
import {
  bwrapAvailable,
  patchStatistics,
  combineProvenance,
  defaultCacheRoot,
  defaultSandboxRoot,
  ensurePrivateDir,
  environmentProblem,
  type PreparedSource,
  prepareSource,
  type Provenance,
  rolloutEnvironments,
} from "@sera/rollout";

/**
 * The `sera-generate` stage body: list functions, sample instances, push every instance through
 * its state machine with bounded concurrency, and write the record files that ingest loads.
 * Progress goes out as JSON lines (the spine records them as metrics; `sera run` draws bars).
 * Instances paused by a teacher outage get up to two more passes while others still succeed; any
 * left paused make the stage fail with exit 75 after the records are written, so the run is not
 * marked succeeded and the next attempt (or a rerun, or --retry-failed) resumes exactly those.
 */

const OUTAGE_PASSES = 3;

export interface GenerationSummary {
  instances: number;
  verified: number;
  unverified: number;
  failed: number;
  /** Instances a teacher outage paused (counted in `failed` too, with failure_reason model_error). */
  paused: number;
  failures: Record<string, number>;
  /** Files found unreadable and what was done about each. */
  corruptFiles: CorruptFile[];
  /** The same counts per repository, by the name its instances carry. */
  byRepo: Record<string, { instances: number; verified: number; unverified: number; failed: number }>;
}

/** Where a task's repository copy comes from: its repository's name and commit. */
export const sourceKey = (task: Pick<SampledTask, "repo" | "commit">): string => `${task.repo}\u0000${task.commit}`;

/**
 * Commits, inventory and sampling, repository by repository; each instance draws its demonstration
 * from `demonstrations`, the pool the run looks it up in. One plan.jsonl line per repository.
 */
export async function planTasks(
  params: GenerationParams,
  seed: number,
  outDir: string,
  demonstrations: ReadonlyMap<string, Demonstration>,
): Promise<{ tasks: SampledTask[]; sources: Map<string, PreparedSource> }> {
  // Per-user and checked on every use (SERA_CACHE_DIR / SERA_SANDBOX_DIR override): see sandbox/privateDir.ts.
  const cacheRoot = defaultCacheRoot();
  const tasks: SampledTask[] = [];
  const sources = new Map<string, PreparedSource>();
  for (const repository of repositoriesOf(params)) {
    const where = params.repo !== undefined ? repository.path : `repos: ${repository.name} (${repository.path})`;
    const commits = await selectCommits(repository.path, Array.isArray(repository.commits) ? { commits: repository.commits } : repository.commits).catch(
      (error: Error) => Promise.reject(new Error(error.message.includes(repository.path) ? error.message : `${where}: ${error.message}`)),
    );
    if (commits.length === 0) throw new Error(`${where}: no commits in the selection window`);
    const codeFolders: Record<string, string>[] = [];
    let planned = 0;
    for (const commit of commits) {
      const listed = await inventory(repository.path, commit, { ...params.inventory, repoName: repository.name });
      codeFolders.push({ commit: listed.commit, ...listed.codeFolder });
      const sampled = sampleTasks({
        functions: listed.functions,
        seed,
        repo: repository.name,
        commit: listed.commit,
        functionsPerRepo: repository.functionsPerRepo,
        instancesPerFunction: params.instancesPerFunction,
        demonstrationIds: [...demonstrations.keys()],
      });
      tasks.push(...sampled);
      planned += sampled.length;
      sources.set(sourceKey({ repo: repository.name, commit: listed.commit }), await prepareSource(repository.path, listed.commit, cacheRoot));
    }
    const plan = generationPlanLineSchema.parse({ repo: repository.name, path: repository.path, commits, codeFolders, instances: planned });
    appendFileSync(path.join(outDir, "plan.jsonl"), JSON.stringify(plan) + "\n");
  }
  return { tasks, sources };
}

export async function demonstrationPool(params: GenerationParams): Promise<Map<string, Demonstration>> {
  const list = await loadDemonstrationPool(params.demonstrations);
  return new Map(list.map((d) => [d.id, d]));
}

async function isolationFor(params: GenerationParams, emit: (record: Record<string, unknown>) => void): Promise<"bwrap" | "none"> {
  if (params.sandbox === "none") return "none";
  if (await bwrapAvailable()) return "bwrap";
  if (params.teacher.scriptedStandIn) {
    process.stderr.write("warning: bubblewrap is not installed; the offline demo runs commands without isolation (apt-get install bubblewrap)\n");
    emit({ sandbox_isolated: 0 });
    return "none";
  }
  throw new Error(
    "bubblewrap (bwrap) is not available: install it (apt-get install bubblewrap) or set sandbox: none to run a real teacher's commands without isolation",
  );
}

export async function runGeneration(stage: StageExecution<GenerationParams>): Promise<GenerationSummary> {
  let run = stage;
  const { params, outDir } = run;
  const seed = run.seed ?? 0;
  const instancesDir = path.join(outDir, "instances");
  mkdirSync(instancesDir, { recursive: true });
  const isolation = await isolationFor(params, run.emit);
  const environmentError = environmentProblem(params.environment, isolation);
  if (environmentError !== null) throw new Error(environmentError);
  // Setup logs stay with the run's outputs, whether setup succeeded or not.
  const environments = rolloutEnvironments(params.environment, { logDir: path.join(outDir, "environments"), runId: run.runId });
  const teacherCheck = await checkTeacher(params.teacher);
  // Every metric line from here on says whether a stand-in answered (run_metrics.provenance).
  const provenance = combineProvenance(teacherCheck.provenance.values()) ?? "real";
  run = { ...stage, emit: (record) => stage.emit({ ...record, provenance }) };
  const demonstrations = await demonstrationPool(params);
  const { tasks, sources } = await planTasks(params, seed, outDir, demonstrations);
  const corruptFiles: CorruptFile[] = [];
  const onCorrupt = (report: CorruptFile) => {
    corruptFiles.push(report);
    reportCorruptionToStderr(report);
  };
  const { budget } = params;
  // `sera run --budget-usd`: what was left of the invocation's cap when this attempt started.
  const { budgetUsdLeft } = run;
  const spend = (budget || budgetUsdLeft !== undefined) && params.teacher.prices ? new TeacherSpend(params.teacher.prices) : undefined;
  const teacher = buildTeacher(params.teacher, (record: OwnedCallRecord) => {
    if (!record.instanceId) return;
    spend?.add(record.instanceId, record);
    appendFileSync(path.join(instancesDir, record.instanceId, "calls.jsonl"), JSON.stringify(record) + "\n");
  });
  // Earlier attempts' calls count against the same budgets (a damaged line is reported when the records are written).
  if (spend) {
    for (const task of tasks) {
      for (const { value } of readJsonlLines<LoggedCall>(path.join(instancesDir, task.id, "calls.jsonl"), { onCorrupt: () => {}, action: "" }))
        spend.add(task.id, value);
    }
  }
  const overBudget = (instanceId: string) => () => {
    const spent = spend?.instance(instanceId) ?? 0;
    return budget?.usdPerInstance !== undefined && spent >= budget.usdPerInstance
      ? `the teacher cost ${usd(spent)}, over budget.usdPerInstance ${usd(budget.usdPerInstance)} (exit_cost)`
      : null;
  };
  // The stage cap counts every attempt's calls; the invocation's allowance only this attempt's.
  const spentBefore = spend?.total() ?? 0;
  const spentOut = (): "stage" | "invocation" | null => {
    if (spend === undefined) return null;
    if (budget?.usdPerStage !== undefined && spend.total() >= budget.usdPerStage) return "stage";
    if (budgetUsdLeft !== undefined && spend.total() - spentBefore >= budgetUsdLeft) return "invocation";
    return null;
  };
  let stoppedBy: "stage" | "invocation" | null = null;
  const notStarted: SampledTask[] = [];
  // Checked once here, so a directory someone else owns fails the run with one line, not every instance.
  const sandboxRoot = ensurePrivateDir(defaultSandboxRoot(), "sandbox");

  // What earlier attempts already accepted comes first, so a resume judges duplicates as a clean run would.
  const acceptedPatches = params.skipDuplicatePatches ? new AcceptedPatches() : undefined;
  for (const task of [...tasks].sort((a, b) => a.id.localeCompare(b.id))) {
    const dir = path.join(instancesDir, task.id);
    // A damaged state is reported (and set aside) when its instance is loaded below, not here.
    acceptedPatches?.registerSaved(task.id, dir, readJson<InstanceState>(path.join(dir, "state.json"), { onCorrupt: () => {}, action: "" }) ?? null);
  }

  const counts = { done: 0, verified: 0, failed: 0, rollouts: 0, outputTokens: 0 };
  // With several repositories, each one's progress is a metric of its own (`repo.<name>.done` / `.total`).
  const perRepo = new Map<string, { done: number; total: number; reported: number }>();
  for (const task of tasks) {
    const entry = perRepo.get(task.repo) ?? { done: 0, total: 0, reported: -1 };
    entry.total++;
    perRepo.set(task.repo, entry);
  }
  const started = Date.now();
  const progress = () => {
    const elapsed = (Date.now() - started) / 1000;
    const rate = counts.done / Math.max(elapsed, 1e-3);
    run.emit({
      progress_done: counts.done,
      progress_total: tasks.length,
      verified: counts.verified,
      verified_yield: counts.done ? Number((counts.verified / counts.done).toFixed(3)) : 0,
      failed: counts.failed,
      rollouts: counts.rollouts,
      output_tokens_per_s: Math.round(counts.outputTokens / Math.max(elapsed, 1e-3)),
      eta_seconds: rate > 0 ? Math.round((tasks.length - counts.done) / rate) : -1,
    });
    if (perRepo.size < 2) return;
    for (const [name, entry] of perRepo) {
      if (entry.reported === entry.done) continue;
      entry.reported = entry.done;
      run.emit({ [`repo.${name}.done`]: entry.done, [`repo.${name}.total`]: entry.total });
    }
  };
  const account = (state: InstanceState) => {
    counts.done++;
    const repo = perRepo.get(state.task.repo);
    if (repo !== undefined) repo.done++;
    if (state.step === "failed") counts.failed++;
    else if (state.verification?.verdict === "pass") counts.verified++;
  };
  const ticker = setInterval(progress, 2000);
  let paused: SampledTask[] = [];
  try {
    let pending = tasks;
    for (let pass = 1; pass <= OUTAGE_PASSES && pending.length > 0; pass++) {
      const outcome = await runPass(pending);
      paused = outcome.paused;
      // Everything this pass touched met the outage: the teacher is down, more passes only wait.
      if (!outcome.progressed) break;
      pending = paused;
    }
  } finally {
    clearInterval(ticker);
  }

  async function runPass(pending: SampledTask[]): Promise<{ paused: SampledTask[]; progressed: boolean }> {
    const pausedNow: SampledTask[] = [];
    let progressed = false;
    let next = 0;
    const worker = async () => {
      while (next < pending.length) {
        run.signal.throwIfAborted();
        const task = pending[next++];
        const dir = path.join(instancesDir, task.id);
        const state = loadInstanceState(dir, task, onCorrupt);
        if (instanceSettled(state)) {
          account(state);
          continue;
        }
        // At the stage's budget (or the invocation's) no instance starts or resumes; those in flight finish.
        const stop = spentOut();
        if (stop !== null) {
          stoppedBy ??= stop;
          notStarted.push(task);
          continue;
        }
        mkdirSync(dir, { recursive: true });
        // A kill can tear the last line of the call log; the next append must start a fresh line.
        repairJsonl(path.join(dir, "calls.jsonl"), onCorrupt);
        const finished = await advanceInstance(
          state,
          {
            teacher,
            source: sources.get(sourceKey(task))!,
            sandboxRoot,
            isolation,
            environments,
            params,
            repoName: task.repo,
            demonstrations,
            dir,
            signal: run.signal,
            onCorrupt,
            acceptedPatches,
            overBudget: overBudget(task.id),
          },
          (s) => {
            const last = s.rollouts.at(-1);
            if (last && (s.step === "self_check" || s.step === "verify" || s.step === "rollout1" || s.step === "failed")) {
              counts.rollouts++;
              counts.outputTokens += last.outputTokens;
            }
          },
        );
        if (pausedByOutage(finished)) pausedNow.push(task);
        else {
          progressed = true;
          account(finished);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(params.concurrency, Math.max(pending.length, 1)) }, worker));
    return { paused: pausedNow, progressed };
  }

  progress();
  // Instances the budget kept from starting have no state yet: not damaged, just not begun.
  const begun = tasks.filter((task) => !notStarted.includes(task) || existsSync(path.join(instancesDir, task.id, "state.json")));
  const summary = writeRecords(run, begun, instancesDir, corruptFiles, teacherCheck.provenance);
  if (notStarted.length > 0 && stoppedBy === "invocation") {
    // A retry code: no verdict on the run; the coordinator, at its cap too, leaves it for the next `sera run`.
    throw new RetryableStageError(
      `stopped at the invocation's --budget-usd: ${usd(spend!.total() - spentBefore)} spent by this attempt of the ${usd(budgetUsdLeft!)} left when it started; ${notStarted.length} of ${tasks.length} instances not started or resumed (run again with a higher --budget-usd to continue them)`,
    );
  }
  if (notStarted.length > 0) {
    throw new Error(
      `stopped at the stage's teacher budget: ${usd(spend!.total())} spent of budget.usdPerStage ${usd(budget!.usdPerStage!)}; ${notStarted.length} of ${tasks.length} instances not started or resumed (raise the limit and run again to continue them)`,
    );
  }
  if (summary.paused > 0) {
    const reasons = new Map<string, number>();
    for (const task of paused) {
      const detail = readJson<InstanceState>(path.join(instancesDir, task.id, "state.json"))?.failure?.detail ?? "teacher outage";
      reasons.set(detail, (reasons.get(detail) ?? 0) + 1);
    }
    const [reason] = [...reasons.entries()].sort((a, b) => b[1] - a[1])[0] ?? ["teacher outage"];
    throw new RetryableStageError(
      `${summary.paused} of ${summary.instances} instances stopped on a teacher outage and stay resumable (rerun to continue them): ${reason.replace(/\s+/g, " ")}`,
    );
  }
  return summary;
}

/**
 * One line of `calls.jsonl`. Lines written before the HTTP retry and the rollout attempt were kept
 * apart have only `attempt`, which by then held the rollout attempt (the owner's overwrote the
 * client's); their HTTP attempt is unknown.
 */
type LoggedCall = Omit<OwnedCallRecord, "httpAttempt" | "provenance"> & { httpAttempt?: number; attempt?: number; provenance?: Provenance | null };

/**
 * Derive the per-table JSONL files from the instance directories (the durable source).
 * `endpointProvenance` is what each endpoint's model list said it is: the fallback for calls that
 * got no answer, and for rows with no call behind them.
 */
export function writeRecords(
  run: StageExecution<GenerationParams>,
  tasks: SampledTask[],
  instancesDir: string,
  corruptFiles: CorruptFile[] = [],
  endpointProvenance: ReadonlyMap<string, Provenance> = new Map(),
): GenerationSummary {
  const onCorrupt = (report: CorruptFile) => {
    corruptFiles.push(report);
    reportCorruptionToStderr(report);
  };
  const recordsDir = path.join(run.outDir, "records");
  rmSync(recordsDir, { recursive: true, force: true });
  mkdirSync(recordsDir, { recursive: true });
  const write = <Shape extends z.ZodRawShape>(table: GenerationTable<Shape>, row: RowOf<Shape>) => appendRecordRows(recordsDir, table, [row]);
  // `instances` counts the rows written, so the metrics below always agree with the tables.
  const summary: GenerationSummary = { instances: 0, verified: 0, unverified: 0, failed: 0, paused: 0, failures: {}, corruptFiles, byRepo: {} };
  // Rows with no answered call behind them take what the endpoints' model lists said; a server that
  // did not say (or did not answer) is taken as real, since only sera's stand-ins mark themselves.
  const runProvenance: Provenance = combineProvenance(endpointProvenance.values()) ?? "real";
  const tokens = { input: 0, cached: 0, output: 0 };
  for (const task of tasks) {
    const dir = path.join(instancesDir, task.id);
    const stateFile = path.join(dir, "state.json");
    const state = readJson<InstanceState>(stateFile, { onCorrupt, action: "left the instance out of the records; the next attempt re-runs it" });
    if (!state) {
      if (!existsSync(stateFile)) onCorrupt({ file: stateFile, problem: "missing", action: "left the instance out of the records; the next attempt runs it" });
      continue;
    }
    const base = { run_id: run.runId, instance_id: task.id };
    const outage = pausedByOutage(state);
    const status = state.step === "failed" || outage ? "failed" : state.verification?.verdict === "pass" ? "verified" : "unverified";
    summary.instances++;
    summary[status]++;
    const repoSummary = (summary.byRepo[task.repo] ??= { instances: 0, verified: 0, unverified: 0, failed: 0 });
    repoSummary.instances++;
    repoSummary[status]++;
    if (outage) summary.paused++;
    if (state.failure) summary.failures[state.failure.reason] = (summary.failures[state.failure.reason] ?? 0) + 1;
    // seq is the line number, so a corrupt line (reported, skipped) does not renumber the calls after it.
    const calls = readJsonlLines<LoggedCall>(path.join(dir, "calls.jsonl"), { onCorrupt, action: "skipped that call; its tokens are not booked" }).map(
      ({ line, value }) => {
        const provenance = value.provenance ?? endpointProvenance.get(value.endpoint) ?? null;
        return { seq: line - 1, call: value, rolloutAttempt: value.rolloutAttempt ?? value.attempt ?? 0, provenance };
      },
    );
    const provenanceOf = (selected: typeof calls): Provenance => combineProvenance(selected.map((c) => c.provenance)) ?? runProvenance;
    const instanceProvenance = provenanceOf(calls);
    write(instancesTable, {
      ...base,
      repo: task.repo,
      commit_sha: task.commit,
      file: task.function.file,
      function: task.function.qualifiedName,
      function_kind: task.function.kind,
      language: task.function.language,
      start_line: task.function.startLine,
      end_line: task.function.endLine,
      replica: task.replica,
      demonstration_id: state.pr?.demonstrationId ?? null,
      status,
      last_step: state.failure?.step ?? state.step,
      r1_attempts: state.rollouts.filter((r) => r.phase === "r1").length,
      failure_reason: state.failure?.reason ?? null,
      failure_detail: state.failure ? `${outage ? "teacher outage, resumable: " : ""}${state.failure.detail}` : null,
      recall: state.verification?.recall ?? null,
      provenance: instanceProvenance,
    });
    for (const r of state.rollouts) {
      write(rolloutsTable, {
        ...base,
        phase: r.phase,
        rollout_attempt: r.attempt,
        exit_status: r.exitStatus,
        steps: r.steps,
        input_tokens: r.inputTokens,
        cached_input_tokens: r.cachedInputTokens,
        output_tokens: r.outputTokens,
        wall_seconds: r.wallSeconds,
        prompt_index: r.promptIndex,
        self_check: r.selfCheck,
        failure_reason: r.failure,
        trajectory_path: path.join(dir, r.trajectoryFile),
        provenance: provenanceOf(calls.filter((c) => c.call.phase === r.phase && (r.phase !== "r1" || c.rolloutAttempt === r.attempt))),
      });
      const patchPath = path.join(dir, r.patchFile);
      const patch = existsSync(patchPath) ? readFileSync(patchPath, "utf8") : "";
      const size = patchStatistics(patch);
      write(patchesTable, {
        ...base,
        phase: r.phase,
        rollout_attempt: r.attempt,
        patch,
        sha256: sha256Hex(patch),
        files_changed: size.filesChanged,
        lines_added: size.linesAdded,
        lines_removed: size.linesRemoved,
      });
    }
    if (state.verification) {
      const v = state.verification;
      write(verificationsTable, {
        ...base,
        recall: v.recall,
        matched: v.matched,
        target_lines: v.targetLines,
        candidate_lines: v.candidateLines,
        precision: v.precision,
        f1: v.f1,
        threshold: v.threshold,
        mode: v.mode,
        verdict: v.verdict,
        provenance: instanceProvenance,
      });
    }
    for (const { seq, call, rolloutAttempt, provenance } of calls) {
      tokens.input += call.inputTokens;
      tokens.cached += call.cachedInputTokens;
      tokens.output += call.outputTokens;
      write(modelCallsTable, {
        ...base,
        seq,
        phase: call.phase ?? "",
        rollout_attempt: rolloutAttempt,
        endpoint: call.endpoint,
        model: call.model,
        http_attempt: call.httpAttempt ?? null,
        status: call.status,
        input_tokens: call.inputTokens,
        cached_input_tokens: call.cachedInputTokens,
        output_tokens: call.outputTokens,
        latency_ms: call.latencyMs,
        started_at: call.startedAt,
        provenance,
      });
    }
  }
  emitCosts(run, tokens, runProvenance);
  run.emit({
    instances: summary.instances,
    verified: summary.verified,
    unverified: summary.unverified,
    failed: summary.failed,
    paused: summary.paused,
    corrupt_files: corruptFiles.length,
    duplicate_patches: summary.failures.duplicate_patch ?? 0,
    verified_yield: summary.instances ? summary.verified / summary.instances : 0,
  });
  const repos = Object.entries(summary.byRepo);
  if (repos.length > 1) {
    for (const [name, figures] of repos) {
      run.emit({ [`repo.${name}.instances`]: figures.instances, [`repo.${name}.verified`]: figures.verified, [`repo.${name}.failed`]: figures.failed });
    }
  }
  return summary;
}

function emitCosts(run: StageExecution<GenerationParams>, tokens: { input: number; cached: number; output: number }, provenance: Provenance): void {
  const { selfHosted } = run.params.teacher;
  // A stand-in's tokens and GPU time cost nothing real: the quantities are kept, the prices are not,
  // and the source says whose they are (from what the server said, not from the config).
  const standIn = provenance === "stand-in";
  const prices = standIn ? undefined : run.params.teacher.prices;
  // What those tokens would have cost the real teacher: a --budget-usd cap counts it, as stage budgets do.
  const configuredPrices = run.params.teacher.prices;
  if (standIn && configuredPrices)
    run.emit({
      [standInUsdMetric]: teacherUsd(configuredPrices, { inputTokens: tokens.input, cachedInputTokens: tokens.cached, outputTokens: tokens.output }),
    });
  const perToken = (perM: number | undefined) => (perM === undefined ? null : perM / 1e6);
  const source = standIn ? `stand-in (answering as ${run.params.teacher.model})` : run.params.teacher.model;
  // The totals cover every call in the run's output directory, earlier attempts' included, so each
  // line carries a key: the ledger keeps one row per key and a later attempt's total replaces it.
  // Booking per attempt instead would count the calls of an attempt that failed after booking twice.
  const cost = [
    {
      kind: "teacher_input_tokens",
      quantity: tokens.input - tokens.cached,
      unit: "tokens",
      unit_price: perToken(prices?.inputPerMTok),
      source,
      key: "teacher_input_tokens",
    },
    {
      kind: "teacher_cached_input_tokens",
      quantity: tokens.cached,
      unit: "tokens",
      unit_price: perToken(prices?.cachedInputPerMTok),
      source,
      key: "teacher_cached_input_tokens",
    },
    {
      kind: "teacher_output_tokens",
      quantity: tokens.output,
      unit: "tokens",
      unit_price: perToken(prices?.outputPerMTok),
      source,
      key: "teacher_output_tokens",
    },
  ];
  run.emit({ cost });
  if (selfHosted) {
    const wallHours = Number(process.uptime()) / 3600;
    run.emit({
      cost: { kind: "gpu_hours", quantity: wallHours * selfHosted.gpus, unit: "gpu_hours", unit_price: standIn ? null : selfHosted.usdPerGpuHour, source },
    });
  }
}
