import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Backend, JobState } from "./backend.js";
import { attemptFiles, readJson, writeJsonAtomic, type AttemptResult, type JobFile, type JobHandle } from "./journal.js";
import { allocationCostLines, slurmJobAccounting, writeAccounting } from "./slurm-accounting.js";
import { lostSlurmStates, runningSlurmStates, sbatch, scancel, terminalSlurmStates } from "./slurm-cli.js";
import { mergeResources, type JobResources, type SlurmBackendConfig } from "./slurm-config.js";
import { renderBatchScript, type BatchScriptInput } from "./slurm-script.js";
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
 *   OUT_OF_MEMORY                failed, with that reason
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

/** A job neither squeue nor sacct knows is only declared lost once it is older than this. */
const UNKNOWN_GRACE_MS = 60_000;

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `…${flat.slice(-max)}` : flat;
}

/** Everything the batch script needs for one attempt; exported so `--dry-run` style tools can print it. */
export function slurmBatchInput(config: SlurmBackendConfig, stageResources: Record<string, JobResources | undefined>, attemptDir: string): BatchScriptInput {
  const job = readJson<JobFile>(path.join(attemptDir, attemptFiles.job));
  if (!job) throw new Error(`${attemptDir}: job.json missing or unreadable`);
  const run = readJson<{ stage?: string }>(path.join(path.dirname(attemptDir), "run.json"));
  const stage = run?.stage ?? job.env.SERA_STAGE ?? "run";
  return {
    attemptDir,
    jobName: `${config.jobName}-${stage}-${job.runId.slice(0, 10)}`,
    resources: mergeResources(config.resources, stageResources[stage]),
    timeoutSeconds: job.timeoutSeconds,
    env: config.env,
    setup: config.setup,
    workdir: path.resolve(config.workdir ?? process.cwd()),
    node: config.node ?? process.execPath,
    workerScript: config.workerScript ?? slurmWorkerScript,
  };
}

export function slurmBackend(options: SlurmBackendOptions): Backend {
  const { config } = options;
  const states = new SlurmJobStates(config.pollSeconds * 1000);
  const settled = new Map<string, Settled>();
  const lastState = new Map<string, JobState>();
  const terminalSince = new Map<string, number>();

  const settle = async (attemptDir: string, jobId: string, state: string): Promise<Settled> => {
    const accounting = await slurmJobAccounting(jobId);
    if (accounting) writeAccounting(attemptDir, allocationCostLines(accounting.elapsedSeconds, accounting.allocation, config.prices, accounting.source));
    const hasResult = existsSync(path.join(attemptDir, attemptFiles.result));
    let entry: Settled;
    if (lostSlurmStates.has(state)) entry = { jobId, state, outcome: "lost", reason: `Slurm job ${jobId} ended ${state}` };
    else if (hasResult || state === "CANCELLED") entry = { jobId, state, outcome: "done" };
    else {
      const errFile = path.join(attemptDir, `slurm-${jobId}.err`);
      const tail = existsSync(errFile) ? oneLine(readFileSync(errFile, "utf8")) : "";
      entry = { jobId, state, outcome: "lost", reason: `Slurm job ${jobId} ended ${state} without a result from its worker${tail ? `; slurm-${jobId}.err: ${tail}` : ""}` };
    }
    settled.set(attemptDir, entry);
    states.forget(jobId);
    terminalSince.delete(attemptDir);
    return entry;
  };

  return {
    name: "slurm",
    async submit(attemptDir) {
      const input = slurmBatchInput(config, options.stageResources ?? {}, attemptDir);
      const scriptFile = path.join(attemptDir, "slurm-job.sh");
      writeFileSync(scriptFile, renderBatchScript(input));
      chmodSync(scriptFile, 0o755);
      const jobId = await sbatch([scriptFile]);
      states.watch(jobId);
      return { backend: "slurm", jobRef: jobId, submittedAt: new Date().toISOString() };
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
      if (started && !hasResult && !lostSlurmStates.has(state)) {
        const since = terminalSince.get(attemptDir) ?? Date.now();
        terminalSince.set(attemptDir, since);
        if (Date.now() - since < config.resultGraceSeconds * 1000) return "running";
      }
      lastState.delete(attemptDir);
      return (await settle(attemptDir, jobId, state)).outcome;
    },

    async cancel(handle) {
      for (let attempt = 1; attempt <= 3; attempt++) {
        try {
          await scancel(handle.jobRef);
          return;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
        }
      }
      // The controller could not be reached: the coordinator marks the run interrupted after its wait.
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
        if (state !== "CANCELLED") throw new Error(`${attemptDir}: result.json missing or unreadable (Slurm job ${jobId} ${state})`);
        const now = new Date().toISOString();
        result = {
          status: "cancelled",
          exitCode: null,
          signal: null,
          startedAt: now,
          finishedAt: now,
          wallSeconds: 0,
          error: existsSync(path.join(attemptDir, attemptFiles.started)) ? `cancelled; its worker left no result (Slurm job ${jobId})` : `cancelled before it started (Slurm job ${jobId})`,
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
        result = { ...written, status: "failed", error: `out of memory (Slurm job ${jobId})` };
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
