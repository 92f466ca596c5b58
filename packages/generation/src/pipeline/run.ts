import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { z } from "zod";
import { readJson, readJsonl, sha256Hex, type StageExecution } from "@sera/core";
import { inventory } from "../inventory/inventory.js";
import { selectCommits } from "../inventory/commits.js";
import { bwrapAvailable } from "../sandbox/bwrapCommand.js";
import { prepareSource, type PreparedSource } from "../sandbox/source.js";
import { loadDemonstrationPool, type Demonstration } from "../tasks/demonstrations.js";
import { sampleTasks, type SampledTask } from "../tasks/sampling.js";
import { changedLines } from "../verify/changed-lines.js";
import { advanceInstance, loadInstanceState, type InstanceState } from "./instance.js";
import type { GenerationParams } from "./params.js";
import { buildTeacher, type OwnedCallRecord } from "./teacher.js";
import { instancesTable, modelCallsTable, patchesTable, rolloutsTable, verificationsTable, type GenerationTable } from "../records/tables.js";

/**
 * The `sera-generate` stage body: list functions, sample instances, push every instance through
 * its state machine with bounded concurrency, and write the record files that ingest loads.
 * Progress goes out as JSON lines (the spine records them as metrics; `sera run` draws bars).
 */

export interface GenerationSummary {
  instances: number;
  verified: number;
  unverified: number;
  failed: number;
  failures: Record<string, number>;
}

/** Commits, inventory and sampling; each instance draws its demonstration from `demonstrations`, the pool the run looks it up in. */
export async function planTasks(
  params: GenerationParams,
  seed: number,
  outDir: string,
  demonstrations: ReadonlyMap<string, Demonstration>,
): Promise<{ tasks: SampledTask[]; sources: Map<string, PreparedSource> }> {
  const repoName = params.repoName ?? path.basename(path.resolve(params.repo));
  const commits = await selectCommits(params.repo, Array.isArray(params.commits) ? { commits: params.commits } : params.commits);
  if (commits.length === 0) throw new Error(`${params.repo}: no commits in the selection window`);
  const cacheRoot = path.join(os.tmpdir(), "sera-cache");
  const tasks: SampledTask[] = [];
  const sources = new Map<string, PreparedSource>();
  const codeFolders: Record<string, string>[] = [];
  for (const commit of commits) {
    const listed = await inventory(params.repo, commit, { ...params.inventory, repoName });
    codeFolders.push({ commit: listed.commit, ...listed.codeFolder });
    tasks.push(
      ...sampleTasks({
        functions: listed.functions,
        seed,
        repo: repoName,
        commit: listed.commit,
        functionsPerRepo: params.functionsPerRepo,
        instancesPerFunction: params.instancesPerFunction,
        demonstrationIds: [...demonstrations.keys()],
      }),
    );
    sources.set(listed.commit, await prepareSource(params.repo, listed.commit, cacheRoot));
  }
  const plan = { repo: repoName, commits, codeFolders, instances: tasks.length };
  appendFileSync(path.join(outDir, "plan.jsonl"), JSON.stringify(plan) + "\n");
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
  throw new Error("bubblewrap (bwrap) is not available: install it (apt-get install bubblewrap) or set sandbox: none to run a real teacher's commands without isolation");
}

export async function runGeneration(run: StageExecution<GenerationParams>): Promise<GenerationSummary> {
  const { params, outDir } = run;
  const seed = run.seed ?? 0;
  const instancesDir = path.join(outDir, "instances");
  mkdirSync(instancesDir, { recursive: true });
  const isolation = await isolationFor(params, run.emit);
  const demonstrations = await demonstrationPool(params);
  const { tasks, sources } = await planTasks(params, seed, outDir, demonstrations);
  const teacher = buildTeacher(params.teacher, (record: OwnedCallRecord) => {
    if (!record.instanceId) return;
    appendFileSync(path.join(instancesDir, record.instanceId, "calls.jsonl"), JSON.stringify(record) + "\n");
  });
  const sandboxRoot = existsSync("/dev/shm") ? "/dev/shm/sera-sandboxes" : path.join(os.tmpdir(), "sera-sandboxes");

  const counts = { done: 0, verified: 0, failed: 0, rollouts: 0, outputTokens: 0 };
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
  };
  const account = (state: InstanceState) => {
    counts.done++;
    if (state.step === "failed") counts.failed++;
    else if (state.verification?.verdict === "pass") counts.verified++;
  };
  const ticker = setInterval(progress, 2000);
  try {
    let next = 0;
    const worker = async () => {
      while (next < tasks.length) {
        run.signal.throwIfAborted();
        const task = tasks[next++];
        const dir = path.join(instancesDir, task.id);
        const state = loadInstanceState(dir, task);
        if (state.step === "done" || state.step === "failed") {
          account(state);
          continue;
        }
        mkdirSync(dir, { recursive: true });
        const finished = await advanceInstance(
          state,
          { teacher, source: sources.get(task.commit)!, sandboxRoot, isolation, params, demonstrations, dir, signal: run.signal },
          (s) => {
            const last = s.rollouts.at(-1);
            if (last && (s.step === "self_check" || s.step === "verify" || s.step === "rollout1" || s.step === "failed")) {
              counts.rollouts++;
              counts.outputTokens += last.outputTokens;
            }
          },
        );
        account(finished);
      }
    };
    await Promise.all(Array.from({ length: Math.min(params.concurrency, Math.max(tasks.length, 1)) }, worker));
  } finally {
    clearInterval(ticker);
  }
  progress();
  return writeRecords(run, tasks, instancesDir);
}

/** Derive the per-table JSONL files from the instance directories (the durable source). */
export function writeRecords(run: StageExecution<GenerationParams>, tasks: SampledTask[], instancesDir: string): GenerationSummary {
  const recordsDir = path.join(run.outDir, "records");
  rmSync(recordsDir, { recursive: true, force: true });
  mkdirSync(recordsDir, { recursive: true });
  const write = <Row extends z.ZodRawShape>(table: GenerationTable<Row>, row: z.input<z.ZodObject<Row>>) =>
    appendFileSync(path.join(recordsDir, `${table.name}.jsonl`), JSON.stringify(table.row.parse(row)) + "\n");
  const summary: GenerationSummary = { instances: tasks.length, verified: 0, unverified: 0, failed: 0, failures: {} };
  const tokens = { input: 0, cached: 0, output: 0 };
  for (const task of tasks) {
    const dir = path.join(instancesDir, task.id);
    const state = readJson<InstanceState>(path.join(dir, "state.json"));
    if (!state) continue;
    const base = { run_id: run.runId, instance_id: task.id };
    const status = state.step === "failed" ? "failed" : state.verification?.verdict === "pass" ? "verified" : "unverified";
    summary[status]++;
    if (state.failure) summary.failures[state.failure.reason] = (summary.failures[state.failure.reason] ?? 0) + 1;
    write(instancesTable, {
      ...base, repo: task.repo, commit_sha: task.commit, file: task.function.file, function: task.function.qualifiedName,
      function_kind: task.function.kind, language: task.function.language, start_line: task.function.startLine, end_line: task.function.endLine,
      replica: task.replica, demonstration_id: state.pr?.demonstrationId ?? null, status, last_step: state.failure?.step ?? state.step,
      r1_attempts: state.rollouts.filter((r) => r.phase === "r1").length, failure_reason: state.failure?.reason ?? null,
      failure_detail: state.failure?.detail ?? null, recall: state.verification?.recall ?? null,
    });
    for (const r of state.rollouts) {
      write(rolloutsTable, {
        ...base, phase: r.phase, attempt: r.attempt, exit_status: r.exitStatus, steps: r.steps, input_tokens: r.inputTokens,
        cached_input_tokens: r.cachedInputTokens, output_tokens: r.outputTokens, wall_seconds: r.wallSeconds, prompt_index: r.promptIndex,
        self_check: r.selfCheck, failure_reason: r.failure, trajectory_path: path.join(dir, r.trajectoryFile),
      });
      const patchPath = path.join(dir, r.patchFile);
      const patch = existsSync(patchPath) ? readFileSync(patchPath, "utf8") : "";
      const lines = changedLines(patch);
      write(patchesTable, {
        ...base, phase: r.phase, attempt: r.attempt, patch, sha256: sha256Hex(patch), files_changed: lines.files.length,
        lines_added: lines.added, lines_removed: lines.removed,
      });
    }
    if (state.verification) {
      const v = state.verification;
      write(verificationsTable, {
        ...base, recall: v.recall, matched: v.matched, target_lines: v.targetLines, candidate_lines: v.candidateLines,
        precision: v.precision, f1: v.f1, threshold: v.threshold, mode: v.mode, verdict: v.verdict,
      });
    }
    for (const [seq, call] of readJsonl<OwnedCallRecord>(path.join(dir, "calls.jsonl")).entries()) {
      tokens.input += call.inputTokens;
      tokens.cached += call.cachedInputTokens;
      tokens.output += call.outputTokens;
      write(modelCallsTable, {
        ...base, seq, phase: call.phase ?? "", attempt: call.attempt ?? 0, endpoint: call.endpoint, model: call.model,
        http_attempt: call.attempt ?? 1, status: call.status, input_tokens: call.inputTokens, cached_input_tokens: call.cachedInputTokens,
        output_tokens: call.outputTokens, latency_ms: call.latencyMs, started_at: call.startedAt,
      });
    }
  }
  emitCosts(run, tokens);
  run.emit({ instances: summary.instances, verified: summary.verified, unverified: summary.unverified, failed: summary.failed, verified_yield: summary.instances ? summary.verified / summary.instances : 0 });
  return summary;
}

function emitCosts(run: StageExecution<GenerationParams>, tokens: { input: number; cached: number; output: number }): void {
  const { prices, selfHosted } = run.params.teacher;
  const perToken = (perM: number | undefined) => (perM === undefined ? null : perM / 1e6);
  const source = run.params.teacher.scriptedStandIn ? "scripted-stand-in" : run.params.teacher.model;
  const cost = [
    { kind: "teacher_input_tokens", quantity: tokens.input - tokens.cached, unit: "tokens", unit_price: perToken(prices?.inputPerMTok), source },
    { kind: "teacher_cached_input_tokens", quantity: tokens.cached, unit: "tokens", unit_price: perToken(prices?.cachedInputPerMTok), source },
    { kind: "teacher_output_tokens", quantity: tokens.output, unit: "tokens", unit_price: perToken(prices?.outputPerMTok), source },
  ];
  run.emit({ cost });
  if (selfHosted) {
    const wallHours = Number(process.uptime()) / 3600;
    run.emit({ cost: { kind: "gpu_hours", quantity: wallHours * selfHosted.gpus, unit: "gpu_hours", unit_price: selfHosted.usdPerGpuHour, source } });
  }
}
