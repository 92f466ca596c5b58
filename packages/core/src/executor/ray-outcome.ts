import path from "node:path";
import { attemptFiles, readJson, type AttemptResult } from "./journal.js";
import type { RayJobDetails, RaySubmitRequest } from "./ray-client.js";

/**
 * What a finished Ray job cost and, when its worker left no result, why.
 *
 * Ray stamps a job's `start_time` when it is submitted, while it is still PENDING: queueing for
 * resources and runtime_env set-up (a pip install, a working_dir download) all fall between
 * `start_time` and the driver starting. Booking `end_time − start_time` as GPU time would charge a
 * run for the cluster being busy. So the hours come from the worker's own clock: started.json
 * (written as it begins) to result.json's finish, or to Ray's end time when the driver died
 * without a result. A worker that never started booked nothing.
 */

export interface HeldTime {
  seconds: number;
  /** How the seconds were measured, for the ledger's source column. */
  basis: string;
}

export function workerHeldTime(attemptDir: string, details: RayJobDetails): HeldTime | null {
  const started = readJson<{ at?: string }>(path.join(attemptDir, attemptFiles.started));
  const startedAt = started?.at ? Date.parse(started.at) : Number.NaN;
  if (!Number.isFinite(startedAt)) return null;
  const result = readJson<AttemptResult>(path.join(attemptDir, attemptFiles.result));
  const finishedAt = result?.finishedAt ? Date.parse(result.finishedAt) : Number.NaN;
  if (Number.isFinite(finishedAt)) return { seconds: Math.max(0, (finishedAt - startedAt) / 1000), basis: "worker start to finish" };
  // No result: the driver died (node lost, SIGKILL); its resources were held until Ray saw it end.
  const end = details.end_time ?? Date.now();
  return { seconds: Math.max(0, (end - startedAt) / 1000), basis: "worker start to Ray end time, no result" };
}

function requested(submitted: RaySubmitRequest | undefined): string {
  const parts: string[] = [];
  if (submitted?.entrypoint_num_gpus) parts.push(`${submitted.entrypoint_num_gpus} GPU`);
  if (submitted?.entrypoint_num_cpus) parts.push(`${submitted.entrypoint_num_cpus} CPU`);
  if (submitted?.entrypoint_memory) parts.push(`${Math.round(submitted.entrypoint_memory / 1024 ** 3)} GiB memory`);
  return parts.length > 0 ? parts.join(", ") : "no entrypoint resources";
}

/** Ray's own error type and message, in brackets, for the end of a reason. */
function rayWords(details: RayJobDetails, prefix = "Ray: "): string {
  const why = [details.error_type, details.message].filter(Boolean).join(": ");
  return why ? ` (${prefix}${why.replace(/\s+/g, " ").slice(0, 300)})` : "";
}

/** Why an attempt whose Ray job ended without a worker result is lost, in words that say what to do. */
export function lostReason(id: string, details: RayJobDetails, attemptDir: string): string {
  const submitted = readJson<RaySubmitRequest>(path.join(attemptDir, "ray-submission.json"));
  switch (details.error_type) {
    case "JOB_SUPERVISOR_ACTOR_START_TIMEOUT":
      return (
        `Ray job ${id} never started: it stayed PENDING past the cluster's start timeout (RAY_JOB_START_TIMEOUT_SECONDS on the head node, 900 s by default), ` +
        `so no node had its resources (${requested(submitted)}) free in time; check \`ray status\`, ask for less, or raise the timeout${rayWords(details)}`
      );
    case "JOB_SUPERVISOR_ACTOR_UNSCHEDULABLE":
      return `Ray job ${id} never started: no node in the cluster can hold its resources (${requested(submitted)})${rayWords(details)}`;
    case "RUNTIME_ENV_SETUP_FAILURE":
      return `Ray job ${id} never started: its runtime_env could not be set up${rayWords(details)}`;
    default:
      return (
        `Ray job ${id} ended ${details.status} without a result from its worker${rayWords(details, "")}` +
        (details.status === "SUCCEEDED" ? "; is the experiment directory on a filesystem the Ray nodes share?" : "")
      );
  }
}
