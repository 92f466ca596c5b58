import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { CostLine, RunStatus } from "../store/tables.js";

/**
 * The journal: plain files under the experiment directory, written by the coordinator and the
 * workers. It is the source of truth; the DuckDB tables are a projection of it (store/ingest.ts),
 * so a killed coordinator loses nothing and re-ingesting is always safe.
 *
 *   <dir>/runs/<runId>/run.json            what the run is (plan)
 *                      events.jsonl        status changes, appended by the coordinator only
 *                      out/                the run's outputs (stable across attempts)
 *                      attempt-<n>/job.json, handle.json, started.json, stdout.log,
 *                                  stderr.log, metrics.jsonl, result.json (written last, atomically)
 */

export interface RunEvent {
  at: string;
  attempt: number;
  event: RunStatus | "retry_scheduled" | "reattached";
  detail?: Record<string, unknown>;
}

export interface JobFile {
  runId: string;
  attempt: number;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  outDir: string;
  outputs: string[];
  timeoutSeconds: number | null;
}

export interface JobHandle {
  backend: string;
  /** Backend-specific reference: a pid for local jobs, a job id on Slurm or Ray. */
  jobRef: string;
  submittedAt: string;
  /** Where the scheduler writes what happens before the worker starts, when that is not in the attempt directory (Slurm arrays). */
  schedulerLog?: string;
}

export interface ArtifactRecord {
  path: string;
  sha256: string;
  bytes: number;
  kind: string;
}

export type AttemptOutcome = "succeeded" | "failed" | "timeout" | "cancelled";

export interface AttemptResult {
  status: AttemptOutcome;
  exitCode: number | null;
  signal: string | null;
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  error: string | null;
  stdoutTail: string;
  stderrTail: string;
  artifacts: ArtifactRecord[];
}

/** One stdout JSON line from a run: numeric fields become metrics, `cost` becomes ledger lines. */
export interface MetricsLine {
  line: number;
  step: number | null;
  values: Record<string, number>;
  cost: CostLine[];
}

export interface RunPaths {
  runDir: string;
  outDir: string;
  runFile: string;
  eventsFile: string;
  attemptDir(attempt: number): string;
}

export function runPaths(experimentDir: string, runId: string): RunPaths {
  const runDir = path.join(experimentDir, "runs", runId);
  return {
    runDir,
    outDir: path.join(runDir, "out"),
    runFile: path.join(runDir, "run.json"),
    eventsFile: path.join(runDir, "events.jsonl"),
    attemptDir: (attempt) => path.join(runDir, `attempt-${attempt}`),
  };
}

export const attemptFiles = {
  job: "job.json",
  handle: "handle.json",
  started: "started.json",
  stdout: "stdout.log",
  stderr: "stderr.log",
  metrics: "metrics.jsonl",
  result: "result.json",
  /** Cost lines from the cluster's own accounting (GPU- and CPU-hours), written by the backend. */
  accounting: "accounting.jsonl",
} as const;

/** Write-then-rename, so a reader never sees half a file even if the writer is killed. */
export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(value, null, 2) + "\n");
  renameSync(temporary, file);
}

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/** Parse a JSONL file, ignoring a torn last line left by a process killed mid-write. */
export function readJsonl<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  const out: T[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // A torn line can only be the last one; repairJsonl removes it before the next append.
    }
  }
  return out;
}

/** Drop a torn trailing line so the next append starts on a fresh line. */
export function repairJsonl(file: string): void {
  if (!existsSync(file)) return;
  const text = readFileSync(file, "utf8");
  if (text.length === 0 || text.endsWith("\n")) return;
  truncateSync(file, Buffer.byteLength(text.slice(0, text.lastIndexOf("\n") + 1)));
}

export function appendEvent(paths: RunPaths, event: RunEvent): void {
  mkdirSync(paths.runDir, { recursive: true });
  appendFileSync(paths.eventsFile, JSON.stringify(event) + "\n");
}

export function readEvents(paths: RunPaths): RunEvent[] {
  return readJsonl<RunEvent>(paths.eventsFile);
}

export function attemptsOnDisk(paths: RunPaths): number[] {
  if (!existsSync(paths.runDir)) return [];
  return readdirSync(paths.runDir)
    .map((name) => /^attempt-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null && statSync(path.join(paths.runDir, m[0])).isDirectory())
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}
