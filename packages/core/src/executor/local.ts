import { spawn, type ChildProcessByStdio } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { Backend, JobState } from "./backend.js";
import { attemptFiles, readJson, type AttemptResult, type CorruptFile } from "./journal.js";
import { processStartTime, sameProcessAlive } from "./process-identity.js";
import type { HostMessage } from "./worker-host-protocol.js";

/**
 * Local backend: attempts run in a detached worker host on this machine (worker-host.ts), one per
 * coordinator, started on the first submit and fed attempt directories over a pipe. The handle
 * records the host's pid and kernel start time, so a coordinator started later can tell "still
 * running" from "that pid now belongs to someone else"; a host keeps running its attempts after
 * its coordinator dies, and the next coordinator re-attaches to them through their files.
 */

const hostScript = path.join(path.dirname(fileURLToPath(import.meta.url)), "worker-host.js");

function parseRef(jobRef: string): { pid: number; start: string } {
  const [pid, start] = jobRef.split(":");
  return { pid: Number(pid), start };
}

function alive(jobRef: string): boolean {
  const { pid, start } = parseRef(jobRef);
  return sameProcessAlive(pid, start);
}

interface WorkerHost {
  child: ChildProcessByStdio<Writable, Readable, null>;
  jobRef: string;
  exited: boolean;
}

export function localBackend(): Backend {
  // result.json files that exist but cannot be read, by attempt directory: the attempt counts as lost.
  const unreadable = new Map<string, CorruptFile>();
  // Attempts the host could not run (worker-error.txt), by attempt directory.
  const hostErrors = new Map<string, string>();
  /** "done" when result.json reads; "lost" (remembered, reported) when it exists but does not, or the host gave up on it. */
  const finished = (attemptDir: string): JobState | null => {
    const file = path.join(attemptDir, attemptFiles.result);
    if (!existsSync(file)) {
      const errorFile = path.join(attemptDir, attemptFiles.workerError);
      if (!existsSync(errorFile)) return null;
      hostErrors.set(attemptDir, readFileSync(errorFile, "utf8").trim());
      return "lost";
    }
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

  let host: Promise<WorkerHost> | null = null;
  const hostOf = new Map<string, WorkerHost>();
  // Set when the host reports a finished attempt (or exits); waitForChange returns at once while set.
  let changed = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    changed = true;
    wake?.();
  };

  const startHost = async (): Promise<WorkerHost> => {
    const child = spawn(process.execPath, [hostScript], { detached: true, stdio: ["pipe", "pipe", "ignore"] });
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
    // Neither the host nor its pipe keeps this process alive: a coordinator that is done exits.
    child.unref();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    const pid = child.pid!;
    const started: WorkerHost = { child, jobRef: `${pid}:${processStartTime(pid) ?? "?"}`, exited: false };
    // A host that dies takes its attempts with it; polls find it gone and count them lost.
    child.stdin.on("error", () => undefined);
    child.once("exit", () => {
      started.exited = true;
      notify();
    });
    createInterface({ input: child.stdout }).on("line", notify);
    return started;
  };
  const currentHost = async (): Promise<WorkerHost> => {
    const existing = host ? await host : null;
    // Node learns of a killed child only when it reaps it; /proc already knows.
    if (existing && !existing.exited && alive(existing.jobRef)) return existing;
    host = startHost();
    try {
      return await host;
    } catch (error) {
      host = null;
      throw error;
    }
  };
  const send = (target: WorkerHost, message: HostMessage) => {
    if (!target.exited && target.child.stdin.writable) target.child.stdin.write(JSON.stringify(message) + "\n");
  };

  return {
    name: "local",
    async submit(attemptDir) {
      const target = await currentHost();
      hostOf.set(attemptDir, target);
      send(target, { op: "submit", dir: attemptDir });
      return { backend: "local", jobRef: target.jobRef, submittedAt: new Date().toISOString() };
    },
    recorded(_handle, attemptDir) {
      const target = hostOf.get(attemptDir);
      if (target) send(target, { op: "go", dir: attemptDir });
    },
    async poll(handle, attemptDir): Promise<JobState> {
      const before = finished(attemptDir);
      if (before) {
        hostOf.delete(attemptDir);
        return before;
      }
      if (alive(handle.jobRef)) return existsSync(path.join(attemptDir, attemptFiles.started)) ? "running" : "pending";
      // The worker may have written its result between the two checks above.
      hostOf.delete(attemptDir);
      return finished(attemptDir) ?? "lost";
    },
    async cancel(handle, attemptDir) {
      const target = hostOf.get(attemptDir);
      if (target && !target.exited && target.jobRef === handle.jobRef) return send(target, { op: "cancel", dir: attemptDir });
      // A host (or, from older journals, a single-attempt worker) started by an earlier coordinator:
      // SIGTERM cancels everything it runs, which is all of this experiment's attempts it holds.
      if (!alive(handle.jobRef)) return;
      try {
        process.kill(parseRef(handle.jobRef).pid, "SIGTERM");
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
      if (report) return `${report.file}: ${report.problem}; ${report.action}`;
      return hostErrors.get(attemptDir);
    },
    waitForChange(timeoutMs) {
      if (changed) {
        changed = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          wake = null;
          changed = false;
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        wake = done;
      });
    },
    close() {
      // The host finishes what it runs and exits once its input is closed.
      const closing = host;
      host = null;
      hostOf.clear();
      void closing?.then(
        (target) => target.child.stdin.end(),
        () => undefined,
      );
    },
  };
}
