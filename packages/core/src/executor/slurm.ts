import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stopWithRetries, type Backend, type JobState } from "./backend.js";
import { attemptFiles, readJson, writeJsonAtomic, type AttemptResult, type JobFile, type JobHandle } from "./journal.js";
import { allocationCostLines, slurmJobAccounting, writeAccounting } from "./slurm-accounting.js";
import { lostSlurmStates, runningSlurmStates, sbatch, scancel, terminalSlurmStates } from "./slurm-cli.js";
import { mergeResources, type JobResources, type SlurmBackendConfig } from "./slurm-config.js";
import { renderArrayScript, renderBatchScript, resourceOptions, type BatchScriptInput } from "./slurm-script.js";
import { SlurmJobStates } from "./slurm-states.js";

/**
 * Slurm backend: one batch job per attempt, whose only step is sera's worker on the attempt
 * directory (a filesystem shared by the coordinator and the compute nodes is assumed, as on any
 * Slurm cluster). Slurm's final job state decides how the attempt is classified; the worker's
 * result.json supplies the details:
 *
 *   COMPLETED, FAILED            the worker's result as written
 *   CANCELLED                    cancelled (interrupted), also when the job never started
 *   TIMEOUT                      timeout (the Slurm time limit, not the run's own)
 *   OUT_OF_MEMORY                failed, with that reason (not retried: it would die the same way);
 *                                also FAILED when Slurm's error file says the step exceeded its memory
 *   PREEMPTED, NODE_FAIL, ...    lost: the cluster took the job away, so the coordinator retries it
 */

export const slurmWorkerScript = path.join(path.dirname(fileURLToPath(import.meta.url)), "worker-main.js");

export interface SlurmBackendOptions {
  config: SlurmBackendConfig;
  /** Stage name → the stage's own `resources:`. */
  stageResources?: Record<string, JobResources | undefined>;
}

/** A finished job, remembered between poll() and collect()/lostReason(). */
interface Settled {
  jobId: string;
  state: string;
  outcome: "done" | "lost";
  reason?: string;
}

/**
 * What slurmstepd writes to the job's error file when jobacct_gather's OverMemoryKill (clusters
 * without cgroup memory limits) kills a step; the job then ends FAILED, not OUT_OF_MEMORY.
 */
const overMemoryKill = /exceeded (job )?memory limit/i;

/** A job neither squeue nor sacct knows is only declared lost once it is older than this. */
const UNKNOWN_GRACE_MS = 60_000;

/**
 * Where an array's script and scheduler logs go: `<experiment dir>/slurm-arrays` for attempts of
 * one experiment (which share `<experiment dir>/runs`), else the deepest directory holding them all.
 */
function arrayDirectory(attemptDirs: string[]): string {
  const split = attemptDirs.map((dir) => path.resolve(dir).split(path.sep));
  let depth = 0;
  while (split.every((parts) => parts[depth] !== undefined && parts[depth] === split[0][depth])) depth++;
  const common = split[0].slice(0, depth).join(path.sep) || path.sep;
  return path.basename(common) === "runs" ? path.join(path.dirname(common), "slurm-arrays") : common;
}

/**
 * The ends of Slurm's files for the job on one line: its error file in the attempt directory and,
 * for array tasks, the array's scheduler log, where slurmstepd's own messages (such as a memory
 * kill) land because the task's redirection only covers what the script itself prints.
 */
function slurmErrorTail(attemptDir: string, jobId: string, schedulerLog?: string): string {
  return [path.join(attemptDir, `slurm-${jobId}.err`), ...(schedulerLog ? [schedulerLog] : [])]
    .filter((file) => existsSync(file) && statSync(file).size > 0)
    .map((file) => `${path.basename(file)}: ${oneLine(readFileSync(file, "utf8"))}`)
    .join("; ");
}

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `…${flat.slice(-max)}` : flat;
}

/** Everything the batch script of one attempt needs, from the backend settings and the run; `--dry-run` tools print it. */
export function batchInputFor(
  config: SlurmBackendConfig,
  job: { attemptDir: string; stage: string; runId: string; stageResources: JobResources | undefined; timeoutSeconds: number | null },
): BatchScriptInput {
  return {
    attemptDir: job.attemptDir,
    jobName: `${config.jobName}-${job.stage}-${job.runId.slice(0, 10)}`,
    resources: mergeResources(config.resources, job.stageResources),
    timeoutSeconds: job.timeoutSeconds,
    env: config.env,
    setup: config.setup,
    workdir: path.resolve(config.workdir ?? process.cwd()),
    node: config.node ?? process.execPath,
    workerScript: config.workerScript ?? slurmWorkerScript,
  };
}

/** The batch script input of an attempt the coordinator has prepared (job.json, and run.json beside it). */
export function slurmBatchInput(config: SlurmBackendConfig, stageResources: Record<string, JobResources | undefined>, attemptDir: string): BatchScriptInput {
  const job = readJson<JobFile>(path.join(attemptDir, attemptFiles.job));
  if (!job) throw new Error(`${attemptDir}: job.json missing or unreadable`);
  const run = readJson<{ stage?: string }>(path.join(path.dirname(attemptDir), "run.json"));
  const stage = run?.stage ?? job.env.SERA_STAGE ?? "run";
  return batchInputFor(config, { attemptDir, stage, runId: job.runId, stageResources: stageResources[stage], timeoutSeconds: job.timeoutSeconds });
}

export function slurmBackend(options: SlurmBackendOptions): Backend {
  const { config } = options;
  const states = new SlurmJobStates(config.pollSeconds * 1000);
  const settled = new Map<string, Settled>();
  const lastState = new Map<string, JobState>();
  const terminalSince = new Map<string, number>();

  const settle = async (attemptDir: string, jobId: string, state: string, schedulerLog?: string): Promise<Settled> => {
    const accounting = await slurmJobAccounting(jobId);
    if (accounting) writeAccounting(attemptDir, allocationCostLines(accounting.elapsedSeconds, accounting.allocation, config.prices, accounting.source));
    const hasResult = existsSync(path.join(attemptDir, attemptFiles.result));
    const tail = slurmErrorTail(attemptDir, jobId, schedulerLog);
    const logNote = tail ? `; ${tail}` : "";
    let entry: Settled;
    if (lostSlurmStates.has(state)) entry = { jobId, state, outcome: "lost", reason: `Slurm job ${jobId} ended ${state}` };
    else if (state === "OUT_OF_MEMORY" || (state === "FAILED" && overMemoryKill.test(tail))) {
      // Another attempt would ask for the same memory and die the same way: a failure, not a loss.
      entry = { jobId, state: "OUT_OF_MEMORY", outcome: "done", reason: `out of memory (Slurm job ${jobId} ended ${state}${logNote})` };
    } else if (hasResult || state === "CANCELLED") entry = { jobId, state, outcome: "done" };
    else entry = { jobId, state, outcome: "lost", reason: `Slurm job ${jobId} ended ${state} without a result from its worker${logNote}` };
    settled.set(attemptDir, entry);
    states.forget(jobId);
    terminalSince.delete(attemptDir);
    return entry;
  };

  const submitOne = async (attemptDir: string): Promise<JobHandle> => {
    const input = slurmBatchInput(config, options.stageResources ?? {}, attemptDir);
    const scriptFile = path.join(attemptDir, "slurm-job.sh");
    writeFileSync(scriptFile, renderBatchScript(input));
    chmodSync(scriptFile, 0o755);
    const jobId = await sbatch([scriptFile]);
    states.watch(jobId);
    return { backend: "slurm", jobRef: jobId, submittedAt: new Date().toISOString() };
  };

  return {
    name: "slurm",
    submit: submitOne,

    async submitMany(attemptDirs) {
      if (!config.arrays) return Promise.all(attemptDirs.map(submitOne));
      const inputs = attemptDirs.map((dir) => slurmBatchInput(config, options.stageResources ?? {}, dir));
      const groups = new Map<string, number[]>();
      for (const [index, input] of inputs.entries()) {
        const key = JSON.stringify(resourceOptions(input));
        groups.set(key, [...(groups.get(key) ?? []), index]);
      }
      const handles: JobHandle[] = [];
      for (const indices of groups.values()) {
        if (indices.length === 1) {
          handles[indices[0]] = await submitOne(attemptDirs[indices[0]]);
          continue;
        }
        const members = indices.map((i) => inputs[i]);
        const logDir = arrayDirectory(members.map((m) => m.attemptDir));
        mkdirSync(logDir, { recursive: true });
        const schedulerLog = path.join(logDir, "slurm-array-%A_%a.log");
        const script = renderArrayScript(members, `${config.jobName}-array-${members.length}`, schedulerLog);
        const scriptFile = path.join(logDir, `slurm-array-${process.pid}-${Date.now()}.sh`);
        writeFileSync(scriptFile, script);
        chmodSync(scriptFile, 0o755);
        // A copy beside each attempt, so every attempt directory shows how it was started.
        for (const member of members) writeFileSync(path.join(member.attemptDir, "slurm-job.sh"), script);
        const arrayId = await sbatch([scriptFile]);
        const submittedAt = new Date().toISOString();
        for (const [task, index] of indices.entries()) {
          const jobRef = `${arrayId}_${task}`;
          states.watch(jobRef);
          handles[index] = { backend: "slurm", jobRef, submittedAt, schedulerLog: schedulerLog.replace("%A", arrayId).replace("%a", String(task)) };
        }
      }
      return handles;
    },

    async poll(handle, attemptDir): Promise<JobState> {
      const known = settled.get(attemptDir);
      if (known) return known.outcome;
      const jobId = handle.jobRef;
      const state = await states.stateOf(jobId);
      if (state === null) return lastState.get(attemptDir) ?? "pending";
      if (state === "UNKNOWN") {
        if (existsSync(path.join(attemptDir, attemptFiles.result))) return (await settle(attemptDir, jobId, "UNKNOWN")).outcome;
        if (Date.now() - Date.parse(handle.submittedAt) < UNKNOWN_GRACE_MS) return lastState.get(attemptDir) ?? "pending";
        const entry: Settled = { jobId, state, outcome: "lost", reason: `Slurm has no record of job ${jobId} and its worker left no result` };
        settled.set(attemptDir, entry);
        states.forget(jobId);
        return "lost";
      }
      if (!terminalSlurmStates.has(state)) {
        const mapped: JobState = runningSlurmStates.has(state) ? "running" : "pending";
        lastState.set(attemptDir, mapped);
        return mapped;
      }
      const started = existsSync(path.join(attemptDir, attemptFiles.started));
      const hasResult = existsSync(path.join(attemptDir, attemptFiles.result));
      const killedForMemory = () => state === "OUT_OF_MEMORY" || overMemoryKill.test(slurmErrorTail(attemptDir, jobId, handle.schedulerLog));
      if (started && !hasResult && !lostSlurmStates.has(state) && !killedForMemory()) {
        const since = terminalSince.get(attemptDir) ?? Date.now();
        terminalSince.set(attemptDir, since);
        if (Date.now() - since < config.resultGraceSeconds * 1000) return "running";
      }
      lastState.delete(attemptDir);
      return (await settle(attemptDir, jobId, state, handle.schedulerLog)).outcome;
    },

    async cancel(handle) {
      await stopWithRetries(() => scancel(handle.jobRef));
    },

    async collect(handle, attemptDir): Promise<AttemptResult> {
      const entry = settled.get(attemptDir);
      settled.delete(attemptDir);
      const resultFile = path.join(attemptDir, attemptFiles.result);
      const state = entry?.state ?? "UNKNOWN";
      const written = readJson<AttemptResult>(resultFile);
      const jobId = handle.jobRef;
      let result: AttemptResult;
      if (!written) {
        if (state !== "CANCELLED" && state !== "OUT_OF_MEMORY")
          throw new Error(`${attemptDir}: result.json missing or unreadable (Slurm job ${jobId} ${state})`);
        const now = new Date().toISOString();
        const started = readJson<{ at?: string }>(path.join(attemptDir, attemptFiles.started));
        const startedAt = started?.at ?? now;
        result = {
          status: state === "CANCELLED" ? "cancelled" : "failed",
          exitCode: null,
          signal: state === "CANCELLED" ? null : "SIGKILL",
          startedAt,
          finishedAt: now,
          wallSeconds: Math.max(0, (Date.parse(now) - Date.parse(startedAt)) / 1000),
          error:
            state === "OUT_OF_MEMORY"
              ? (entry?.reason ?? `out of memory (Slurm job ${jobId})`)
              : started
                ? `cancelled; its worker left no result (Slurm job ${jobId})`
                : `cancelled before it started (Slurm job ${jobId})`,
          stdoutTail: "",
          stderrTail: "",
          artifacts: [],
        };
      } else if (state === "CANCELLED" && written.status !== "succeeded" && written.status !== "cancelled") {
        // The worker may see its command die of Slurm's SIGTERM before its own signal handler runs.
        result = { ...written, status: "cancelled", error: `cancelled (Slurm job ${jobId})` };
      } else if (state === "TIMEOUT" && written.status !== "succeeded") {
        result = { ...written, status: "timeout", error: `Slurm time limit reached (job ${jobId})` };
      } else if (state === "OUT_OF_MEMORY" && written.status !== "succeeded") {
        result = { ...written, status: "failed", error: entry?.reason ?? `out of memory (Slurm job ${jobId})` };
      } else return written;
      writeJsonAtomic(resultFile, result);
      return result;
    },

    lostReason(_handle, attemptDir) {
      const entry = settled.get(attemptDir);
      settled.delete(attemptDir);
      return entry?.reason;
    },
  };
}
