import { describe, expect, it } from "vitest";
import type { AttemptResult, JobHandle } from "../src/executor/journal.js";
import type { RetryPolicy, RunState } from "../src/executor/run-state.js";
import { scheduleStep, settleAttempt } from "../src/executor/schedule.js";

/**
 * The coordinator's scheduling step and retry decisions with plain data: run states, a clock and
 * a concurrency in; decisions out. No backend, no files.
 */

const handle: JobHandle = { backend: "local", jobRef: "1:1", submittedAt: "2026-01-01T00:00:00.000Z" };

function run(id: string, phase: RunState["phase"], extra: Partial<RunState> & { upstream?: Record<string, string> } = {}): RunState {
  const { upstream = {}, ...rest } = extra;
  return {
    plan: { id, experiment: "x", stage: id.replace(/\d+$/, ""), kind: "command", params: {}, seed: null, upstream, sweep: {} },
    phase,
    attempt: 0,
    failures: 0,
    maxAttempts: 3,
    notBefore: 0,
    sawRunning: false,
    ...(phase === "active" ? { handle } : {}),
    ...rest,
  };
}

const result = (status: AttemptResult["status"], exitCode: number | null, extra: Partial<AttemptResult> = {}): AttemptResult => ({
  status,
  exitCode,
  signal: null,
  startedAt: "2026-01-01T00:00:00.000Z",
  finishedAt: "2026-01-01T00:00:02.000Z",
  wallSeconds: 2,
  error: status === "succeeded" ? null : `exit code ${exitCode}`,
  stdoutTail: "",
  stderrTail: "",
  artifacts: [],
  ...extra,
});

describe("scheduling step", () => {
  it("starts waiting runs in plan order up to the concurrency, counting active ones", () => {
    const runs = [run("a1", "active"), run("a2", "waiting"), run("a3", "waiting"), run("a4", "waiting")];
    expect(scheduleStep(runs, { concurrency: 3, now: 0 })).toEqual([
      { action: "start", runId: "a2" },
      { action: "start", runId: "a3" },
    ]);
    expect(scheduleStep(runs, { concurrency: 1, now: 0 })).toEqual([]);
  });

  it("waits for upstream runs to succeed", () => {
    const runs = [run("a1", "active"), run("b1", "waiting", { upstream: { a: "a1" } }), run("c1", "waiting", { upstream: { a: "a1" } })];
    expect(scheduleStep(runs, { concurrency: 4, now: 0 })).toEqual([]);
    runs[0] = run("a1", "succeeded");
    expect(scheduleStep(runs, { concurrency: 4, now: 0 }).map((d) => d.runId)).toEqual(["b1", "c1"]);
  });

  it("holds a retry until its backoff has passed", () => {
    const runs = [run("a1", "waiting", { attempt: 1, failures: 1, notBefore: 5_000 })];
    expect(scheduleStep(runs, { concurrency: 1, now: 4_999 })).toEqual([]);
    expect(scheduleStep(runs, { concurrency: 1, now: 5_000 })).toEqual([{ action: "start", runId: "a1" }]);
  });

  it("skips the dependants of a failed run, down the chain, and starts what is independent", () => {
    // c depends on b, which depends on the failed a; listed out of dependency order on purpose.
    const runs = [
      run("c1", "waiting", { upstream: { b: "b1" } }),
      run("a1", "failed", { attempt: 2 }),
      run("b1", "waiting", { upstream: { a: "a1" } }),
      run("d1", "waiting"),
    ];
    expect(scheduleStep(runs, { concurrency: 2, now: 0 })).toEqual([
      { action: "skip", runId: "b1", event: { attempt: 0, event: "skipped", detail: { error: "upstream a run a1 failed" } } },
      { action: "skip", runId: "c1", event: { attempt: 0, event: "skipped", detail: { error: "upstream b run b1 skipped" } } },
      { action: "start", runId: "d1" },
    ]);
  });

  it("decides nothing when every run is final", () => {
    expect(scheduleStep([run("a1", "succeeded"), run("b1", "skipped"), run("c1", "failed")], { concurrency: 2, now: 0 })).toEqual([]);
  });
});

describe("settling an attempt", () => {
  const policy: RetryPolicy = { retryExitCodes: [75], backoffSeconds: 10 };
  const active = run("a1", "active", { attempt: 1, sawRunning: true });

  it("success ends the run", () => {
    const settled = settleAttempt(active, { result: result("succeeded", 0) }, policy, 1_000);
    expect(settled.state).toMatchObject({ phase: "succeeded", failures: 0, handle: undefined });
    expect(settled.events).toEqual([{ attempt: 1, event: "succeeded", detail: { wallSeconds: 2 } }]);
  });

  it("an interrupted attempt waits for the next coordinator without using budget", () => {
    const settled = settleAttempt(active, { result: result("cancelled", null) }, policy, 1_000);
    expect(settled.state).toMatchObject({ phase: "waiting", failures: 0 });
    expect(settled.events).toEqual([{ attempt: 1, event: "interrupted", detail: { error: "interrupted" } }]);
  });

  it("a retry exit code is retried after an exponential backoff while the budget lasts", () => {
    const first = settleAttempt(active, { result: result("failed", 75, { reason: "teacher down" }) }, policy, 1_000);
    expect(first.state).toMatchObject({ phase: "waiting", failures: 1, notBefore: 11_000 });
    expect(first.events).toEqual([
      { attempt: 1, event: "failed", detail: { error: "exit code 75", exitCode: 75, reason: "teacher down" } },
      { attempt: 1, event: "retry_scheduled", detail: { inSeconds: 10 } },
    ]);
    const second = settleAttempt({ ...first.state, phase: "active", attempt: 2 }, { lost: "Slurm job 12 ended PREEMPTED" }, policy, 20_000);
    expect(second.state).toMatchObject({ phase: "waiting", failures: 2, notBefore: 40_000 });
    expect(second.events[0]).toEqual({ attempt: 2, event: "lost", detail: { error: "Slurm job 12 ended PREEMPTED" } });
    const third = settleAttempt({ ...second.state, phase: "active", attempt: 3 }, { result: result("timeout", null) }, policy, 50_000);
    expect(third.state).toMatchObject({ phase: "failed", failures: 3 });
    expect(third.events.map((e) => e.event)).toEqual(["timeout"]);
  });

  it("any other failure fails the run at once", () => {
    const settled = settleAttempt(active, { result: result("failed", 1) }, policy, 1_000);
    expect(settled.state.phase).toBe("failed");
    expect(settled.events).toEqual([{ attempt: 1, event: "failed", detail: { error: "exit code 1", exitCode: 1 } }]);
  });

  it("a lost worker without a known reason says so", () => {
    expect(settleAttempt(active, { lost: undefined }, policy, 0).events[0]).toEqual({
      attempt: 1,
      event: "lost",
      detail: { error: "the worker disappeared without a result" },
    });
  });
});
