import type { AttemptResult, JobHandle } from "./journal.js";

/**
 * What every execution backend offers. It mirrors a cluster scheduler (submit, poll, cancel,
 * collect) rather than "call a function", so local processes, Slurm jobs and Ray jobs all fit.
 * A job is an attempt directory holding job.json; the backend starts a worker on it somewhere.
 */
export type JobState = "pending" | "running" | "done" | "lost";

export interface Backend {
  name: string;
  submit(attemptDir: string): Promise<JobHandle>;
  /**
   * Submit several attempts at once, one handle per directory in the same order. Optional: the
   * coordinator falls back to submit() per attempt. Slurm uses it for job arrays.
   */
  submitMany?(attemptDirs: string[]): Promise<JobHandle[]>;
  poll(handle: JobHandle, attemptDir: string): Promise<JobState>;
  /** Ask the job to stop; its worker still writes result.json with status "cancelled". */
  cancel(handle: JobHandle, attemptDir: string): Promise<void>;
  /** Read the finished attempt (and, on clusters, accounting such as GPU-hours). */
  collect(handle: JobHandle, attemptDir: string): Promise<AttemptResult>;
  /** Why a job that poll() reported "lost" was lost (e.g. "Slurm job 12 ended PREEMPTED"), if the backend knows. */
  lostReason?(handle: JobHandle, attemptDir: string): string | undefined;
}
