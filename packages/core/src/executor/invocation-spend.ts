import path from "node:path";
import type { CostLine } from "../contract/run-records.js";
import { attemptFiles, attemptsOnDisk, readJsonl, type CorruptionSink, type MetricsLine, type RunPaths } from "./journal.js";

/**
 * What one `sera run` has spent, for `--budget-usd`: the dollars its runs book in the cost ledger
 * while it runs. A run's dollars are counted by the ledger's own rules (ingest.ts), from the same
 * files: a cluster accounting line per attempt and kind; a plain cost line is one expense; a keyed
 * cost line is a running total of the run, so only its newest value counts. What a run had booked
 * before this invocation touched it is its baseline and is not this invocation's.
 */

/**
 * A metric a stage reports when a stand-in did work that a real service would bill: what it would
 * have cost at the configured prices (a running total over the run's attempts). The ledger books
 * that work without a price, yet the cap counts it, as a stage's own budget does, so a dry run
 * against the stand-in stops where the real teacher would.
 */
export const standInUsdMetric = "stand_in_usd";

/** One attempt's cost records as read from its directory. */
export interface AttemptCosts {
  accounting: CostLine[];
  metrics: MetricsLine[];
}

const lineDollars = (cost: CostLine) => cost.usd ?? (cost.unit_price !== null ? cost.unit_price * cost.quantity : 0);

/** The dollars a run's attempts (oldest first) have booked, plus its newest stand-in estimate. */
export function bookedDollars(attempts: readonly AttemptCosts[]): number {
  let expenses = 0;
  const totals = new Map<string, number>();
  let standIn = 0;
  for (const attempt of attempts) {
    // The backend may refine an attempt's accounting line for a kind: the last one stands.
    const accounting = new Map(attempt.accounting.map((cost) => [cost.kind, lineDollars(cost)]));
    for (const dollars of accounting.values()) expenses += dollars;
    for (const metrics of attempt.metrics) {
      for (const cost of metrics.cost) {
        if (cost.key === undefined) expenses += lineDollars(cost);
        else totals.set(cost.key, lineDollars(cost));
      }
      const estimate = metrics.values[standInUsdMetric];
      if (estimate !== undefined) standIn = estimate;
    }
  }
  return expenses + [...totals.values()].reduce((sum, dollars) => sum + dollars, 0) + standIn;
}

/** Read a run's attempts' cost records from disk; damaged lines go to `onCorrupt` (ingest reports the same ones). */
export function readRunCosts(paths: RunPaths, onCorrupt: CorruptionSink): AttemptCosts[] {
  return attemptsOnDisk(paths).map((attempt) => ({
    accounting: readJsonl<CostLine>(path.join(paths.attemptDir(attempt), attemptFiles.accounting), { onCorrupt, action: "skipped that cost line" }),
    metrics: readJsonl<MetricsLine>(path.join(paths.attemptDir(attempt), attemptFiles.metrics), { onCorrupt, action: "skipped those metrics" }),
  }));
}

/** The invocation's spend: each run's dollars now minus its dollars when this invocation first started or re-attached it. */
export class InvocationSpend {
  private readonly baseline = new Map<string, number>();
  private readonly latest = new Map<string, number>();
  private readonly dollarsOf: (runId: string) => number;

  constructor(dollarsOf: (runId: string) => number) {
    this.dollarsOf = dollarsOf;
  }

  /** Count this run from now on; called before its first attempt in this invocation writes anything (again: a no-op). */
  track(runId: string): void {
    if (this.baseline.has(runId)) return;
    const dollars = this.dollarsOf(runId);
    this.baseline.set(runId, dollars);
    this.latest.set(runId, dollars);
  }

  /** Re-read what these tracked runs have booked. */
  refresh(runIds: Iterable<string>): void {
    for (const runId of runIds) if (this.baseline.has(runId)) this.latest.set(runId, this.dollarsOf(runId));
  }

  /** Whether this invocation started or re-attached the run. */
  touched(runId: string): boolean {
    return this.baseline.has(runId);
  }

  spentUsd(): number {
    let spent = 0;
    for (const [runId, dollars] of this.latest) spent += Math.max(0, dollars - this.baseline.get(runId)!);
    return spent;
  }
}
