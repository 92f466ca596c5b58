import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type * as Core from "../src/index.js";
import { bookedDollars, InvocationSpend, type AttemptCosts } from "../src/executor/invocation-spend.js";
import type { AttemptResult, MetricsLine } from "../src/executor/journal.js";
import type { RunState } from "../src/executor/run-state.js";
import { budgetReached, scheduleStep, settleAttempt } from "../src/executor/schedule.js";
import type { CostLine } from "../src/store/tables.js";

/**
 * `sera run --budget-usd`: the scheduling step's decision and the ledger-rule dollars with plain
 * data, then the real coordinator (built core, local backend, worker host) over `command` runs
 * that book a dollar each.
 */

function run(id: string, phase: RunState["phase"], upstream: Record<string, string> = {}): RunState {
  return {
    plan: { id, experiment: "x", stage: id.replace(/\d+$/, ""), kind: "command", params: {}, seed: null, upstream, sweep: {} },
    phase,
    attempt: 0,
    failures: 0,
    maxAttempts: 1,
    notBefore: 0,
    sawRunning: false,
  };
}

describe("the scheduling step under an invocation budget", () => {
  const runs = [run("a1", "succeeded"), run("a2", "waiting"), run("a3", "waiting"), run("b1", "waiting", { a: "a9" }), run("a9", "failed")];

  it("starts runs with the dollars left while spend is under the cap", () => {
    expect(scheduleStep(runs, { concurrency: 2, now: 0, budget: { capUsd: 5, spentUsd: 3.5 } })).toEqual([
      { action: "skip", runId: "b1", event: { attempt: 0, event: "skipped", detail: { error: "upstream a run a9 failed" } } },
      { action: "start", runId: "a2", allowanceUsd: 1.5 },
      { action: "start", runId: "a3", allowanceUsd: 1.5 },
    ]);
  });

  it("starts nothing once the spend reaches the cap, but still skips what cannot run", () => {
    for (const spentUsd of [5, 7]) {
      expect(budgetReached({ capUsd: 5, spentUsd })).toBe(true);
      expect(scheduleStep(runs, { concurrency: 2, now: 0, budget: { capUsd: 5, spentUsd } }).map((d) => d.action)).toEqual(["skip"]);
    }
    expect(budgetReached({ capUsd: 5, spentUsd: 4.99 })).toBe(false);
    expect(budgetReached(undefined)).toBe(false);
    // A cap of zero starts nothing at all.
    expect(scheduleStep([run("a1", "waiting")], { concurrency: 1, now: 0, budget: { capUsd: 0, spentUsd: 0 } })).toEqual([]);
  });
});

describe("settling an attempt once the cap is reached", () => {
  const policy = { retryExitCodes: [75], backoffSeconds: 10 };
  const active: RunState = { ...run("g1", "active"), attempt: 1, handle: { backend: "local", jobRef: "1:1", submittedAt: "2026-01-01T00:00:00.000Z" } };
  const ended = (exitCode: number): AttemptResult => ({
    status: "failed",
    exitCode,
    signal: null,
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:00:02.000Z",
    wallSeconds: 2,
    error: `exit code ${exitCode}`,
    stdoutTail: "",
    stderrTail: "",
    artifacts: [],
  });

  it("a stage that stopped at the cap (a retry code) waits for the next sera run, with no retry scheduled, even with its retries spent", () => {
    const held = settleAttempt(active, { result: ended(75) }, policy, 1_000, true);
    expect(held.state).toMatchObject({ phase: "waiting", failures: 1, notBefore: 0 });
    expect(held.events.map((e) => e.event)).toEqual(["failed"]);
    // Under the cap the same ending is the ordinary verdict: out of retries, it fails.
    expect(settleAttempt(active, { result: ended(75) }, policy, 1_000, false).state.phase).toBe("failed");
  });

  it("any other failure still fails the run", () => {
    expect(settleAttempt(active, { result: ended(1) }, policy, 1_000, true).state.phase).toBe("failed");
    expect(settleAttempt(active, { lost: "gone" }, policy, 1_000, true).state.phase).toBe("failed");
  });
});

const cost = (extra: Partial<CostLine>): CostLine => ({ kind: "k", quantity: 1, unit: "u", unit_price: null, usd: null, source: "run", ...extra });
const line = (n: number, costs: CostLine[], values: Record<string, number> = {}): MetricsLine => ({ line: n, step: null, values, cost: costs });

describe("dollars booked by a run, by the ledger's rules", () => {
  it("adds plain lines, keeps the newest keyed total and accounting line, and counts a stand-in's priced estimate", () => {
    const attempts: AttemptCosts[] = [
      {
        accounting: [cost({ kind: "gpu_hours", quantity: 2, unit_price: 3 }), cost({ kind: "gpu_hours", quantity: 3, unit_price: 3 })],
        metrics: [line(1, [cost({ usd: 0.5 }), cost({ unit_price: 0.25, quantity: 4, key: "tokens" })]), line(2, [], { stand_in_usd: 0.3 })],
      },
      { accounting: [], metrics: [line(1, [cost({ unit_price: 0.25, quantity: 8, key: "tokens" }), cost({ quantity: 10 })], { stand_in_usd: 0.7 })] },
    ];
    // accounting 9 (the refined line), plain 0.5 (an unpriced line is $0), keyed total 2 (not 1 + 2), stand-in 0.7 (not 0.3 + 0.7).
    expect(bookedDollars(attempts)).toBeCloseTo(9 + 0.5 + 2 + 0.7, 10);
  });

  it("counts against the invocation only what a run booked after it started", () => {
    const booked = new Map([
      ["old", 10],
      ["new", 0],
    ]);
    const spend = new InvocationSpend((id) => booked.get(id)!);
    spend.track("old");
    spend.track("new");
    booked.set("old", 12.5);
    booked.set("new", 1);
    expect(spend.spentUsd()).toBe(0);
    spend.refresh(["old", "new", "untracked"]);
    expect(spend.spentUsd()).toBe(3.5);
    // Tracking again keeps the first baseline.
    spend.track("old");
    expect(spend.spentUsd()).toBe(3.5);
    expect([spend.touched("old"), spend.touched("untracked")]).toEqual([true, false]);
  });
});

const coreDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/index.js");
const root = mkdtempSync(path.join(os.tmpdir(), "sera-invocation-budget-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the coordinator under --budget-usd", () => {
  it("starts no run once the runs have booked the cap, and a rerun with a higher cap runs only the rest", async () => {
    const core = (await import(pathToFileURL(coreDist).href)) as typeof Core;
    const experimentFile = path.join(root, "dollars.yaml");
    writeFileSync(
      experimentFile,
      `name: dollars
store: ${path.join(root, "sera.duckdb")}
dir: ${path.join(root, "runs")}
backend: { kind: local, concurrency: 1 }
stages:
  spend:
    kind: command
    params:
      run: echo '{"cost":{"kind":"api","quantity":1,"unit":"call","usd":1}}' >> ${path.join(root, "calls.log")}; echo '{"cost":{"kind":"api","quantity":1,"unit":"call","usd":1}}'
sweep: { seeds: 3 }
`,
    );
    const first = await core.runExperiment(core.loadExperiment(experimentFile), { pollIntervalMs: 20, budgetUsd: 1.5 });
    // Run 1 starts with $1.50 left and books $1; run 2 starts with $0.50 left and books $1; run 3 never starts.
    expect(first.counts).toEqual({ succeeded: 2, "held by --budget-usd": 1 });
    expect(first.exitCode).toBe(1);
    expect(first.budget).toEqual({ capUsd: 1.5, spentUsd: 2, notStarted: 1, stoppedPartWay: 0 });
    const runsDir = path.join(root, "runs", "runs");
    const left = readdirSync(runsDir)
      .map((id) => readdirSync(path.join(runsDir, id)).filter((name) => name.startsWith("attempt-")))
      .map((attempts) => attempts.length)
      .sort();
    expect(left).toEqual([0, 1, 1]);
    const allowances = readdirSync(runsDir)
      .flatMap((id) => {
        try {
          return [JSON.parse(readFileSync(path.join(runsDir, id, "attempt-1", "job.json"), "utf8")) as { env: Record<string, string> }];
        } catch {
          return [];
        }
      })
      .map((job) => job.env.SERA_BUDGET_USD_LEFT)
      .sort();
    expect(allowances).toEqual(["0.5", "1.5"]);

    const second = await core.runExperiment(core.loadExperiment(experimentFile), { pollIntervalMs: 20, budgetUsd: 10 });
    expect(second.counts).toEqual({ succeeded: 3 });
    expect(second.exitCode).toBe(0);
    // Only the third run booked anything in this invocation; the first two were not run again.
    expect(second.budget).toEqual({ capUsd: 10, spentUsd: 1, notStarted: 0, stoppedPartWay: 0 });
    expect(readFileSync(path.join(root, "calls.log"), "utf8").trim().split("\n")).toHaveLength(3);
  }, 60_000);
});
