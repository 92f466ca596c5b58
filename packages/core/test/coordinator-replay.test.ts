import { describe, expect, it } from "vitest";
import type { JobHandle, RunEvent } from "../src/executor/journal.js";
import { attemptToAdopt, endedTransient, replayRun, type ReplayPolicy } from "../src/executor/replay.js";
import type { PlannedRun } from "../src/sweep/expand.js";

/**
 * Journal replay with plain data: a run's journal (events, newest attempt directory, that
 * attempt's handle) in, the run's state and the events still to write out. No files, no backend.
 */

const plan: PlannedRun = { id: "r1", experiment: "x", stage: "work", kind: "command", params: {}, seed: null, upstream: {}, sweep: {} };
const policy: ReplayPolicy = { maxAttempts: 2, retryFailed: false, retryExitCodes: [75] };
const handle: JobHandle = { backend: "local", jobRef: "4242:99", submittedAt: "2026-01-01T00:00:00.000Z" };

let clock = 0;
const event = (attempt: number, name: RunEvent["event"], detail?: Record<string, unknown>): RunEvent => ({
  at: new Date(Date.UTC(2026, 0, 1) + clock++ * 1000).toISOString(),
  attempt,
  event: name,
  ...(detail ? { detail } : {}),
});

describe("journal replay", () => {
  it("a run with no journal is queued and waits", () => {
    const { state, events } = replayRun(plan, { events: [], newestAttemptDir: 0 }, policy);
    expect(events).toEqual([{ attempt: 0, event: "queued" }]);
    expect(state).toMatchObject({ phase: "waiting", attempt: 0, failures: 0, maxAttempts: 2, sawRunning: false });
  });

  it("a succeeded run stays succeeded and writes nothing", () => {
    const journal = [event(0, "queued"), event(1, "submitted"), event(1, "running"), event(1, "succeeded")];
    const { state, events } = replayRun(plan, { events: journal, newestAttemptDir: 1 }, policy);
    expect(state.phase).toBe("succeeded");
    expect(events).toEqual([]);
  });

  it("re-attaches the newest attempt when it has no ending and its handle read", () => {
    const journal = [event(0, "queued"), event(1, "submitted"), event(1, "running")];
    expect(attemptToAdopt(journal, 1)).toBe(1);
    const { state, events } = replayRun(plan, { events: journal, newestAttemptDir: 1, adoptedHandle: handle }, policy);
    expect(state).toMatchObject({ phase: "active", attempt: 1, handle, sawRunning: true });
    expect(events).toEqual([{ attempt: 1, event: "reattached", detail: { jobRef: "4242:99" } }]);
  });

  it("adopts an attempt directory ahead of the events (killed mid-submit) so its number is not reused", () => {
    const journal = [event(0, "queued"), event(1, "submitted"), event(1, "lost"), event(1, "retry_scheduled")];
    expect(attemptToAdopt(journal, 2)).toBe(2);
    // No handle: the attempt never started (workers wait for it); the next attempt will be 3.
    const { state, events } = replayRun(plan, { events: journal, newestAttemptDir: 2 }, policy);
    expect(state).toMatchObject({ phase: "waiting", attempt: 2, failures: 1 });
    expect(events).toEqual([]);
  });

  it("does not adopt an attempt that ended", () => {
    const journal = [event(0, "queued"), event(1, "submitted"), event(1, "interrupted")];
    expect(attemptToAdopt(journal, 1)).toBeUndefined();
    expect(replayRun(plan, { events: journal, newestAttemptDir: 1, adoptedHandle: handle }, policy).state).toMatchObject({ phase: "waiting", attempt: 1 });
  });

  it("a run that used its budget stays failed; --retry-failed gives it a fresh one", () => {
    const journal = [event(0, "queued"), event(1, "submitted"), event(1, "timeout"), event(2, "submitted"), event(2, "failed", { exitCode: 1 })];
    expect(replayRun(plan, { events: journal, newestAttemptDir: 2 }, policy).state).toMatchObject({ phase: "failed", failures: 2 });
    expect(replayRun(plan, { events: journal, newestAttemptDir: 2 }, { ...policy, retryFailed: true }).state).toMatchObject({
      phase: "waiting",
      attempt: 2,
      failures: 0,
    });
  });

  it("a run whose last attempt exited with a retry code is no verdict: fresh budget on the next run", () => {
    const journal = [
      event(0, "queued"),
      event(1, "submitted"),
      event(1, "failed", { exitCode: 75 }),
      event(2, "submitted"),
      event(2, "failed", { exitCode: 75 }),
    ];
    expect(endedTransient(journal.at(-1), [75])).toBe(true);
    expect(replayRun(plan, { events: journal, newestAttemptDir: 2 }, policy).state).toMatchObject({ phase: "waiting", failures: 0 });
    // The same exit code is a verdict when it is not a retry code.
    expect(replayRun(plan, { events: journal, newestAttemptDir: 2 }, { ...policy, retryExitCodes: [] }).state.phase).toBe("failed");
  });

  it("a failed run within its budget waits to be retried", () => {
    const journal = [event(0, "queued"), event(1, "submitted"), event(1, "lost"), event(1, "retry_scheduled")];
    expect(replayRun(plan, { events: journal, newestAttemptDir: 1 }, policy).state).toMatchObject({ phase: "waiting", attempt: 1, failures: 1 });
  });
});
