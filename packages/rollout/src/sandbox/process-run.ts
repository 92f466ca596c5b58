import { spawn } from "node:child_process";
import { HeadTailCapture } from "./output-capture.js";

export interface ProcessRunRequest {
  argv: readonly string[];
  cwd?: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** Cap on captured characters; stdout and stderr share it when merged. */
  maxOutputChars: number;
  /** true: stderr goes into the same capture as stdout, in arrival order. */
  mergeStderr: boolean;
  /** Aborting kills the whole process group at once, like the time limit does (e.g. a size watchdog). */
  signal?: AbortSignal;
}

export interface ProcessRunOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  timedOut: boolean;
  wallMs: number;
}

/** How long to wait for pipes to drain after the direct child has exited. */
const DRAIN_GRACE_MS = 2_000;
const STDERR_CAP_WHEN_SEPARATE = 64_000;

/**
 * Runs one process in its own process group and, on timeout or once it has
 * exited, SIGKILLs the whole group so background children cannot linger and
 * keep pipes open. Never rejects for a non-zero exit; rejects only when the
 * program cannot be started at all.
 */
export function runProcess(request: ProcessRunRequest): Promise<ProcessRunOutcome> {
  const [program, ...args] = request.argv;
  if (program === undefined) return Promise.reject(new Error("runProcess: empty argv"));
  const started = performance.now();
  const stdoutCapture = new HeadTailCapture(request.maxOutputChars);
  const stderrCapture = request.mergeStderr ? stdoutCapture : new HeadTailCapture(STDERR_CAP_WHEN_SEPARATE);

  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: request.cwd,
      env: request.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let timedOut = false;
    let settled = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let drainTimer: NodeJS.Timeout | undefined;

    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // The group is already gone.
      }
    };

    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener("abort", killGroup);
      if (drainTimer) clearTimeout(drainTimer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve({
        exitCode,
        signal: exitSignal,
        stdout: stdoutCapture.text(),
        stderr: request.mergeStderr ? "" : stderrCapture.text(),
        truncated: stdoutCapture.truncated,
        timedOut,
        wallMs: performance.now() - started,
      });
    };

    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, request.timeoutMs);
    request.signal?.addEventListener("abort", killGroup, { once: true });

    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => stdoutCapture.push(chunk));
    child.stderr.on("data", (chunk: string) => stderrCapture.push(chunk));

    child.on("error", (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener("abort", killGroup);
      reject(error);
    });
    child.on("exit", (code, signal) => {
      exitCode = code;
      exitSignal = signal;
      killGroup();
      drainTimer = setTimeout(finish, DRAIN_GRACE_MS);
    });
    child.on("close", finish);
  });
}
