import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { LoadedExperiment } from "../config/experiment.js";
import { expandSweep, type PlannedRun } from "../sweep/expand.js";
import { JobBuildError, writeAttemptJob, type AttemptJobSetting } from "./attempt-job.js";
import type { Backend } from "./backend.js";
import { createBackend } from "./backends.js";
import {
  attemptFiles,
  attemptsOnDisk,
  appendEvent,
  readEvents,
  readJson,
  repairJsonl,
  reportCorruptionToStderr,
  runPaths,
  writeJsonAtomic,
  type CorruptFile,
  type CorruptionSink,
  type JobHandle,
  type RunEvent,
  type RunPaths,
} from "./journal.js";
import { InvocationSpend, bookedDollars, readRunCosts } from "./invocation-spend.js";
import { JournalIngest } from "./journal-ingest.js";
import { acquireCoordinatorLock } from "./lock.js";
import { processStartTime } from "./process-identity.js";
import { attemptToAdopt, replayRun, type Replayed, type ReplayPolicy } from "./replay.js";
import type { NewEvent, RetryPolicy, RunState } from "./run-state.js";
import { budgetReached, scheduleStep, settleAttempt, type AttemptEnd, type InvocationBudget } from "./schedule.js";

/**
 * The coordinator: the one process that schedules an experiment's runs and owns its writes to
 * the store. Three pieces: journal replay rebuilds each run's state on start (replay.ts, so a
 * kill -9 loses nothing and live attempts are re-attached); a pure scheduling step decides what to
 * skip, start and retry (schedule.ts); and this loop applies those decisions to the backend, the
 * journal and, in short periodic transactions, the store (journal-ingest.ts).
 */

export interface RunOptions {
  /** Give failed runs a fresh retry budget. */
  retryFailed?: boolean;
  backend?: Backend;
  signal?: AbortSignal;
  pollIntervalMs?: number;
  flushIntervalMs?: number;
  onEvent?: (run: PlannedRun, event: RunEvent) => void;
  /**
   * Local workers stop when this process dies, instead of being re-attached by the next
   * coordinator: for runs that depend on something living here (quickstart's scripted teacher).
   */
  stopWorkersWithCoordinator?: boolean;
  /**
   * `sera run --budget-usd`: once the runs of this invocation have booked this many dollars, no
   * further run (or retry) starts; each job started learns what is left (SERA_BUDGET_USD_LEFT).
   */
  budgetUsd?: number;
}

/** How a `--budget-usd` invocation ended. */
export interface BudgetReport {
  capUsd: number;
  spentUsd: number;
  /** Runs left waiting that this invocation never started. */
  notStarted: number;
  /** Runs this invocation started that stopped at the cap and wait for a rerun (a stage that spends as it goes). */
  stoppedPartWay: number;
}

export interface RunReport {
  experiment: string;
  store: string;
  dir: string;
  total: number;
  counts: Record<string, number>;
  interrupted: boolean;
  /** 0 all succeeded, 1 some failed, were skipped or were held by the budget, 130 interrupted. */
  exitCode: number;
  /** Present under `budgetUsd`. */
  budget?: BudgetReport;
  /** Journal files found unreadable (each reported once on stderr) and what was done about them. */
  corruptFiles: CorruptFile[];
}

export function experimentDir(loaded: LoadedExperiment): string {
  return path.resolve(loaded.config.dir ?? path.join(".sera", "experiments", loaded.config.name));
}

/** Read a run's journal from disk (repairing a torn last event) and replay it. */
function replayFromDisk(run: PlannedRun, paths: RunPaths, policy: ReplayPolicy, onCorrupt: CorruptionSink): Replayed {
  mkdirSync(paths.runDir, { recursive: true });
  if (!existsSync(paths.runFile)) writeJsonAtomic(paths.runFile, run);
  else if (readJson(paths.runFile, { onCorrupt, action: "rewrote it from the experiment's plan" }) === undefined) writeJsonAtomic(paths.runFile, run);
  repairJsonl(paths.eventsFile, onCorrupt);
  const events = readEvents(paths, onCorrupt);
  const newestAttemptDir = attemptsOnDisk(paths).at(-1) ?? 0;
  const adopt = attemptToAdopt(events, newestAttemptDir);
  const adoptedHandle =
    adopt === undefined
      ? undefined
      : readJson<JobHandle>(path.join(paths.attemptDir(adopt), attemptFiles.handle), {
          onCorrupt,
          action: "the attempt is not re-attached; the run starts a new one",
        });
  return replayRun(run, { events, newestAttemptDir, adoptedHandle }, policy);
}

export async function runExperiment(loaded: LoadedExperiment, options: RunOptions = {}): Promise<RunReport> {
  const plan = expandSweep(loaded).runs;
  const dir = experimentDir(loaded);
  const backend = options.backend ?? createBackend(loaded.config);
  // Built before the lock is taken: nothing between taking it and the `try` may throw.
  const loop = new CoordinatorLoop(loaded, plan, dir, backend, options);
  const release = acquireCoordinatorLock(dir);
  try {
    loop.replayJournal();
    await loop.ingest.ingest(30_000);
    const interrupted = await loop.runUntilDone();
    if (interrupted) await loop.stopActive();
    await loop.ingest.settle();
    await loop.ingest.ingest(60_000);
    return loop.report(interrupted);
  } finally {
    backend.close?.();
    // An error elsewhere must not release the lock while an ingest still holds the store.
    await loop.ingest.drain();
    release();
  }
}

/**
 * The loop's state and how it changes: the runs' states in plan order, changed only through
 * `apply`, which journals the events that go with a change. It asks replay and the scheduling
 * step what to do and does it to the backend and the files.
 */
class CoordinatorLoop {
  readonly ingest: JournalIngest;
  private readonly config: LoadedExperiment["config"];
  private readonly plan: PlannedRun[];
  private readonly backend: Backend;
  private readonly options: RunOptions;
  private readonly storeFile: string;
  private readonly experimentDir: string;
  private readonly paths: Map<string, RunPaths>;
  // In plan order (a Map keeps an entry's first position when it is replaced).
  private readonly states = new Map<string, RunState>();
  private readonly policy: RetryPolicy;
  private readonly jobSetting: AttemptJobSetting;
  private readonly corruptFiles: CorruptFile[] = [];
  private readonly seenCorrupt = new Set<string>();
  private readonly spend?: InvocationSpend;
  // Runs whose booked dollars may have changed since the spend was last read.
  private readonly spendStale = new Set<string>();

  constructor(loaded: LoadedExperiment, plan: PlannedRun[], experimentDir: string, backend: Backend, options: RunOptions) {
    this.config = loaded.config;
    this.plan = plan;
    this.backend = backend;
    this.options = options;
    this.experimentDir = experimentDir;
    this.storeFile = path.resolve(this.config.store);
    this.paths = new Map(this.plan.map((run) => [run.id, runPaths(experimentDir, run.id)]));
    this.policy = { retryExitCodes: this.config.executor.retryExitCodes, backoffSeconds: this.config.executor.backoffSeconds };
    const ownIdentity = processStartTime(process.pid);
    this.jobSetting = {
      config: this.config,
      experimentDir,
      // Only a local worker can see this process; a cluster job outlives coordinator restarts by design.
      stopWithCoordinator:
        options.stopWorkersWithCoordinator && backend.name === "local" && ownIdentity !== null ? { pid: process.pid, start: ownIdentity } : undefined,
    };
    this.ingest = new JournalIngest({
      loaded,
      experimentDir,
      storeFile: this.storeFile,
      backendName: backend.name,
      onCorrupt: this.onCorrupt,
      runsOnDisk: (ids) => ids.map((id) => ({ plan: this.states.get(id)!.plan, paths: this.paths.get(id)! })),
      activeRunIds: () => this.idsIn("active"),
    });
    if (options.budgetUsd !== undefined) this.spend = new InvocationSpend((runId) => bookedDollars(readRunCosts(this.paths.get(runId)!, this.onCorrupt)));
  }

  // Ingest re-reads the journal every flush; each damaged file is reported and counted once.
  private readonly onCorrupt = (report: CorruptFile): void => {
    const key = `${report.file}\0${report.problem}`;
    if (this.seenCorrupt.has(key)) return;
    this.seenCorrupt.add(key);
    this.corruptFiles.push(report);
    reportCorruptionToStderr(report);
  };

  /** Every run's state from its journal; every run is ingested on the first flush. */
  replayJournal(): void {
    for (const run of this.plan) {
      const stage = this.config.stages[run.stage];
      const policy = {
        maxAttempts: (stage.retries ?? this.config.executor.retries) + 1,
        retryFailed: this.options.retryFailed === true,
        retryExitCodes: this.policy.retryExitCodes,
      };
      const replayed = replayFromDisk(run, this.paths.get(run.id)!, policy, this.onCorrupt);
      // A re-attached attempt's dollars from here on are this invocation's.
      if (replayed.state.phase === "active") this.spend?.track(run.id);
      this.apply(replayed.state, replayed.events);
      this.ingest.markChanged(run.id);
    }
  }

  /** Poll, settle, schedule and submit until no run is waiting or active; true when the signal stopped it first. */
  async runUntilDone(): Promise<boolean> {
    const pollMs = this.options.pollIntervalMs ?? 200;
    const flushMs = this.options.flushIntervalMs ?? 1000;
    for (;;) {
      if (this.aborted()) return true;
      for (const runId of this.idsIn("active")) await this.poll(runId);
      if (!this.aborted()) await this.submitAll(this.prepareScheduled());
      if (this.idsIn("active").length === 0 && (this.idsIn("waiting").length === 0 || budgetReached(this.budget()))) return false;
      this.ingest.ingestInBackgroundEvery(flushMs);
      await this.waitForChange(pollMs);
    }
  }

  /** Cancel the active attempts, give them 15 s to report, and mark the rest interrupted (no budget used). */
  async stopActive(): Promise<void> {
    const stopping = this.idsIn("active");
    for (const runId of stopping) await this.backend.cancel(this.states.get(runId)!.handle!, this.attemptDirOf(runId));
    const stillActive = () => stopping.filter((id) => this.states.get(id)!.phase === "active");
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && stillActive().length > 0) {
      for (const runId of stillActive()) await this.poll(runId);
      await this.waitForChange(100);
    }
    for (const runId of stillActive()) {
      const state = this.states.get(runId)!;
      this.apply({ ...state, phase: "waiting" }, [
        { attempt: state.attempt, event: "interrupted", detail: { error: "interrupted; the job did not stop in time" } },
      ]);
    }
  }

  report(interrupted: boolean): RunReport {
    const counts: Record<string, number> = {};
    const budget = this.budgetReport(interrupted);
    for (const state of this.states.values()) {
      const shown = state.phase !== "waiting" ? state.phase : interrupted || !budget ? "interrupted" : "held by --budget-usd";
      counts[shown] = (counts[shown] ?? 0) + 1;
    }
    const failed = (counts.failed ?? 0) + (counts.skipped ?? 0) + (counts["held by --budget-usd"] ?? 0);
    return {
      experiment: this.config.name,
      store: this.storeFile,
      dir: this.experimentDir,
      total: this.states.size,
      counts,
      interrupted,
      exitCode: interrupted ? 130 : failed > 0 ? 1 : 0,
      corruptFiles: this.corruptFiles,
      ...(budget ? { budget } : {}),
    };
  }

  /** The cap, what was spent, and the runs it held back (the ones left waiting, unless a signal stopped the loop). */
  private budgetReport(interrupted: boolean): BudgetReport | undefined {
    if (!this.spend || this.options.budgetUsd === undefined) return undefined;
    const held = interrupted ? [] : this.idsIn("waiting");
    this.refreshSpend(true);
    return {
      capUsd: this.options.budgetUsd,
      spentUsd: this.spend.spentUsd(),
      notStarted: held.filter((id) => !this.spend!.touched(id)).length,
      stoppedPartWay: held.filter((id) => this.spend!.touched(id)).length,
    };
  }

  /** The cap and this invocation's spend so far, for the scheduling step; undefined without `budgetUsd`. */
  private budget(): InvocationBudget | undefined {
    if (!this.spend || this.options.budgetUsd === undefined) return undefined;
    this.refreshSpend(false);
    return { capUsd: this.options.budgetUsd, spentUsd: this.spend.spentUsd() };
  }

  /**
   * Re-read the dollars of runs that finished an attempt since the last read, and then of the active
   * ones too (their cost lines so far count), or of every run this invocation touched when `all`.
   */
  private refreshSpend(all: boolean): void {
    if (!this.spend || (!all && this.spendStale.size === 0)) return;
    this.spend.refresh(all ? this.states.keys() : [...this.spendStale, ...this.idsIn("active")]);
    this.spendStale.clear();
  }

  private aborted(): boolean {
    return this.options.signal?.aborted === true;
  }

  /** A backend that hears of finished jobs wakes the loop at once; the others are polled on the timer. */
  private waitForChange(ms: number): Promise<unknown> {
    return this.backend.waitForChange ? this.backend.waitForChange(ms) : new Promise((resolve) => setTimeout(resolve, ms));
  }

  private idsIn(phase: RunState["phase"]): string[] {
    return [...this.states.values()].filter((s) => s.phase === phase).map((s) => s.plan.id);
  }

  private attemptDirOf(runId: string): string {
    return this.paths.get(runId)!.attemptDir(this.states.get(runId)!.attempt);
  }

  /** Replace a run's state and append the events that go with the change to its journal. */
  private apply(next: RunState, events: readonly NewEvent[] = []): void {
    this.states.set(next.plan.id, next);
    for (const event of events) {
      const full: RunEvent = { at: new Date().toISOString(), ...event };
      appendEvent(this.paths.get(next.plan.id)!, full);
      this.ingest.markChanged(next.plan.id);
      this.options.onEvent?.(next.plan, full);
    }
  }

  /** Number the run's next attempt and write its job.json; false when the stage could not build its job (the run fails). */
  private prepare(runId: string, allowanceUsd: number | undefined): boolean {
    const previous = this.states.get(runId)!;
    const next: RunState = { ...previous, attempt: previous.attempt + 1, sawRunning: false };
    this.states.set(runId, next);
    // What the run booked before this invocation started it is not this invocation's spend.
    this.spend?.track(runId);
    try {
      writeAttemptJob(next, this.paths.get(runId)!, this.jobSetting, allowanceUsd);
      return true;
    } catch (error) {
      if (!(error instanceof JobBuildError)) throw error;
      this.apply({ ...next, failures: next.maxAttempts, phase: "failed" }, [{ attempt: next.attempt, event: "failed", detail: { error: error.message } }]);
      return false;
    }
  }

  /** Apply one scheduling step: skips, then prepared starts (a start whose job cannot be built frees its slot, so schedule again). */
  private prepareScheduled(): string[] {
    const prepared = new Set<string>();
    for (let again = true; again;) {
      again = false;
      // Prepared runs count as active, so the next step neither picks them again nor exceeds concurrency.
      const view = [...this.states.values()].map((s) => (prepared.has(s.plan.id) ? { ...s, phase: "active" as const } : s));
      const limits = { concurrency: this.config.backend.concurrency, now: Date.now(), budget: this.budget() };
      for (const decision of scheduleStep(view, limits)) {
        if (decision.action === "skip") this.apply({ ...this.states.get(decision.runId)!, phase: "skipped" }, [decision.event]);
        else if (this.prepare(decision.runId, decision.allowanceUsd)) prepared.add(decision.runId);
        else again = true;
      }
    }
    return [...prepared];
  }

  /**
   * Submits prepared attempts: together when the backend can (Slurm job arrays), else one by
   * one. Handles are written right after, and each worker waits for its handle before starting.
   */
  private async submitAll(runIds: readonly string[]): Promise<void> {
    if (runIds.length === 0) return;
    const attemptDirs = runIds.map((id) => this.attemptDirOf(id));
    const handles = this.backend.submitMany && runIds.length > 1 ? await this.backend.submitMany(attemptDirs) : [];
    for (const [index, runId] of runIds.entries()) {
      const handle = handles[index] ?? (await this.backend.submit(attemptDirs[index]));
      writeJsonAtomic(path.join(attemptDirs[index], attemptFiles.handle), handle);
      this.backend.recorded?.(handle, attemptDirs[index]);
      const state = this.states.get(runId)!;
      this.apply({ ...state, handle, phase: "active" }, [{ attempt: state.attempt, event: "submitted", detail: { jobRef: handle.jobRef } }]);
    }
  }

  private async poll(runId: string): Promise<void> {
    const state = this.states.get(runId)!;
    const attemptDir = this.attemptDirOf(runId);
    const jobState = await this.backend.poll(state.handle!, attemptDir);
    if (jobState === "running" && !state.sawRunning) this.apply({ ...state, sawRunning: true }, [{ attempt: state.attempt, event: "running" }]);
    else if (jobState === "done") this.settle(runId, { result: await this.backend.collect(state.handle!, attemptDir) });
    else if (jobState === "lost") this.settle(runId, { lost: this.backend.lostReason?.(state.handle!, attemptDir) });
  }

  private settle(runId: string, end: AttemptEnd): void {
    // The attempt's own cost lines count before deciding whether it may be retried.
    this.spend?.refresh([runId]);
    const capReached = this.spend !== undefined && budgetReached({ capUsd: this.options.budgetUsd!, spentUsd: this.spend.spentUsd() });
    const settled = settleAttempt(this.states.get(runId)!, end, this.policy, Date.now(), capReached);
    this.apply(settled.state, settled.events);
    this.spendStale.add(runId);
  }
}
