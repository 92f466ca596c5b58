import { createHash } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stopWithRetries, type Backend, type JobState } from "./backend.js";
import { attemptFiles, readJson, writeJsonAtomic, type AttemptResult, type JobFile } from "./journal.js";
import { RayJobsClient, terminalRayStatuses, type RayJobDetails, type RaySubmitRequest } from "./ray-client.js";
import type { RayBackendConfig } from "./ray-config.js";
import { lostReason, workerHeldTime } from "./ray-outcome.js";
import { uploadWorkingDir } from "./ray-package.js";
import { allocationCostLines, writeAccounting } from "./slurm-accounting.js";
import { mergeResources, type JobResources } from "./slurm-config.js";
import { shellQuote } from "./shell.js";

/**
 * Ray Jobs backend: each attempt is a Ray job whose entrypoint is sera's worker on the attempt
 * directory, so the experiment directory must be on a filesystem the Ray nodes share with the
 * coordinator (the worker reads job.json there and writes its result there). Code can instead be
 * shipped with `uploadWorkingDir`. The job's final Ray status decides the attempt's class:
 * SUCCEEDED/FAILED → the worker's result; STOPPED → cancelled; FAILED without a result (driver or
 * node died, runtime_env could not be set up, PENDING past Ray's start timeout) → lost, which the
 * coordinator retries. Accounting and lost reasons: ray-outcome.ts.
 */

export interface RayBackendOptions {
  config: RayBackendConfig;
  stageResources?: Record<string, JobResources | undefined>;
  /** Environment the header values are read from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

interface Settled {
  status: string;
  outcome: "done" | "lost";
  reason?: string;
}

const workerScript = path.join(path.dirname(fileURLToPath(import.meta.url)), "worker-main.js");
const MEMORY_UNITS: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

export function memoryBytes(memory: string): number {
  const match = /^(\d+)([KMGT]?)$/.exec(memory);
  if (!match) throw new Error(`not a memory size: ${memory}`);
  // Slurm reads a bare number as megabytes; keep that meaning.
  return Number(match[1]) * MEMORY_UNITS[match[2] || "M"];
}

export function rayHeaders(config: RayBackendConfig, env: NodeJS.ProcessEnv): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [header, variable] of Object.entries(config.headersFromEnv)) {
    const value = env[variable];
    if (value === undefined || value === "") throw new Error(`backend.headersFromEnv.${header}: environment variable ${variable} is not set`);
    headers[header] = value;
  }
  return headers;
}

/** The Ray job request for one attempt; exported so it can be printed or checked without a cluster. */
export function raySubmission(
  config: RayBackendConfig,
  stageResources: Record<string, JobResources | undefined>,
  attemptDir: string,
  workingDirUri?: string,
): RaySubmitRequest {
  const job = readJson<JobFile>(path.join(attemptDir, attemptFiles.job));
  if (!job) throw new Error(`${attemptDir}: job.json missing or unreadable`);
  const run = readJson<{ stage?: string; experiment?: string }>(path.join(path.dirname(attemptDir), "run.json"));
  const stage = run?.stage ?? job.env.SERA_STAGE ?? "run";
  const resources = mergeResources(config.resources, stageResources[stage]);
  const suffix = createHash("sha256").update(path.resolve(attemptDir)).digest("hex").slice(0, 8);
  const baseEnv = (config.runtimeEnv.env_vars ?? {}) as Record<string, string>;
  const runtimeEnv: Record<string, unknown> = {
    ...config.runtimeEnv,
    // Ray sends SIGTERM on stop and SIGKILL after this many seconds; the worker needs a few to report.
    // SERA_BACKEND tells stages that the backend books the job's GPU-/CPU-hours, so they need not.
    env_vars: { RAY_JOB_STOP_WAIT_TIME_S: "15", ...baseEnv, ...config.env, SERA_BACKEND: "ray" },
  };
  if (workingDirUri) runtimeEnv.working_dir = workingDirUri;
  const request: RaySubmitRequest = {
    entrypoint: `exec ${shellQuote(config.node)} ${shellQuote(config.workerScript ?? workerScript)} ${shellQuote(path.resolve(attemptDir))}`,
    submission_id: `sera-${job.runId.slice(0, 16)}-${job.attempt}-${suffix}`,
    runtime_env: runtimeEnv,
    metadata: {
      sera_experiment: run?.experiment ?? job.env.SERA_EXPERIMENT ?? "",
      sera_stage: stage,
      sera_run_id: job.runId,
      sera_attempt: String(job.attempt),
    },
  };
  if (resources.cpusPerTask !== undefined) request.entrypoint_num_cpus = resources.cpusPerTask;
  if (resources.gpus !== undefined) request.entrypoint_num_gpus = resources.gpus;
  if (resources.memory !== undefined) request.entrypoint_memory = memoryBytes(resources.memory);
  return request;
}

export function rayBackend(options: RayBackendOptions): Backend {
  const { config } = options;
  const client = new RayJobsClient({
    address: config.address,
    headers: rayHeaders(config, options.env ?? process.env),
    tlsVerify: config.tlsVerify,
    timeoutMs: config.requestTimeoutSeconds * 1000,
  });
  let workingDirUri: Promise<string> | null = null;
  const settled = new Map<string, Settled>();
  const seen = new Map<string, { at: number; details: RayJobDetails | null | undefined }>();
  const terminalSince = new Map<string, number>();

  const saveLogs = async (id: string, attemptDir: string) => {
    try {
      writeFileSync(path.join(attemptDir, "ray-job.log"), await client.logs(id));
    } catch {
      /* logs are a convenience; the worker's own stdout.log/stderr.log are the record */
    }
  };

  const settle = async (id: string, attemptDir: string, details: RayJobDetails): Promise<Settled> => {
    await saveLogs(id, attemptDir);
    const submitted = readJson<RaySubmitRequest>(path.join(attemptDir, "ray-submission.json"));
    // Hours from the worker's own start and finish, never Ray's start_time (stamped at submission).
    const held = workerHeldTime(attemptDir, details);
    if (held) {
      const allocation = { cpus: submitted?.entrypoint_num_cpus ?? 0, gpus: submitted?.entrypoint_num_gpus ?? 0 };
      writeAccounting(
        attemptDir,
        allocationCostLines(held.seconds, allocation, config.prices, `ray job ${id} (${held.basis} × requested entrypoint resources)`),
      );
    }
    const hasResult = existsSync(path.join(attemptDir, attemptFiles.result));
    let entry: Settled;
    if (hasResult || details.status === "STOPPED") entry = { status: details.status, outcome: "done" };
    else entry = { status: details.status, outcome: "lost", reason: lostReason(id, details, attemptDir) };
    settled.set(attemptDir, entry);
    seen.delete(attemptDir);
    terminalSince.delete(attemptDir);
    return entry;
  };

  const forget = async (id: string) => {
    if (!config.deleteFinished) return;
    try {
      await client.delete(id);
    } catch {
      /* a job that cannot be deleted now is only clutter on the cluster */
    }
  };

  return {
    name: "ray",
    async submit(attemptDir) {
      let uri: string | undefined;
      if (config.uploadWorkingDir) {
        const root = path.resolve(config.uploadWorkingDir);
        workingDirUri ??= uploadWorkingDir(client, root).catch((error: unknown) => {
          workingDirUri = null;
          throw error;
        });
        uri = await workingDirUri;
        // The command's cwd moves into the unpacked copy when it lies inside the uploaded directory.
        const jobFile = path.join(attemptDir, attemptFiles.job);
        const job = readJson<JobFile>(jobFile);
        const relative = job ? path.relative(root, path.resolve(job.cwd)) : "..";
        if (job && !relative.startsWith("..") && !path.isAbsolute(relative)) writeJsonAtomic(jobFile, { ...job, cwd: relative || "." });
      }
      const request = raySubmission(config, options.stageResources ?? {}, attemptDir, uri);
      writeJsonAtomic(path.join(attemptDir, "ray-submission.json"), request);
      const reply = await client.submit(request);
      return { backend: "ray", jobRef: reply.submission_id, submittedAt: new Date().toISOString() };
    },

    async poll(handle, attemptDir): Promise<JobState> {
      const known = settled.get(attemptDir);
      if (known) return known.outcome;
      const id = handle.jobRef;
      let cached = seen.get(attemptDir);
      if (!cached || Date.now() - cached.at >= config.pollSeconds * 1000) {
        let details: RayJobDetails | null | undefined;
        try {
          details = await client.get(id);
        } catch {
          details = undefined; // unreachable dashboard: no verdict, ask again next time
        }
        cached = { at: Date.now(), details: details === undefined ? cached?.details : details };
        seen.set(attemptDir, cached);
      }
      const details = cached.details;
      if (details === undefined) return "pending";
      if (details === null) {
        if (existsSync(path.join(attemptDir, attemptFiles.result))) {
          settled.set(attemptDir, { status: "UNKNOWN", outcome: "done" });
          return "done";
        }
        settled.set(attemptDir, { status: "UNKNOWN", outcome: "lost", reason: `the Ray cluster has no job ${id}` });
        return "lost";
      }
      if (!terminalRayStatuses.has(details.status)) return details.status === "RUNNING" ? "running" : "pending";
      const started = existsSync(path.join(attemptDir, attemptFiles.started));
      if (started && !existsSync(path.join(attemptDir, attemptFiles.result)) && details.status !== "STOPPED") {
        const since = terminalSince.get(attemptDir) ?? Date.now();
        terminalSince.set(attemptDir, since);
        if (Date.now() - since < config.resultGraceSeconds * 1000) return "running";
      }
      const entry = await settle(id, attemptDir, details);
      if (entry.outcome === "lost") await forget(id);
      return entry.outcome;
    },

    async cancel(handle) {
      await stopWithRetries(() => client.stop(handle.jobRef));
    },

    async collect(handle, attemptDir): Promise<AttemptResult> {
      const entry = settled.get(attemptDir);
      settled.delete(attemptDir);
      const resultFile = path.join(attemptDir, attemptFiles.result);
      const written = readJson<AttemptResult>(resultFile);
      let result: AttemptResult;
      if (!written) {
        if (entry?.status !== "STOPPED") throw new Error(`${attemptDir}: result.json missing or unreadable (Ray job ${handle.jobRef})`);
        const now = new Date().toISOString();
        result = {
          status: "cancelled",
          exitCode: null,
          signal: null,
          startedAt: now,
          finishedAt: now,
          wallSeconds: 0,
          error: `stopped before its worker reported (Ray job ${handle.jobRef})`,
          stdoutTail: "",
          stderrTail: "",
          artifacts: [],
        };
      } else if (entry?.status === "STOPPED" && written.status !== "succeeded" && written.status !== "cancelled") {
        result = { ...written, status: "cancelled", error: `stopped (Ray job ${handle.jobRef})` };
      } else result = written;
      if (result !== written) writeJsonAtomic(resultFile, result);
      await forget(handle.jobRef);
      return result;
    },

    lostReason(_handle, attemptDir) {
      const entry = settled.get(attemptDir);
      settled.delete(attemptDir);
      return entry?.reason;
    },
  };
}
