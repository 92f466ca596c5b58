import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Backend, JobState } from "./backend.js";
import { attemptFiles, readJson, type AttemptResult } from "./journal.js";

/**
 * Local backend: each attempt is a detached worker process on this machine. The handle records
 * the pid and its kernel start time, so a coordinator started later can tell "still running"
 * from "that pid now belongs to someone else".
 */

const workerScript = path.join(path.dirname(fileURLToPath(import.meta.url)), "worker-main.js");

function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22 (starttime) counts from after the command name, which may contain spaces.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function parseRef(jobRef: string): { pid: number; start: string } {
  const [pid, start] = jobRef.split(":");
  return { pid: Number(pid), start };
}

function alive(jobRef: string): boolean {
  const { pid, start } = parseRef(jobRef);
  const now = processStartTime(pid);
  if (now === null || now !== start) return false;
  try {
    // A zombie keeps its /proc entry; treat it as gone.
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

export function localBackend(): Backend {
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
      if (existsSync(path.join(attemptDir, attemptFiles.result))) return "done";
      if (alive(handle.jobRef)) return existsSync(path.join(attemptDir, attemptFiles.started)) ? "running" : "pending";
      // The worker may have written its result between the two checks above.
      return existsSync(path.join(attemptDir, attemptFiles.result)) ? "done" : "lost";
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
  };
}
