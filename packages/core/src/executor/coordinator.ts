import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { LoadedExperiment } from "../config/experiment.js";
import { expandSweep, type PlannedRun } from "../sweep/expand.js";
import { JobBuildError, writeAttemptJob } from "./attempt-job.js";
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
  type JobHandle,
  type RunEvent,
  type RunPaths,
} from "./journal.js";
import { JournalIngest } from "./journal-ingest.js";
import { acquireCoordinatorLock } from "./lock.js";
import { processStartTime } from "./process-identity.js";
import { attemptToAdopt, replayRun, type Replayed } from "./replay.js";
import type { NewEvent, RetryPolicy, RunState } from "./run-state.js";
import { scheduleStep, settleAttempt, type AttemptEnd } from "./schedule.js";

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
}

export interface RunReport {
  experiment: string;
  store: string;
  dir: string;
  total: number;
  counts: Record<string, number>;
  interrupted: boolean;
  /** 0 all succeeded, 1 some failed or were skipped, 130 interrupted. */
  exitCode: number;
  /** Journal files found unreadable (each reported once on stderr) and what was done about them. */
  corruptFiles: CorruptFile[];
}

export function experimentDir(loaded: LoadedExperiment): string {
  return path.resolve(loaded.config.dir ?? path.join(".sera", "experiments", loaded.config.name));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Read a run's journal from disk (repairing a torn last event) and replay it. */
function replayFromDisk(
  run: PlannedRun,
  paths: RunPaths,
  maxAttempts: number,
  retryFailed: boolean,
  retryExitCodes: readonly number[],
  onCorrupt: (report: CorruptFile) => void,
): Replayed {
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
  return replayRun(run, { events, newestAttemptDir, adoptedHandle }, { maxAttempts, retryFailed, retryExitCodes });
}

export async function runExperiment(loaded: LoadedExperiment, options: RunOptions = {}): Promise<RunReport> {
  const { config } = loaded;
  const plan = expandSweep(loaded);
  const dir = experimentDir(loaded);
  const storeFile = path.resolve(config.store);
  const backend = options.backend ?? createBackend(config);
  const pollMs = options.pollIntervalMs ?? 200;
  const flushMs = options.flushIntervalMs ?? 1000;
  const aborted = () => options.signal?.aborted === true;
  // A backend that hears of finished jobs wakes the loop at once; the others are polled on the timer.
  const waitForChange = (ms: number) => (backend.waitForChange ? backend.waitForChange(ms) : sleep(ms));
  const policy: RetryPolicy = { retryExitCodes: config.executor.retryExitCodes, backoffSeconds: config.executor.backoffSeconds };
  const release = acquireCoordinatorLock(dir);
  const corruptFiles: CorruptFile[] = [];
  const seenCorrupt = new Set<string>();
  // Ingest re-reads the journal every flush; each damaged file is reported and counted once.
  const onCorrupt = (report: CorruptFile) => {
    const key = `${report.file}\0${report.problem}`;
    if (seenCorrupt.has(key)) return;
    seenCorrupt.add(key);
    corruptFiles.push(report);
    reportCorruptionToStderr(report);
  };
  const paths = new Map(plan.runs.map((run) => [run.id, runPaths(dir, run.id)]));
  // In plan order (a Map keeps its first insertion order when an entry is replaced).
  const states = new Map<string, RunState>();
  const idsIn = (phase: RunState["phase"]) => [...states.values()].filter((s) => s.phase === phase).map((s) => s.plan.id);
  const attemptDirOf = (state: RunState) => paths.get(state.plan.id)!.attemptDir(state.attempt);
  const ingest = new JournalIngest({
    loaded,
    experimentDir: dir,
    storeFile,
    backendName: backend.name,
    onCorrupt,
    runsOnDisk: (ids) => ids.map((id) => ({ plan: states.get(id)!.plan, paths: paths.get(id)! })),
    activeRunIds: () => idsIn("active"),
  });
  const ownIdentity = processStartTime(process.pid);
  const jobSetting = {
    config,
    experimentDir: dir,
    // Only a local worker can see this process; a cluster job outlives coordinator restarts by design.
    stopWithCoordinator:
      options.stopWorkersWithCoordinator && backend.name === "local" && ownIdentity !== null ? { pid: process.pid, start: ownIdentity } : undefined,
  };

  /** Replace a run's state and append its events to the journal. */
  const apply = (next: RunState, events: readonly NewEvent[] = []) => {
    states.set(next.plan.id, next);
    for (const event of events) {
      const full: RunEvent = { at: new Date().toISOString(), ...event };
      appendEvent(paths.get(next.plan.id)!, full);
      ingest.markChanged(next.plan.id);
      options.onEvent?.(next.plan, full);
    }
  };

  /** Number the run's next attempt and write its job.json; false when the stage could not build its job (the run fails). */
  const prepare = (runId: string): boolean => {
    const previous = states.get(runId)!;
    const next: RunState = { ...previous, attempt: previous.attempt + 1, sawRunning: false };
    states.set(runId, next);
    try {
      writeAttemptJob(next, paths.get(runId)!, jobSetting);
      return true;
    } catch (error) {
      if (!(error instanceof JobBuildError)) throw error;
      apply({ ...next, failures: next.maxAttempts, phase: "failed" }, [{ attempt: next.attempt, event: "failed", detail: { error: error.message } }]);
      return false;
    }
  };

  /** Apply one scheduling step: skips, then prepared starts (a start whose job cannot be built frees its slot, so schedule again). */
  const prepareScheduled = (): string[] => {
    const prepared = new Set<string>();
    for (let again = true; again;) {
      again = false;
      // Prepared runs count as active, so the next step neither picks them again nor exceeds concurrency.
      const view = [...states.values()].map((s) => (prepared.has(s.plan.id) ? { ...s, phase: "active" as const } : s));
      for (const decision of scheduleStep(view, { concurrency: config.backend.concurrency, now: Date.now() })) {
        if (decision.action === "skip") apply({ ...states.get(decision.runId)!, phase: "skipped" }, [decision.event]);
        else if (prepare(decision.runId)) prepared.add(decision.runId);
        else again = true;
      }
    }
    return [...prepared];
  };

  /**
   * Submits prepared attempts: together when the backend can (Slurm job arrays), else one by
   * one. Handles are written right after, and each worker waits for its handle before starting.
   */
  const submitAll = async (runIds: readonly string[]) => {
    if (runIds.length === 0) return;
    const attemptDirs = runIds.map((id) => attemptDirOf(states.get(id)!));
    const handles = backend.submitMany && runIds.length > 1 ? await backend.submitMany(attemptDirs) : [];
    for (const [index, runId] of runIds.entries()) {
      const handle = handles[index] ?? (await backend.submit(attemptDirs[index]));
      writeJsonAtomic(path.join(attemptDirs[index], attemptFiles.handle), handle);
      backend.recorded?.(handle, attemptDirs[index]);
      const state = states.get(runId)!;
      apply({ ...state, handle, phase: "active" }, [{ attempt: state.attempt, event: "submitted", detail: { jobRef: handle.jobRef } }]);
    }
  };

  const settle = (runId: string, end: AttemptEnd) => {
    const settled = settleAttempt(states.get(runId)!, end, policy, Date.now());
    apply(settled.state, settled.events);
  };

  const poll = async (runId: string) => {
    const state = states.get(runId)!;
    const attemptDir = attemptDirOf(state);
    const jobState = await backend.poll(state.handle!, attemptDir);
    if (jobState === "running" && !state.sawRunning) apply({ ...state, sawRunning: true }, [{ attempt: state.attempt, event: "running" }]);
    else if (jobState === "done") settle(runId, { result: await backend.collect(state.handle!, attemptDir) });
    else if (jobState === "lost") settle(runId, { lost: backend.lostReason?.(state.handle!, attemptDir) });
  };

  try {
    for (const run of plan.runs) {
      const stage = config.stages[run.stage];
      const maxAttempts = (stage.retries ?? config.executor.retries) + 1;
      const replayed = replayFromDisk(run, paths.get(run.id)!, maxAttempts, options.retryFailed === true, policy.retryExitCodes, onCorrupt);
      apply(replayed.state, replayed.events);
      ingest.markChanged(run.id);
    }
    await ingest.ingest(30_000);

    let interrupted = false;
    for (;;) {
      if (aborted()) {
        interrupted = true;
        break;
      }
      for (const runId of idsIn("active")) await poll(runId);
      if (!aborted()) await submitAll(prepareScheduled());
      if (idsIn("active").length === 0 && idsIn("waiting").length === 0) break;
      ingest.ingestInBackgroundEvery(flushMs);
      await waitForChange(pollMs);
    }

    if (interrupted) {
      const stopping = idsIn("active");
      for (const runId of stopping) await backend.cancel(states.get(runId)!.handle!, attemptDirOf(states.get(runId)!));
      const stillActive = () => stopping.filter((id) => states.get(id)!.phase === "active");
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && stillActive().length > 0) {
        for (const runId of stillActive()) await poll(runId);
        await waitForChange(100);
      }
      for (const runId of stillActive()) {
        const state = states.get(runId)!;
        apply({ ...state, phase: "waiting" }, [
          { attempt: state.attempt, event: "interrupted", detail: { error: "interrupted; the job did not stop in time" } },
        ]);
      }
    }
    await ingest.settle();
    await ingest.ingest(60_000);

    const counts: Record<string, number> = {};
    for (const state of states.values()) {
      const shown = state.phase === "waiting" ? "interrupted" : state.phase;
      counts[shown] = (counts[shown] ?? 0) + 1;
    }
    const failed = (counts.failed ?? 0) + (counts.skipped ?? 0);
    return {
      experiment: config.name,
      store: storeFile,
      dir,
      total: states.size,
      counts,
      interrupted,
      exitCode: interrupted ? 130 : failed > 0 ? 1 : 0,
      corruptFiles,
    };
  } finally {
    backend.close?.();
    // An error elsewhere must not release the lock while an ingest still holds the store.
    await ingest.drain();
    release();
  }
}
