import { existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { canonicalJson, sha256Hex } from "../config/canonical.js";
import type { LoadedExperiment } from "../config/experiment.js";
import { stageHandler } from "../stages/registry.js";
import { ingestRuns, summariseEvents, upsertExperiment, type RunOnDisk } from "../store/ingest.js";
import { StoreBusyError, withStore } from "../store/open.js";
import { expandSweep, type PlannedRun } from "../sweep/expand.js";
import { SERA_VERSION } from "../version.js";
import type { Backend } from "./backend.js";
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
  type AttemptResult,
  type CorruptFile,
  type JobHandle,
  type RunEvent,
  type RunPaths,
} from "./journal.js";
import { processStartTime } from "./process-identity.js";
import { createBackend } from "./backends.js";
import { acquireCoordinatorLock } from "./lock.js";

/**
 * The coordinator: the one process that schedules an experiment's runs and owns its writes to
 * the store. It rebuilds its state from the journal on start (so a kill -9 loses nothing),
 * re-attaches to attempts that are still running, submits ready runs up to the backend's
 * concurrency, retries with backoff, and ingests into DuckDB in short, periodic transactions.
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

const settledEvents = new Set(["succeeded", "failed", "timeout", "lost", "interrupted"]);

type Phase = "waiting" | "active" | "succeeded" | "failed" | "skipped";

interface RunState {
  plan: PlannedRun;
  paths: RunPaths;
  phase: Phase;
  attempt: number;
  failures: number;
  maxAttempts: number;
  notBefore: number;
  handle?: JobHandle;
  sawRunning: boolean;
}

export function experimentDir(loaded: LoadedExperiment): string {
  return path.resolve(loaded.config.dir ?? path.join(".sera", "experiments", loaded.config.name));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runExperiment(loaded: LoadedExperiment, options: RunOptions = {}): Promise<RunReport> {
  const { config } = loaded;
  const plan = expandSweep(loaded);
  const dir = experimentDir(loaded);
  const storeFile = path.resolve(config.store);
  const backend = options.backend ?? createBackend(config);
  const concurrency = config.backend.concurrency;
  const pollMs = options.pollIntervalMs ?? 200;
  const flushMs = options.flushIntervalMs ?? 1000;
  // A backend that hears of finished jobs wakes the loop at once; the others are polled on the timer.
  const waitForChange = (ms: number) => (backend.waitForChange ? backend.waitForChange(ms) : sleep(ms));
  const release = acquireCoordinatorLock(dir);
  // The periodic ingest in flight (never rejects: its error is kept in `failed`).
  const backgroundFlush: { running: Promise<void> | null; failed: unknown } = { running: null, failed: undefined };
  const states = new Map<string, RunState>();
  const dirty = new Set<string>();
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
  const ownIdentity = processStartTime(process.pid);
  const endedTransient = (last: RunEvent | undefined) =>
    last?.event === "failed" && typeof last.detail?.exitCode === "number" && config.executor.retryExitCodes.includes(last.detail.exitCode);

  const record = (state: RunState, event: Omit<RunEvent, "at">) => {
    const full: RunEvent = { at: new Date().toISOString(), ...event };
    appendEvent(state.paths, full);
    dirty.add(state.plan.id);
    options.onEvent?.(state.plan, full);
  };

  try {
    for (const run of plan.runs) {
      const paths = runPaths(dir, run.id);
      mkdirSync(paths.runDir, { recursive: true });
      if (!existsSync(paths.runFile)) writeJsonAtomic(paths.runFile, run);
      else if (readJson(paths.runFile, { onCorrupt, action: "rewrote it from the experiment's plan" }) === undefined) writeJsonAtomic(paths.runFile, run);
      repairJsonl(paths.eventsFile, onCorrupt);
      const stage = config.stages[run.stage];
      const summary = summariseEvents(readEvents(paths, onCorrupt));
      const state: RunState = {
        plan: run,
        paths,
        phase: "waiting",
        attempt: summary.attempt,
        failures: summary.failures,
        maxAttempts: (stage.retries ?? config.executor.retries) + 1,
        notBefore: 0,
        sawRunning: summary.status === "running",
      };
      states.set(run.id, state);
      if (summary.lastEvent === undefined) record(state, { attempt: 0, event: "queued" });
      else dirty.add(run.id);
      // The newest attempt directory may be ahead of the events if the coordinator died mid-submit:
      // adopt it, so its number is never reused and a live worker is re-attached, not duplicated.
      const newest = attemptsOnDisk(paths).at(-1) ?? 0;
      const settled = (attempt: number) => readEvents(paths, onCorrupt).some((e) => e.attempt === attempt && settledEvents.has(e.event));
      if (summary.status === "succeeded") state.phase = "succeeded";
      else if (newest >= state.attempt && newest > 0 && !settled(newest)) {
        state.attempt = newest;
        const handle = readJson<JobHandle>(path.join(paths.attemptDir(newest), attemptFiles.handle), {
          onCorrupt,
          action: "the attempt is not re-attached; the run starts a new one",
        });
        if (handle) {
          state.handle = handle;
          state.phase = "active";
          record(state, { attempt: newest, event: "reattached", detail: { jobRef: handle.jobRef } });
        }
      } else if (
        ["failed", "timeout", "lost"].includes(summary.status) &&
        !options.retryFailed &&
        !endedTransient(summary.lastEvent) &&
        state.failures >= state.maxAttempts
      ) {
        state.phase = "failed";
      }
      // A run whose last attempt said "temporary failure" (a retry exit code, e.g. a teacher outage)
      // is not judged by it: each new `sera run` gives it a fresh budget, as --retry-failed would.
      if (options.retryFailed || endedTransient(summary.lastEvent)) state.failures = 0;
    }

    const flush = async (waitMs: number, checkpoint = true) => {
      const ids = new Set([...dirty, ...[...states.values()].filter((s) => s.phase === "active").map((s) => s.plan.id)]);
      dirty.clear();
      try {
        await withStore(storeFile, { waitMs }, async (store) => {
          // Closing the file checkpoints the write-ahead log into it, synchronously on this thread.
          // The periodic ingests leave that to the last one (and to DuckDB's own size threshold).
          if (!checkpoint) await store.connection.run("PRAGMA disable_checkpoint_on_shutdown");
          await upsertExperiment(store.connection, {
            name: config.name,
            file: loaded.file,
            config: JSON.stringify(config),
            configSha256: sha256Hex(canonicalJson(config)),
            dir,
            seraVersion: SERA_VERSION,
          });
          const runs: RunOnDisk[] = [...ids].map((id) => states.get(id)!).map((s) => ({ plan: s.plan, paths: s.paths }));
          await ingestRuns(store.connection, runs, backend.name, onCorrupt);
        });
      } catch (error) {
        for (const id of ids) dirty.add(id);
        if (!(error instanceof StoreBusyError)) throw error;
      }
    };
    await flush(30_000);

    const finishAttempt = async (state: RunState, result: AttemptResult | null, lostReason?: string) => {
      const attempt = state.attempt;
      state.handle = undefined;
      if (result === null) {
        state.failures++;
        record(state, { attempt, event: "lost", detail: { error: lostReason ?? "the worker disappeared without a result" } });
      } else if (result.status === "succeeded") {
        state.phase = "succeeded";
        record(state, { attempt, event: "succeeded", detail: { wallSeconds: result.wallSeconds } });
        return;
      } else if (result.status === "cancelled") {
        state.phase = "waiting";
        record(state, { attempt, event: "interrupted", detail: { error: "interrupted" } });
        return;
      } else {
        state.failures++;
        record(state, {
          attempt,
          event: result.status,
          detail: { error: result.error, exitCode: result.exitCode, ...(result.reason ? { reason: result.reason } : {}) },
        });
      }
      const retryable =
        result === null || result.status === "timeout" || (result.exitCode !== null && config.executor.retryExitCodes.includes(result.exitCode));
      if (retryable && state.failures < state.maxAttempts) {
        const delay = config.executor.backoffSeconds * 2 ** (state.failures - 1);
        state.phase = "waiting";
        state.notBefore = Date.now() + delay * 1000;
        record(state, { attempt, event: "retry_scheduled", detail: { inSeconds: delay } });
      } else state.phase = "failed";
    };

    /** Writes the next attempt's job.json; false when the stage could not build its job (the run fails). */
    const prepare = (state: RunState): boolean => {
      const handler = stageHandler(state.plan.kind)!;
      state.attempt++;
      state.sawRunning = false;
      const attemptDir = state.paths.attemptDir(state.attempt);
      // The output directory survives failed attempts on purpose: resumable stages (generation)
      // continue from what an earlier attempt finished instead of starting over.
      rmSync(attemptDir, { recursive: true, force: true });
      mkdirSync(attemptDir, { recursive: true });
      mkdirSync(state.paths.outDir, { recursive: true });
      const upstream = Object.fromEntries(Object.entries(state.plan.upstream).map(([stage, id]) => [stage, { runId: id, outDir: runPaths(dir, id).outDir }]));
      const stage = config.stages[state.plan.stage];
      let job;
      try {
        job = handler.job({
          experiment: config.name,
          runId: state.plan.id,
          stage: state.plan.stage,
          params: state.plan.params,
          seed: state.plan.seed,
          attempt: state.attempt,
          outDir: state.paths.outDir,
          runDir: state.paths.runDir,
          upstream,
        });
      } catch (error) {
        state.failures = state.maxAttempts;
        state.phase = "failed";
        record(state, { attempt: state.attempt, event: "failed", detail: { error: `could not build the job: ${(error as Error).message}` } });
        return false;
      }
      writeJsonAtomic(path.join(attemptDir, attemptFiles.job), {
        runId: state.plan.id,
        attempt: state.attempt,
        argv: job.argv,
        env: {
          SERA_EXPERIMENT: config.name,
          SERA_RUN_ID: state.plan.id,
          SERA_STAGE: state.plan.stage,
          SERA_SEED: state.plan.seed === null ? "" : String(state.plan.seed),
          SERA_ATTEMPT: String(state.attempt),
          SERA_OUT_DIR: state.paths.outDir,
          SERA_RUN_DIR: state.paths.runDir,
          ...job.env,
        },
        cwd: job.cwd,
        outDir: state.paths.outDir,
        outputs: job.outputs,
        timeoutSeconds: stage.timeoutSeconds ?? config.executor.timeoutSeconds,
        // Only a local worker can see this process; a cluster job outlives coordinator restarts by design.
        ...(options.stopWorkersWithCoordinator && backend.name === "local" && ownIdentity !== null
          ? { stopWithCoordinator: { pid: process.pid, start: ownIdentity } }
          : {}),
      });
      return true;
    };

    /**
     * Submits prepared attempts: together when the backend can (Slurm job arrays), else one by
     * one. Handles are written right after, and each worker waits for its handle before starting.
     */
    const submitAll = async (prepared: RunState[]) => {
      if (prepared.length === 0) return;
      const attemptDirs = prepared.map((s) => s.paths.attemptDir(s.attempt));
      const handles = backend.submitMany && prepared.length > 1 ? await backend.submitMany(attemptDirs) : [];
      for (const [index, state] of prepared.entries()) {
        state.handle = handles[index] ?? (await backend.submit(attemptDirs[index]));
        writeJsonAtomic(path.join(attemptDirs[index], attemptFiles.handle), state.handle);
        backend.recorded?.(state.handle, attemptDirs[index]);
        state.phase = "active";
        record(state, { attempt: state.attempt, event: "submitted", detail: { jobRef: state.handle.jobRef } });
      }
    };

    const poll = async (state: RunState) => {
      const attemptDir = state.paths.attemptDir(state.attempt);
      const jobState = await backend.poll(state.handle!, attemptDir);
      if (jobState === "running" && !state.sawRunning) {
        state.sawRunning = true;
        record(state, { attempt: state.attempt, event: "running" });
      } else if (jobState === "done") await finishAttempt(state, await backend.collect(state.handle!, attemptDir));
      else if (jobState === "lost") await finishAttempt(state, null, backend.lostReason?.(state.handle!, attemptDir));
    };

    let lastFlush = Date.now();
    let interrupted = false;
    for (;;) {
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      for (const state of states.values()) {
        if (state.phase !== "waiting") continue;
        const upstream = Object.values(state.plan.upstream).map((id) => states.get(id)!);
        const blocked = upstream.find((u) => u.phase === "failed" || u.phase === "skipped");
        if (blocked) {
          state.phase = "skipped";
          record(state, {
            attempt: state.attempt,
            event: "skipped",
            detail: { error: `upstream ${blocked.plan.stage} run ${blocked.plan.id} ${blocked.phase}` },
          });
        }
      }
      const active = [...states.values()].filter((s) => s.phase === "active");
      for (const state of active) await poll(state);
      let running = [...states.values()].filter((s) => s.phase === "active").length;
      const now = Date.now();
      const prepared: RunState[] = [];
      for (const state of states.values()) {
        if (running >= concurrency || options.signal?.aborted) break;
        if (state.phase !== "waiting" || state.notBefore > now) continue;
        if (!Object.values(state.plan.upstream).every((id) => states.get(id)!.phase === "succeeded")) continue;
        if (!prepare(state)) continue;
        prepared.push(state);
        running++;
      }
      await submitAll(prepared);
      const unfinished = [...states.values()].some((s) => s.phase === "active" || s.phase === "waiting");
      if (!unfinished) break;
      if (backgroundFlush.failed) throw backgroundFlush.failed;
      // The periodic ingest runs beside the loop (its DuckDB work is on DuckDB's threads), so runs
      // keep being collected and submitted meanwhile; events recorded during it are in the next one.
      if (!backgroundFlush.running && Date.now() - lastFlush >= flushMs) {
        backgroundFlush.running = flush(2000, false)
          .catch((error: unknown) => {
            backgroundFlush.failed = error;
          })
          .finally(() => {
            backgroundFlush.running = null;
            lastFlush = Date.now();
          });
      }
      await waitForChange(pollMs);
    }

    if (interrupted) {
      const active = [...states.values()].filter((s) => s.phase === "active");
      for (const state of active) await backend.cancel(state.handle!, state.paths.attemptDir(state.attempt));
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && active.some((s) => s.phase === "active")) {
        for (const state of active.filter((s) => s.phase === "active")) await poll(state);
        await waitForChange(100);
      }
      for (const state of active.filter((s) => s.phase === "active")) {
        state.phase = "waiting";
        record(state, { attempt: state.attempt, event: "interrupted", detail: { error: "interrupted; the job did not stop in time" } });
      }
    }
    await backgroundFlush.running;
    if (backgroundFlush.failed) throw backgroundFlush.failed;
    await flush(60_000);

    const counts: Record<string, number> = {};
    for (const state of states.values())
      counts[state.phase === "waiting" ? "interrupted" : state.phase] = (counts[state.phase === "waiting" ? "interrupted" : state.phase] ?? 0) + 1;
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
    await backgroundFlush.running;
    release();
  }
}
