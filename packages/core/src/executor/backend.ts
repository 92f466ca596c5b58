import type { AttemptResult, JobHandle } from "./journal.js";

/**
 * What every execution backend offers. It mirrors a cluster scheduler (submit, poll, cancel,
 * collect) rather than "call a function", so local processes, Slurm jobs and Ray jobs all fit.
 * A job is an attempt directory holding job.json; the backend starts a worker on it somewhere.
 */
export type JobState = "pending" | "running" | "done" | "lost";

/**
 * Ask a cluster to stop a job, three tries with a growing pause: a controller that is briefly
 * unreachable should not turn Ctrl-C into a crash. False when every try failed; the coordinator
 * then marks the run interrupted after its wait.
 */
export async function stopWithRetries(stop: () => Promise<unknown>): Promise<boolean> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await stop();
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
  return false;
}

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
  /**
   * The coordinator has written the attempt's handle.json. A backend whose jobs wait for their
   * handle before starting (so a coordinator killed mid-submit leaves no unrecorded job) is told
   * here instead of having the job look for the file.
   */
  recorded?(handle: JobHandle, attemptDir: string): void;
  /**
   * Resolves when some job may have changed state, or after `timeoutMs`: a backend that hears of
   * finished jobs (the local worker host) lets the coordinator poll at once instead of on its timer.
   */
  waitForChange?(timeoutMs: number): Promise<void>;
  /** The coordinator is done submitting; release what the backend holds (the local host's pipe). */
  close?(): void;
}
