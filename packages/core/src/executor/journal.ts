import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { CostLine, RunStatus } from "../contract/run-records.js";

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
  /**
   * The coordinator process (pid and start time) whose death stops this job: set when the job
   * depends on something living in the coordinator (quickstart's scripted teacher). Local only.
   */
  stopWithCoordinator?: { pid: number; start: string };
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
  /** For a failed attempt: the command's last stderr line that is not a stack frame, i.e. why it failed, in one line. */
  reason?: string | null;
}

/** One stdout JSON line from a run: numeric fields become metrics, `cost` becomes ledger lines. */
export interface MetricsLine {
  line: number;
  step: number | null;
  values: Record<string, number>;
  cost: CostLine[];
  /** The line's own `provenance` ("real" | "stand-in"): whether a stand-in produced its numbers; absent when it did not say. */
  provenance?: "real" | "stand-in";
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
  /** Why a local worker host could not run the attempt (it then has no result.json): the attempt is lost. */
  workerError: "worker-error.txt",
} as const;

/** Write-then-rename, so a reader never sees half a file even if the writer is killed. */
export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(value, null, 2) + "\n");
  renameSync(temporary, file);
}

/**
 * A file sera could not read as what it should be. Nothing is dropped silently: every reader
 * hands one of these to a sink with what it did about it (re-ran, skipped, kept the old record).
 */
export interface CorruptFile {
  file: string;
  /** What is wrong, e.g. "not valid JSON (Unexpected end of JSON input)" or "line 7 is not valid JSON". */
  problem: string;
  /** What sera did about it. */
  action: string;
}

export type CorruptionSink = (report: CorruptFile) => void;

const reportedToStderr = new Set<string>();

/** The default sink: one line on stderr per file and problem (periodic re-reads do not repeat it). */
export const reportCorruptionToStderr: CorruptionSink = (report) => {
  const key = `${report.file}\0${report.problem}`;
  if (reportedToStderr.has(key)) return;
  reportedToStderr.add(key);
  process.stderr.write(`sera: ${report.file}: ${report.problem}; ${report.action}\n`);
};

export interface ReadOptions {
  onCorrupt?: CorruptionSink;
  /** What the caller does with an unreadable file, for the report; "treated it as missing" by default. */
  action?: string;
}

/** Parse a JSON file; undefined when it does not exist. An unreadable one is reported, then treated as missing. */
export function readJson<T>(file: string, options: ReadOptions = {}): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    const problem = text.trim() === "" ? "empty file" : `not valid JSON (${(error as Error).message})`;
    (options.onCorrupt ?? reportCorruptionToStderr)({ file, problem, action: options.action ?? "treated it as missing" });
    return undefined;
  }
}

/**
 * Parse a JSONL file. An unparsable last line without its newline is a record still being written
 * (or torn by a kill): it is not a record yet and is left alone (repairJsonl removes it before the
 * next append). A complete line that does not parse is corruption: reported, then skipped.
 */
export function readJsonl<T>(file: string, options: ReadOptions = {}): T[] {
  return readJsonlLines<T>(file, options).map((entry) => entry.value);
}

/** Like readJsonl, with each record's 1-based line number, which stays stable when a line before it is skipped. */
export function readJsonlLines<T>(file: string, options: ReadOptions = {}): { line: number; value: T }[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf8");
  const lines = text.split("\n");
  const out: { line: number; value: T }[] = [];
  for (const [index, line] of lines.entries()) {
    if (!line.trim()) continue;
    try {
      out.push({ line: index + 1, value: JSON.parse(line) as T });
    } catch (error) {
      // Text after the last newline is a record still being written, or torn by a kill.
      if (index === lines.length - 1) continue;
      (options.onCorrupt ?? reportCorruptionToStderr)({
        file,
        problem: `line ${index + 1} is not valid JSON (${(error as Error).message})`,
        action: options.action ?? "skipped that line",
      });
    }
  }
  return out;
}

/** Drop a torn trailing line so the next append starts on a fresh line; the drop is reported. */
export function repairJsonl(file: string, onCorrupt: CorruptionSink = reportCorruptionToStderr): void {
  if (!existsSync(file)) return;
  const text = readFileSync(file, "utf8");
  if (text.length === 0 || text.endsWith("\n")) return;
  const kept = text.slice(0, text.lastIndexOf("\n") + 1);
  truncateSync(file, Buffer.byteLength(kept));
  onCorrupt({
    file,
    problem: `torn last line (${Buffer.byteLength(text) - Buffer.byteLength(kept)} bytes without a newline)`,
    action: "removed the torn line of this append-only log",
  });
}

export function appendEvent(paths: RunPaths, event: RunEvent): void {
  mkdirSync(paths.runDir, { recursive: true });
  appendFileSync(paths.eventsFile, JSON.stringify(event) + "\n");
}

export function readEvents(paths: RunPaths, onCorrupt?: CorruptionSink): RunEvent[] {
  return readJsonl<RunEvent>(paths.eventsFile, {
    onCorrupt,
    action: "skipped that event; the run's state is rebuilt from the others and its attempt directories",
  });
}

export function attemptsOnDisk(paths: RunPaths): number[] {
  if (!existsSync(paths.runDir)) return [];
  return readdirSync(paths.runDir)
    .map((name) => /^attempt-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null && statSync(path.join(paths.runDir, m[0])).isDirectory())
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}
