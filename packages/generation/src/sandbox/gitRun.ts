import { runProcess } from "./processRun.js";

/** Environment for host-side git calls on repositories we created ourselves. */
function hostGitEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/root",
    LANG: "C.UTF-8",
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
  };
}

export class GitCommandError extends Error {
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(args: readonly string[], exitCode: number | null, stderr: string) {
    super(`git ${args.join(" ")} failed (exit ${exitCode}): ${stderr.trim()}`);
    this.name = "GitCommandError";
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** Runs git on the host and returns stdout; throws GitCommandError on failure. */
export async function git(args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<string> {
  const outcome = await runProcess({
    argv: ["git", ...args],
    cwd: options.cwd,
    env: hostGitEnv(),
    timeoutMs: options.timeoutMs ?? 600_000,
    maxOutputChars: 64 * 1024 * 1024,
    mergeStderr: false,
  });
  if (outcome.exitCode !== 0 || outcome.timedOut) {
    throw new GitCommandError(args, outcome.exitCode, outcome.timedOut ? "timed out" : outcome.stderr);
  }
  return outcome.stdout;
}

/** Like `git` but reports success instead of throwing. */
export async function gitSucceeds(args: readonly string[], options: { cwd?: string } = {}): Promise<boolean> {
  try {
    await git(args, options);
    return true;
  } catch (error) {
    if (error instanceof GitCommandError) return false;
    throw error;
  }
}
