import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import crypto from "node:crypto";
import { HeadTailCapture } from "../sandbox/output-capture.js";
import { runtimeCommand, runtimeEnv, type ContainerRuntime } from "./container-runtime.js";

/**
 * One long-lived bash inside a rollout's container (a `podman exec -i` started once), fed one
 * command at a time, so a command costs milliseconds instead of an exec's few hundred. As in
 * SWE-agent, the shell persists between commands: `cd` and `export` carry over. Each command is
 * read by the `read` builtin from a here-document whose delimiter carries a random nonce (no
 * quoting of the command's text, nothing it prints can end it early), evaluated with stdin from
 * /dev/null (so it cannot read the protocol), and followed by a marker line with the same nonce
 * and its exit status. A command that runs past its time limit, or kills the shell, costs the
 * shell: every process of the command's uid in the container is killed and the next command
 * gets a fresh shell, with a note that state was reset.
 */

export interface ShellResult {
  exitCode: number | null;
  output: string;
  timedOut: boolean;
  truncated: boolean;
  wallMs: number;
  /** The shell died during the command (exit, kill) and will be started afresh. */
  shellExited: boolean;
}

export interface ShellSettings {
  runtime: ContainerRuntime;
  containerId: string;
  /** `uid:gid` the shell runs as inside the container. */
  user: string;
  /** Lines the shell runs before the first command (exports, ulimits). */
  prelude: string[];
}

interface Waiting {
  nonce: string;
  capture: HeadTailCapture;
  /** Unscanned text that may hold the start of the marker. */
  pending: string;
  resolve(result: { exitCode: number | null; shellExited: boolean }): void;
}

export class ContainerShell {
  private child: ChildProcessWithoutNullStreams | undefined;
  private waiting: Waiting | undefined;
  private readonly settings: ShellSettings;

  constructor(settings: ShellSettings) {
    this.settings = settings;
  }

  /** Runs one command; `signal` (e.g. the copy's size watch) kills it as the time limit does. */
  async run(command: string, options: { timeoutMs: number; maxOutputChars: number; signal?: AbortSignal }): Promise<ShellResult> {
    if (this.waiting !== undefined) throw new Error("container shell: one command at a time");
    const started = performance.now();
    const child = this.child ?? this.start();
    const nonce = crypto.randomBytes(12).toString("hex");
    const capture = new HeadTailCapture(options.maxOutputChars);
    const finished = new Promise<{ exitCode: number | null; shellExited: boolean }>((resolve) => {
      this.waiting = { nonce, capture, pending: "", resolve };
    });
    const delimiter = `__SERA_EOF_${nonce}`;
    child.stdin.write(
      `IFS= read -r -d '' __sera_command <<'${delimiter}'\n${command}\n${delimiter}\n` +
        `eval "$__sera_command" < /dev/null\nprintf '\\n__SERA_DONE_${nonce} %d\\n' "$?"\n`,
    );
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void this.killCommandProcesses();
    }, options.timeoutMs);
    const abort = () => void this.killCommandProcesses();
    options.signal?.addEventListener("abort", abort, { once: true });
    const outcome = await finished;
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", abort);
    this.waiting = undefined;
    return {
      exitCode: timedOut ? null : outcome.exitCode,
      output: capture.text(),
      timedOut,
      truncated: capture.truncated,
      wallMs: performance.now() - started,
      shellExited: outcome.shellExited,
    };
  }

  /** Ends the shell (the container's removal ends everything else). */
  close(): void {
    this.child?.kill("SIGKILL");
    this.child = undefined;
  }

  private start(): ChildProcessWithoutNullStreams {
    const { runtime, containerId, user, prelude } = this.settings;
    const child = spawn(runtime, ["exec", "-i", "--user", user, "--workdir", "/testbed", containerId, "/bin/bash", "--noprofile", "--norc"], {
      env: runtimeEnv(),
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => this.receive(chunk));
    // The shell's own stderr is folded into stdout by the prelude; what comes here is the runtime's.
    child.stderr.on("data", (chunk: string) => this.waiting?.capture.push(chunk));
    child.stdin.on("error", () => undefined);
    child.on("exit", (code, signal) => {
      if (this.child === child) this.child = undefined;
      const waiting = this.waiting;
      if (waiting !== undefined) {
        waiting.capture.push(waiting.pending);
        waiting.pending = "";
        waiting.resolve({ exitCode: code ?? (signal ? 128 : null), shellExited: true });
      }
    });
    child.stdin.write(`exec 2>&1\n${prelude.join("\n")}\n`);
    this.child = child;
    return child;
  }

  private receive(chunk: string): void {
    const waiting = this.waiting;
    if (waiting === undefined) return; // output of a background process between commands
    waiting.pending += chunk;
    const marker = `\n__SERA_DONE_${waiting.nonce} `;
    const at = waiting.pending.indexOf(marker);
    if (at >= 0) {
      const end = waiting.pending.indexOf("\n", at + marker.length);
      if (end < 0) return; // the status is still on its way
      waiting.capture.push(waiting.pending.slice(0, at));
      const status = Number.parseInt(waiting.pending.slice(at + marker.length, end), 10);
      waiting.pending = "";
      waiting.resolve({ exitCode: Number.isFinite(status) ? status : null, shellExited: false });
      return;
    }
    // Keep back only what could be the beginning of a marker.
    const keep = marker.length + 12;
    if (waiting.pending.length > keep) {
      waiting.capture.push(waiting.pending.slice(0, waiting.pending.length - keep));
      waiting.pending = waiting.pending.slice(waiting.pending.length - keep);
    }
  }

  /** Kills every process of the command's uid in the container except pid 1 (the container's own), the shell included. */
  private async killCommandProcesses(): Promise<void> {
    const { runtime, containerId, user } = this.settings;
    await runtimeCommand(runtime, ["exec", "--user", user, containerId, "/bin/sh", "-c", "kill -9 -1"], 30_000).catch(() => undefined);
  }
}
