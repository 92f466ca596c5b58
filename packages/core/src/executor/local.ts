import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Backend, JobState } from "./backend.js";
import { attemptFiles, readJson, type AttemptResult, type CorruptFile } from "./journal.js";
import { processStartTime, sameProcessAlive } from "./process-identity.js";

/**
 * Local backend: each attempt is a detached worker process on this machine. The handle records
 * the pid and its kernel start time, so a coordinator started later can tell "still running"
 * from "that pid now belongs to someone else".
 */

const workerScript = path.join(path.dirname(fileURLToPath(import.meta.url)), "worker-main.js");

function parseRef(jobRef: string): { pid: number; start: string } {
  const [pid, start] = jobRef.split(":");
  return { pid: Number(pid), start };
}

function alive(jobRef: string): boolean {
  const { pid, start } = parseRef(jobRef);
  return sameProcessAlive(pid, start);
}

export function localBackend(): Backend {
  // result.json files that exist but cannot be read, by attempt directory: the attempt counts as lost.
  const unreadable = new Map<string, CorruptFile>();
  /** "done" when result.json reads; "lost" (remembered, reported) when it exists but does not. */
  const finished = (attemptDir: string): JobState | null => {
    const file = path.join(attemptDir, attemptFiles.result);
    if (!existsSync(file)) return null;
    let report: CorruptFile | undefined;
    readJson<AttemptResult>(file, {
      action: "the attempt counts as lost and is retried",
      onCorrupt: (r) => {
        report = r;
      },
    });
    if (!report) return "done";
    unreadable.set(attemptDir, report);
    process.stderr.write(`sera: ${report.file}: ${report.problem}; ${report.action}\n`);
    return "lost";
  };
  return {
    name: "local",
    async submit(attemptDir) {
      const child = spawn(process.execPath, [workerScript, attemptDir], { detached: true, stdio: "ignore" });
      await new Promise<void>((resolve, reject) => {
        child.once("spawn", resolve);
        child.once("error", reject);
      });
      child.unref();
      const pid = child.pid!;
      return { backend: "local", jobRef: `${pid}:${processStartTime(pid) ?? "?"}`, submittedAt: new Date().toISOString() };
    },
    async poll(handle, attemptDir): Promise<JobState> {
      const before = finished(attemptDir);
      if (before) return before;
      if (alive(handle.jobRef)) return existsSync(path.join(attemptDir, attemptFiles.started)) ? "running" : "pending";
      // The worker may have written its result between the two checks above.
      return finished(attemptDir) ?? "lost";
    },
    async cancel(handle) {
      if (!alive(handle.jobRef)) return;
      const { pid } = parseRef(handle.jobRef);
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        /* exited meanwhile */
      }
    },
    async collect(_handle, attemptDir): Promise<AttemptResult> {
      const result = readJson<AttemptResult>(path.join(attemptDir, attemptFiles.result));
      if (!result) throw new Error(`${attemptDir}: result.json missing or unreadable`);
      return result;
    },
    lostReason(_handle, attemptDir) {
      const report = unreadable.get(attemptDir);
      return report ? `${report.file}: ${report.problem}; ${report.action}` : undefined;
    },
  };
}
