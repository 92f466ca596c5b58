import type { AttemptResult } from "./journal.js";
import type { NewEvent, RetryPolicy, RunState } from "./run-state.js";

/**
 * The coordinator's decisions, free of side effects: which runs to skip and which to start
 * (`scheduleStep`), and what a finished attempt means for its run (`settleAttempt`: succeeded,
 * retry after a backoff, or failed). The loop applies what these return to the backend and journal.
 */

export type Decision =
  /** The run cannot run: an upstream run failed or was skipped. */
  | { action: "skip"; runId: string; event: NewEvent }
  /**
   * Start the run's next attempt. Under an invocation cap, `allowanceUsd` is what is left of it:
   * the job learns it, so a stage that spends as it goes (generation) stops there too.
   */
  | { action: "start"; runId: string; allowanceUsd?: number };

export interface ScheduleLimits {
  /** At most this many runs active at once. */
  concurrency: number;
  /** Epoch milliseconds; retries wait until their `notBefore`. */
  now: number;
  /** `sera run --budget-usd`: the cap and the dollars this invocation's runs have booked so far. */
  budget?: InvocationBudget;
}

export interface InvocationBudget {
  capUsd: number;
  spentUsd: number;
}

// The same dollars summed in another order (a stage's own count, the coordinator's) may differ in the last bits.
const sameDollars = 1e-9;

/** Whether the invocation's cap is reached: from then on no run starts (nor retries), whatever else allows it. */
export function budgetReached(budget: InvocationBudget | undefined): boolean {
  return budget !== undefined && budget.spentUsd >= budget.capUsd - sameDollars;
}

/**
 * One scheduling turn over the runs in plan order. Skips cascade (a skipped run blocks its own
 * downstream in the same turn); then waiting runs whose upstream all succeeded and whose backoff
 * has passed start, in plan order, until `concurrency` runs are active — none once the invocation's
 * budget is reached. Each start under a budget carries the dollars left; runs started in the same
 * turn all get that amount, since none has spent anything yet.
 */
export function scheduleStep(runs: readonly RunState[], limits: ScheduleLimits): Decision[] {
  const byId = new Map(runs.map((run) => [run.plan.id, run]));
  const phase = new Map(runs.map((run) => [run.plan.id, run.phase]));
  const upstreamOf = (run: RunState) => Object.values(run.plan.upstream).map((id) => byId.get(id)!);
  const decisions: Decision[] = [];
  for (let changed = true; changed;) {
    changed = false;
    for (const run of runs) {
      if (phase.get(run.plan.id) !== "waiting") continue;
      const blocked = upstreamOf(run).find((up) => phase.get(up.plan.id) === "failed" || phase.get(up.plan.id) === "skipped");
      if (!blocked) continue;
      phase.set(run.plan.id, "skipped");
      changed = true;
      decisions.push({
        action: "skip",
        runId: run.plan.id,
        event: {
          attempt: run.attempt,
          event: "skipped",
          detail: { error: `upstream ${blocked.plan.stage} run ${blocked.plan.id} ${phase.get(blocked.plan.id)}` },
        },
      });
    }
  }
  let active = runs.filter((run) => run.phase === "active").length;
  if (budgetReached(limits.budget)) return decisions;
  const allowance = limits.budget ? { allowanceUsd: limits.budget.capUsd - limits.budget.spentUsd } : {};
  for (const run of runs) {
    if (active >= limits.concurrency) break;
    if (phase.get(run.plan.id) !== "waiting" || run.notBefore > limits.now) continue;
    if (!upstreamOf(run).every((up) => phase.get(up.plan.id) === "succeeded")) continue;
    decisions.push({ action: "start", runId: run.plan.id, ...allowance });
    active++;
  }
  return decisions;
}

/** How an attempt ended: its result, or lost (the job vanished without one) with the reason when known. */
export type AttemptEnd = { result: AttemptResult } | { lost: string | undefined };

export interface Settled {
  state: RunState;
  events: NewEvent[];
}

/**
 * A finished attempt's effect on its run. Success ends the run; a cancelled attempt (interrupted)
 * waits for the next coordinator without using budget; a lost or timed-out attempt, or one that
 * exited with a retry code, is retried after `backoffSeconds × 2^(failures−1)` while the budget
 * lasts; anything else fails the run. Once the invocation's `--budget-usd` is reached
 * (`capReached`) nothing is retried: such an attempt leaves its run waiting for the next `sera run`
 * (a stage stopped at the cap exits with a retry code: it is no verdict on the run).
 */
export function settleAttempt(state: RunState, end: AttemptEnd, policy: RetryPolicy, now: number, capReached = false): Settled {
  const attempt = state.attempt;
  const next: RunState = { ...state, handle: undefined };
  const result = "result" in end ? end.result : null;
  if (result?.status === "succeeded") {
    return { state: { ...next, phase: "succeeded" }, events: [{ attempt, event: "succeeded", detail: { wallSeconds: result.wallSeconds } }] };
  }
  if (result?.status === "cancelled") {
    return { state: { ...next, phase: "waiting" }, events: [{ attempt, event: "interrupted", detail: { error: "interrupted" } }] };
  }
  next.failures++;
  const events: NewEvent[] = [
    result === null
      ? { attempt, event: "lost", detail: { error: ("lost" in end ? end.lost : undefined) ?? "the worker disappeared without a result" } }
      : { attempt, event: result.status, detail: { error: result.error, exitCode: result.exitCode, ...(result.reason ? { reason: result.reason } : {}) } },
  ];
  const transient = result !== null && result.exitCode !== null && policy.retryExitCodes.includes(result.exitCode);
  const retryable = result === null || result.status === "timeout" || transient;
  if (retryable && capReached && (transient || next.failures < next.maxAttempts)) return { state: { ...next, phase: "waiting" }, events };
  if (retryable && next.failures < next.maxAttempts) {
    const delay = policy.backoffSeconds * 2 ** (next.failures - 1);
    events.push({ attempt, event: "retry_scheduled", detail: { inSeconds: delay } });
    return { state: { ...next, phase: "waiting", notBefore: now + delay * 1000 }, events };
  }
  return { state: { ...next, phase: "failed" }, events };
}
