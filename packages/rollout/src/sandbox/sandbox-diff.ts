import { filterDriverOverrides, hardenedGitEnv } from "./git-run.js";
import { patchWithoutBinaryFiles } from "./patch-filter.js";
import type { ProcessRunOutcome } from "./process-run.js";

/** Runs argv where the agent's commands run (bubblewrap, the host copy, a container), with extra environment variables. */
export type SandboxGitRunner = (
  argv: string[],
  settings: { timeoutMs: number; maxOutputChars: number; mergeStderr: boolean; extraEnv: Record<string, string> },
) => Promise<ProcessRunOutcome>;

const DIFF_TIMEOUT_MS = 120_000;
const DIFF_MAX_CHARS = 64 * 1024 * 1024;

/**
 * The patch of everything changed in `workTree` since `baseCommit`, computed where the agent's
 * commands ran: the copy's .git (config, info/attributes) and its .gitattributes are the agent's to
 * write, so they could name commands (fsmonitor, hooks, filter drivers) or change what the patch
 * looks like. git gets the hardened config (hooks, fsmonitor, attributes file off), its repository
 * and work tree by path (core.worktree cannot move it), every filter driver the copy's config
 * defines blanked, so `git add` stores the bytes in the work tree, and the patch format pinned on
 * the command line. Binary files are left out.
 */
export async function sandboxDiff(run: SandboxGitRunner, workTree: string, baseCommit: string): Promise<string> {
  const location = { GIT_DIR: `${workTree}/.git`, GIT_WORK_TREE: workTree };
  const listed = await run(["git", "config", "-z", "--name-only", "--get-regexp", "^filter\\."], {
    timeoutMs: DIFF_TIMEOUT_MS,
    maxOutputChars: 1024 * 1024,
    mergeStderr: false,
    extraEnv: { ...hardenedGitEnv(), ...location },
  });
  // Exit 1: no filter.* keys at all.
  if (listed.timedOut || (listed.exitCode !== 0 && listed.exitCode !== 1) || listed.truncated) {
    throw new Error(`could not compute the sandbox diff (reading the copy's filter config failed): ${listed.stderr.trim()}`);
  }
  const pinned: Array<[string, string]> = [
    // Every file's stat is checked in full here (copies trust mtime and size only, for the
    // agent's speed), so a change that kept both still reaches the patch.
    ["core.checkStat", "default"],
    ["core.trustctime", "true"],
    ["core.quotepath", "on"],
    ["core.bare", "false"],
    ["diff.noprefix", "false"],
    ["diff.relative", "false"],
    ["diff.suppressBlankEmpty", "false"],
    ["diff.orderFile", "/dev/null"],
    ...filterDriverOverrides(listed.stdout.split("\0").filter((key) => key !== "")),
  ];
  const script = [
    "git add -A",
    `git diff --cached --no-color --no-ext-diff --no-textconv --no-renames --diff-algorithm=myers ` +
      `--src-prefix=a/ --dst-prefix=b/ --unified=3 --ignore-submodules=none ${baseCommit} --`,
  ].join(" && ");
  const outcome = await run(["/bin/bash", "-c", script], {
    timeoutMs: DIFF_TIMEOUT_MS,
    maxOutputChars: DIFF_MAX_CHARS,
    mergeStderr: false,
    extraEnv: { ...hardenedGitEnv(pinned), ...location },
  });
  if (outcome.timedOut || outcome.exitCode !== 0 || outcome.truncated) {
    const reason = outcome.timedOut ? "timed out" : outcome.truncated ? "patch too large" : `exit ${outcome.exitCode}`;
    throw new Error(`could not compute the sandbox diff (${reason}): ${outcome.stderr.trim()}`);
  }
  return patchWithoutBinaryFiles(outcome.stdout);
}
