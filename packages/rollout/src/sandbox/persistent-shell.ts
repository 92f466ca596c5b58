import type { ChildProcessWithoutNullStreams } from "node:child_process";
import crypto from "node:crypto";
import { HeadTailCapture } from "./output-capture.js";

/**
 * One long-lived bash inside a sandbox, fed one command at a time, so a command costs a
 * millisecond or two instead of a new process tree (a bubblewrap start, a `podman exec`). As in
 * SWE-agent, whose sessions SERA's rollouts ran in, the shell persists between commands: `cd`,
 * `export` and background processes carry over. Each command is read by the `read` builtin from a
 * here-document whose delimiter carries a random nonce (no quoting of the command's text, nothing
 * it prints can end it early), evaluated with stdin from /dev/null (so it cannot read the
 * protocol), and followed by a marker line with the same nonce and its exit status. A command that
 * runs past its time limit, is aborted (the copy-size watch), or kills the shell, costs the shell:
 * the host kills every process of the command (`killCommands`), and the next command gets a fresh
 * shell.
 *
 * Where the shell runs is the host's business: the bubblewrap sandbox starts one bwrap per shell,
 * a container `exec`s one bash into the running container.
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

export interface ShellHost {
  /** Starts `bash --noprofile --norc` where commands run, reading stdin and writing stdout. */
  spawn(): ChildProcessWithoutNullStreams;
  /** Kills the running command and everything it started (the shell included). */
  killCommands(shell: ChildProcessWithoutNullStreams): Promise<void>;
  /** Ends the shell for good, when that is cheaper than killCommands (a container about to be removed); default killCommands. */
  stop?(shell: ChildProcessWithoutNullStreams): Promise<void>;
  /** Lines the shell runs before the first command (exports, ulimits, cd). */
  prelude: string[];
}

interface Waiting {
  nonce: string;
  capture: HeadTailCapture;
  /** Unscanned text that may hold the start of the marker. */
  pending: string;
  resolve(result: { exitCode: number | null; shellExited: boolean }): void;
}

export class PersistentShell {
  private child: ChildProcessWithoutNullStreams | undefined;
  private exited: Promise<void> | undefined;
  private waiting: Waiting | undefined;
  private readonly host: ShellHost;

  constructor(host: ShellHost) {
    this.host = host;
  }

  /** Runs one command; `signal` (e.g. the copy's size watch) kills it as the time limit does. */
  async run(command: string, options: { timeoutMs: number; maxOutputChars: number; signal?: AbortSignal }): Promise<ShellResult> {
    if (this.waiting !== undefined) throw new Error("shell: one command at a time");
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
    const kill = () => void this.host.killCommands(child).catch(() => undefined);
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    options.signal?.addEventListener("abort", kill, { once: true });
    const outcome = await finished;
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", kill);
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

  /** Starts the shell now (while the caller does other work) rather than with the first command. */
  warm(): void {
    if (this.child === undefined) this.start();
  }

  /** Ends the shell and everything it started; resolves once it is gone. */
  async close(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    await (this.host.stop ?? this.host.killCommands)(child).catch(() => undefined);
    await this.exited;
  }

  private start(): ChildProcessWithoutNullStreams {
    const child = this.host.spawn();
    this.exited = new Promise((resolve) => child.once("close", () => resolve()));
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => this.receive(chunk));
    // The shell's own stderr is folded into stdout by the prelude; what comes here is the host's (runtime, bwrap).
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
    child.stdin.write(`exec 2>&1\n${this.host.prelude.join("\n")}\n`);
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
}
