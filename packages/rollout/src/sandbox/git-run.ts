import { runProcess } from "./process-run.js";

/**
 * Config every git that sera runs carries, given through GIT_CONFIG_COUNT so
 * it outranks anything in a repository's own config. It keeps the
 * repositories we read from running anything: no hooks (fetch runs
 * reference-transaction), no fsmonitor daemon, no attributes outside the
 * tree, no transports besides local paths, and no background maintenance.
 * Attributes inside a checkout (.gitattributes, $GIT_DIR/info/attributes) can
 * still name a filter driver, but a driver only runs if config defines its
 * command, and system and global config are not read at all (see
 * hardenedGitEnv); `filterDriverOverrides` blanks drivers a repository's own
 * config defines where git works on a tree someone else could write.
 */
export const HARDENED_GIT_CONFIG: ReadonlyArray<readonly [string, string]> = [
  ["core.hooksPath", "/dev/null"],
  ["core.fsmonitor", "false"],
  ["core.attributesFile", "/dev/null"],
  ["protocol.allow", "never"],
  ["protocol.file.allow", "always"],
  ["gc.auto", "0"],
  ["maintenance.auto", "false"],
];

/**
 * Environment for every git sera runs: only the config and attributes of the
 * repository itself (no /etc/gitconfig, ~/.gitconfig, /etc/gitattributes),
 * plus HARDENED_GIT_CONFIG and any `extraConfig` after it.
 */
export function hardenedGitEnv(extraConfig: ReadonlyArray<readonly [string, string]> = []): Record<string, string> {
  const env: Record<string, string> = {
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_ATTR_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
    GIT_PROTOCOL_FROM_USER: "0",
  };
  const entries = [...HARDENED_GIT_CONFIG, ...extraConfig];
  env.GIT_CONFIG_COUNT = String(entries.length);
  entries.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return env;
}

/**
 * Config that switches off the filter drivers named in `configKeys` (the
 * output of `git config --name-only --get-regexp '^filter\.'`): an empty
 * command means "no filter", and `required=false` keeps git from failing on
 * the missing command.
 */
export function filterDriverOverrides(configKeys: readonly string[]): Array<[string, string]> {
  const drivers = new Set<string>();
  for (const key of configKeys) {
    const lastDot = key.lastIndexOf(".");
    if (key.startsWith("filter.") && lastDot > "filter.".length) drivers.add(key.slice("filter.".length, lastDot));
  }
  return [...drivers].flatMap((driver): Array<[string, string]> => [
    [`filter.${driver}.clean`, ""],
    [`filter.${driver}.smudge`, ""],
    [`filter.${driver}.process`, ""],
    [`filter.${driver}.required`, "false"],
  ]);
}

/** Environment for host-side git calls. */
function hostGitEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/root",
    LANG: "C.UTF-8",
    ...hardenedGitEnv(),
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
