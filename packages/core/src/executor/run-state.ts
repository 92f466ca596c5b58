import type { PlannedRun } from "../sweep/expand.js";
import type { JobHandle, RunEvent } from "./journal.js";

/**
 * What the coordinator knows about one run between loop turns: plain data, rebuilt from the
 * journal on start (replay.ts), advanced by the pure scheduling step (schedule.ts) and applied to
 * the backend and journal by the loop (coordinator.ts).
 */

/** waiting: ready or not yet (upstream, backoff); active: an attempt is submitted; the rest are final for this coordinator. */
export type Phase = "waiting" | "active" | "succeeded" | "failed" | "skipped";

export interface RunState {
  plan: PlannedRun;
  phase: Phase;
  /** The newest attempt number in use (0 before the first). */
  attempt: number;
  /** Failed attempts counted against the retry budget. */
  failures: number;
  maxAttempts: number;
  /** Epoch milliseconds before which a retry must not start (backoff). */
  notBefore: number;
  /** The active attempt's job, while phase is "active". */
  handle?: JobHandle;
  /** Whether the current attempt's `running` event is already in the journal. */
  sawRunning: boolean;
}

/** An event still to be appended to a run's journal (the loop stamps `at`). */
export type NewEvent = Omit<RunEvent, "at">;

/** When to try again: exit codes meaning "temporary failure" and the backoff base. */
export interface RetryPolicy {
  retryExitCodes: readonly number[];
  backoffSeconds: number;
}
