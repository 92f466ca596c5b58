import { summariseEvents } from "../store/ingest.js";
import type { PlannedRun } from "../sweep/expand.js";
import type { JobHandle, RunEvent } from "./journal.js";
import type { NewEvent, RunState } from "./run-state.js";

/**
 * Journal replay: a run's state from what its journal holds, so a coordinator killed with -9 and
 * started again continues where the journal says. Pure: the loop reads the files and passes their
 * contents in; the events replay wants written (queued, reattached) come back as data.
 */

/** Events that end an attempt: an attempt with one of these is never adopted again. */
const attemptEndings = new Set<RunEvent["event"]>(["succeeded", "failed", "timeout", "lost", "interrupted"]);
const failureStatuses = new Set<string>(["failed", "timeout", "lost"]);

/** What the journal holds for one run, as read from disk by the caller. */
export interface RunJournal {
  events: RunEvent[];
  /** The highest `attempt-<n>` directory on disk, 0 when there is none. */
  newestAttemptDir: number;
  /** The handle.json of the attempt `attemptToAdopt` names, when it exists and reads. */
  adoptedHandle?: JobHandle;
}

export interface ReplayPolicy {
  maxAttempts: number;
  /** `--retry-failed`: failed runs get a fresh budget. */
  retryFailed: boolean;
  retryExitCodes: readonly number[];
}

export interface Replayed {
  state: RunState;
  /** Events to append to the run's journal, in order. */
  events: NewEvent[];
}

/**
 * The attempt directory to adopt, if any: the newest one may be ahead of the events when the
 * coordinator died mid-submit, and adopting it means its number is never reused and a live worker
 * is re-attached, not duplicated. The caller reads that attempt's handle.json (and only that one).
 */
export function attemptToAdopt(events: readonly RunEvent[], newestAttemptDir: number): number | undefined {
  const summary = summariseEvents([...events]);
  if (summary.status === "succeeded" || newestAttemptDir === 0 || newestAttemptDir < summary.attempt) return undefined;
  const ended = events.some((e) => e.attempt === newestAttemptDir && attemptEndings.has(e.event));
  return ended ? undefined : newestAttemptDir;
}

/** Whether a run's last status said "temporary failure" (a retry exit code, e.g. a teacher outage). */
export function endedTransient(last: RunEvent | undefined, retryExitCodes: readonly number[]): boolean {
  return last?.event === "failed" && typeof last.detail?.exitCode === "number" && retryExitCodes.includes(last.detail.exitCode);
}

export function replayRun(plan: PlannedRun, journal: RunJournal, policy: ReplayPolicy): Replayed {
  const summary = summariseEvents(journal.events);
  const events: NewEvent[] = [];
  const state: RunState = {
    plan,
    phase: "waiting",
    attempt: summary.attempt,
    failures: summary.failures,
    maxAttempts: policy.maxAttempts,
    notBefore: 0,
    sawRunning: summary.status === "running",
  };
  if (summary.lastEvent === undefined) events.push({ attempt: 0, event: "queued" });
  const transient = endedTransient(summary.lastEvent, policy.retryExitCodes);
  const adopted = attemptToAdopt(journal.events, journal.newestAttemptDir);
  if (summary.status === "succeeded") state.phase = "succeeded";
  else if (adopted !== undefined) {
    state.attempt = adopted;
    // Without a readable handle the attempt is abandoned (never started: a worker waits for its
    // handle) and the next one gets a fresh number.
    if (journal.adoptedHandle) {
      state.handle = journal.adoptedHandle;
      state.phase = "active";
      events.push({ attempt: adopted, event: "reattached", detail: { jobRef: journal.adoptedHandle.jobRef } });
    }
  } else if (failureStatuses.has(summary.status) && !policy.retryFailed && !transient && state.failures >= state.maxAttempts) {
    state.phase = "failed";
  }
  // A temporary failure is no verdict: each new `sera run` gives such a run a fresh budget, as
  // --retry-failed does for every failed run.
  if (policy.retryFailed || transient) state.failures = 0;
  return { state, events };
}
