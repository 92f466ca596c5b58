import { bwrapArgs, privilegeDropArgv, sandboxEnv, shellArgv } from "../sandbox/bwrap-command.js";
import { ulimitFlags, type ResolvedLimits } from "../sandbox/limits.js";
import { runProcess, type ProcessRunOutcome } from "../sandbox/process-run.js";
import type { SandboxUser } from "../sandbox/sandbox-user.js";

/**
 * One command in a prepared environment's build sandbox: the same bubblewrap layout and privilege
 * drop as a rollout (read-only system, the tree writable at /testbed, a fresh unused uid under
 * root, no capabilities, rlimits), except that setup commands keep the host's network.
 */
export interface BuildRunRequest {
  /** Host directory bound read-write at /testbed. */
  treePath: string;
  /** The git mirror the tree borrows objects from, bound read-only (none for a tree with its own objects). */
  mirrorPath?: string;
  user: SandboxUser | undefined;
  limits: ResolvedLimits;
  env: Record<string, string>;
  network: boolean;
  timeoutMs: number;
  maxOutputChars: number;
}

export function runInBuildSandbox(
  request: BuildRunRequest,
  argv: readonly string[],
  options: { shell?: boolean; mergeStderr?: boolean } = {},
): Promise<ProcessRunOutcome> {
  const layout = {
    copyPath: request.treePath,
    readOnlyPaths: request.mirrorPath === undefined ? [] : [request.mirrorPath],
    env: sandboxEnv(request.env),
    tmpBytes: request.limits.tmpKiB * 1024,
    user: request.user,
    network: request.network,
  };
  const command = options.shell === true ? shellArgv(argv[0], ulimitFlags(request.limits, true)) : [...argv];
  return runProcess({
    argv: ["bwrap", ...bwrapArgs(layout), "--", ...privilegeDropArgv(request.user), ...command],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    timeoutMs: request.timeoutMs,
    maxOutputChars: request.maxOutputChars,
    mergeStderr: options.mergeStderr ?? true,
  });
}
