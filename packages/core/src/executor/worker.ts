import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { costLineSchema } from "../contract/run-records.js";
import { attemptFiles, readJson, writeJsonAtomic, type ArtifactRecord, type AttemptResult, type JobFile, type MetricsLine } from "./journal.js";
import { sameProcessAlive } from "./process-identity.js";
import { stopProcessTree } from "./shell.js";

/**
 * The worker wraps one attempt of one run. It is started detached by the local backend (and as
 * the batch step on Slurm/Ray), runs the job's command in its own process group, streams its
 * output to files, enforces the timeout, checks declared outputs, and finally writes result.json.
 * It never touches the DB, and it outlives a killed coordinator, which re-attaches later.
 */

const TAIL_CHARS = 4000;
const KILL_GRACE_MS = 5000;
const COORDINATOR_CHECK_MS = 500;

class Tail {
  private text = "";
  push(chunk: string): void {
    this.text = (this.text + chunk).slice(-TAIL_CHARS);
  }
  toString(): string {
    return this.text;
  }
}

function artifactKind(file: string): string {
  const ext = path.extname(file).slice(1).toLowerCase();
  return ext || "file";
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

export async function collectArtifacts(outDir: string): Promise<ArtifactRecord[]> {
  const out: ArtifactRecord[] = [];
  for (const file of listFiles(outDir)) {
    out.push({ path: path.relative(outDir, file), sha256: await sha256File(file), bytes: statSync(file).size, kind: artifactKind(file) });
  }
  return out;
}

/** Parse one stdout line; JSON objects carry metrics and cost lines, anything else is just output. */
export function parseMetricsLine(text: string, line: number): MetricsLine | { error: string } | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) return null;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    // Python dict literals ({'loss': …}, trainer logs) are ordinary output; a line opening like a
    // JSON record ({"…) that does not parse is a damaged record: kept as output, said so in stderr.log.
    if (!/^\{\s*"/.test(trimmed)) return null;
    return {
      error: `line ${line}: looks like a JSON record but is not valid JSON (${(error as Error).message}); kept as plain output, no metrics taken from it`,
    };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const values: Record<string, number> = {};
  for (const [key, v] of Object.entries(record)) {
    if (key !== "step" && key !== "cost" && typeof v === "number" && Number.isFinite(v)) values[key] = v;
  }
  const costs = record.cost === undefined ? [] : Array.isArray(record.cost) ? record.cost : [record.cost];
  const cost = [];
  for (const entry of costs) {
    const parsed = costLineSchema.safeParse(entry);
    if (!parsed.success) return { error: `line ${line}: cost entry ignored: ${parsed.error.issues[0].path.join(".")} ${parsed.error.issues[0].message}` };
    cost.push(parsed.data);
  }
  if (Object.keys(values).length === 0 && cost.length === 0) return null;
  const provenance = record.provenance === "real" || record.provenance === "stand-in" ? record.provenance : undefined;
  return { line, step: typeof record.step === "number" ? record.step : null, values, cost, ...(provenance ? { provenance } : {}) };
}

/**
 * Why a command failed, from its stderr: the last line that is not a stack frame, without the
 * "<stage>: SomeError: " prefix a TypeScript stage's uncaught error carries.
 */
export function failureReason(stderrTail: string): string | null {
  const lines = stderrTail
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "" && !/^\s+at /.test(line) && !/^\s*\^+\s*$/.test(line) && !/^Node\.js v\d/.test(line));
  const last = lines.at(-1);
  if (last === undefined) return null;
  const text = last.trim().replace(/^[\w.-]+: (?:\w*Error: )/, "");
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

export interface RunAttemptOptions {
  /**
   * Cancels this attempt (its command's process group is stopped and the result says "cancelled").
   * A long-lived worker host passes one per attempt; without it the worker process's own SIGTERM
   * and SIGINT cancel, as when the worker runs a single attempt.
   */
  cancel?: AbortSignal;
}

export async function runAttempt(attemptDir: string, options: RunAttemptOptions = {}): Promise<AttemptResult> {
  const job = readJson<JobFile>(path.join(attemptDir, attemptFiles.job));
  if (!job) throw new Error(`${attemptDir}: job.json missing or unreadable`);
  mkdirSync(job.outDir, { recursive: true });
  const startedAt = new Date();
  writeJsonAtomic(path.join(attemptDir, attemptFiles.started), { pid: process.pid, at: startedAt.toISOString() });
  const stdoutFile = createWriteStream(path.join(attemptDir, attemptFiles.stdout));
  const stderrFile = createWriteStream(path.join(attemptDir, attemptFiles.stderr));
  const metricsFile = createWriteStream(path.join(attemptDir, attemptFiles.metrics));
  const stdoutTail = new Tail();
  const stderrTail = new Tail();

  const child = spawn(job.argv[0], job.argv.slice(1), {
    cwd: job.cwd,
    env: { ...process.env, ...job.env },
    detached: true, // own process group, so a timeout or cancel can kill the whole tree
    stdio: ["ignore", "pipe", "pipe"],
  });
  let outcome: "timeout" | "cancelled" | null = null;
  const killTree = (why: "timeout" | "cancelled") => {
    if (outcome) return;
    outcome = why;
    stopProcessTree(child.pid!, KILL_GRACE_MS);
  };
  const timer = job.timeoutSeconds ? setTimeout(() => killTree("timeout"), job.timeoutSeconds * 1000) : null;
  // A job that needs its coordinator (its teacher lives there) stops with it; the result says
  // "cancelled", which the next coordinator turns into a fresh attempt without using retry budget.
  let orphaned = false;
  const watch = job.stopWithCoordinator;
  const coordinatorWatch = watch
    ? setInterval(() => {
        if (sameProcessAlive(watch.pid, watch.start)) return;
        orphaned = true;
        killTree("cancelled");
      }, COORDINATOR_CHECK_MS)
    : null;
  const cancel = options.cancel;
  const onCancel = () => killTree("cancelled");
  if (cancel) {
    if (cancel.aborted) onCancel();
    else cancel.addEventListener("abort", onCancel, { once: true });
  } else {
    process.on("SIGTERM", onCancel);
    process.on("SIGINT", onCancel);
  }

  let lineNumber = 0;
  let pending = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    stdoutFile.write(chunk);
    stdoutTail.push(chunk);
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const text = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      lineNumber++;
      const parsed = parseMetricsLine(text, lineNumber);
      if (parsed && "error" in parsed) stderrFile.write(`[sera] ${parsed.error}\n`);
      else if (parsed) metricsFile.write(JSON.stringify(parsed) + "\n");
    }
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderrFile.write(chunk);
    stderrTail.push(chunk);
  });

  const spawnError = await new Promise<Error | null>((resolve) => {
    child.on("error", (error) => resolve(error));
    child.on("close", () => resolve(null));
  });
  if (timer) clearTimeout(timer);
  if (coordinatorWatch) clearInterval(coordinatorWatch);
  cancel?.removeEventListener("abort", onCancel);
  await Promise.all([stdoutFile, stderrFile, metricsFile].map((s) => new Promise((resolve) => s.end(resolve))));

  const finishedAt = new Date();
  const exitCode = child.exitCode;
  const signal = child.signalCode;
  let status: AttemptResult["status"] = outcome ?? (exitCode === 0 ? "succeeded" : "failed");
  let error: string | null = null;
  if (spawnError) {
    status = "failed";
    error = `could not start ${job.argv[0]}: ${spawnError.message}`;
  } else if (outcome === "timeout") error = `timed out after ${job.timeoutSeconds} s`;
  else if (outcome === "cancelled") error = orphaned ? `cancelled: its coordinator (pid ${watch!.pid}) exited` : "cancelled";
  else if (exitCode !== 0) error = signal ? `killed by ${signal}` : `exit code ${exitCode}`;
  if (status === "succeeded") {
    const missing = job.outputs.filter((output) => !existsSync(path.join(job.outDir, output)));
    if (missing.length > 0) {
      status = "failed";
      error = `declared output${missing.length > 1 ? "s" : ""} not written: ${missing.join(", ")}`;
    }
  }
  const result: AttemptResult = {
    status,
    exitCode,
    signal,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    wallSeconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    error,
    stdoutTail: stdoutTail.toString(),
    stderrTail: stderrTail.toString(),
    artifacts: await collectArtifacts(job.outDir),
    reason: status === "failed" && !spawnError ? failureReason(stderrTail.toString()) : null,
  };
  writeJsonAtomic(path.join(attemptDir, attemptFiles.result), result);
  return result;
}
