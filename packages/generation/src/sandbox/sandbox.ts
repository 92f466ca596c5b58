import fs from "node:fs";
import path from "node:path";
import { bwrapArgs, bwrapAvailable, sandboxEnv, SANDBOX_WORKDIR, shellArgv } from "./bwrapCommand.js";
import { filterDriverOverrides, hardenedGitEnv } from "./gitRun.js";
import { patchWithoutBinaryFiles } from "./patchFilter.js";
import { mapSandboxPath } from "./pathMapping.js";
import { runProcess, type ProcessRunOutcome } from "./processRun.js";
import { ensurePrivateDir } from "./privateDir.js";
import { removeTree } from "./removeTree.js";
import { ensureCheckedOutTree, type PreparedSource } from "./source.js";
import { copyTree, treeManifest } from "./treeCopy.js";
import { newSandboxDirName, sweepStaleSandboxes, writeOwnerFile } from "./sandboxOwner.js";

/** "bwrap": bubblewrap isolation. "none": runs directly on the host in the copy; only on explicit request. */
export type Isolation = "bwrap" | "none";

export interface SandboxLimits {
  /** Default per-command time limit (ms) when exec() is given none. */
  timeoutMs?: number;
  /** Default cap on captured output characters when exec() is given none. */
  maxOutputChars?: number;
  /** `ulimit -v` in KiB: caps each process's address space. */
  addressSpaceKiB?: number;
  /** `ulimit -f` in KiB: caps the size of any file a command writes. */
  fileSizeKiB?: number;
}

export interface CreateSandboxOptions {
  source: PreparedSource;
  /** Commit to check out; defaults to the commit the source was prepared for. */
  commit?: string;
  /** Directory that holds sandbox directories (a tmpfs such as /dev/shm makes creation fastest). */
  root: string;
  isolation: Isolation;
  limits?: SandboxLimits;
  /** Extra host paths bound read-only at the same place (e.g. a Python toolchain outside /usr). */
  readOnlyPaths?: readonly string[];
  /** Extra environment variables for every command. */
  env?: Record<string, string>;
}

export interface ExecOptions {
  timeoutMs?: number;
  maxOutputChars?: number;
}

export interface ExecResult {
  /** Exit status of the command; null when it was killed (time limit) or died by a signal. */
  exitCode: number | null;
  /** stdout and stderr interleaved in the order they were written, elided in the middle if over the cap. */
  output: string;
  timedOut: boolean;
  truncated: boolean;
  wallMs: number;
}

export interface Sandbox {
  readonly id: string;
  /** Host directory of the private copy. */
  readonly hostPath: string;
  /** Where the copy appears to sandboxed commands. */
  readonly workdir: string;
  readonly baseCommit: string;
  readonly isolation: Isolation;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Maps `/testbed/...` to the host path; throws SandboxPathError for anything outside the copy. */
  toHostPath(sandboxPath: string): string;
  /** Patch of everything changed since the base commit, new files included and binary files left out. */
  diff(): Promise<string>;
  destroy(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 300_000;
const DEFAULT_MAX_OUTPUT_CHARS = 16_000;
const DIFF_TIMEOUT_MS = 120_000;
const DIFF_MAX_CHARS = 64 * 1024 * 1024;

const sweptRoots = new Set<string>();

export async function createSandbox(options: CreateSandboxOptions): Promise<Sandbox> {
  if (options.isolation === "bwrap" && !(await bwrapAvailable())) {
    throw new Error("bubblewrap (bwrap) is not usable on this machine; install it or ask explicitly for isolation 'none'");
  }
  const root = ensurePrivateDir(options.root, "sandbox");
  if (!sweptRoots.has(root)) {
    sweptRoots.add(root);
    await sweepStaleSandboxes(root);
  }
  const commit = options.commit ?? options.source.commit;
  const treePath = await ensureCheckedOutTree(options.source, commit);

  const id = newSandboxDirName();
  const sandboxDir = path.join(root, id);
  fs.mkdirSync(sandboxDir);
  writeOwnerFile(sandboxDir);
  const hostPath = path.join(sandboxDir, "testbed");
  try {
    await copyTree(treeManifest(treePath), treePath, hostPath);
  } catch (error) {
    await removeTree(sandboxDir);
    throw new Error(`could not copy the checkout into the sandbox: ${(error as Error).message}`);
  }
  if (options.isolation === "none") fs.mkdirSync(path.join(sandboxDir, "home"));
  return new LiveSandbox(id, sandboxDir, hostPath, commit, options);
}

class LiveSandbox implements Sandbox {
  readonly id: string;
  readonly hostPath: string;
  readonly workdir = SANDBOX_WORKDIR;
  readonly baseCommit: string;
  readonly isolation: Isolation;
  private readonly sandboxDir: string;
  private readonly options: CreateSandboxOptions;
  private destroyed = false;

  constructor(id: string, sandboxDir: string, hostPath: string, baseCommit: string, options: CreateSandboxOptions) {
    this.id = id;
    this.sandboxDir = sandboxDir;
    this.hostPath = hostPath;
    this.baseCommit = baseCommit;
    this.isolation = options.isolation;
    this.options = options;
  }

  async exec(command: string, execOptions: ExecOptions = {}): Promise<ExecResult> {
    // Without bubblewrap there is no /testbed mount: point the agent's absolute paths at the copy,
    // and show it /testbed again in what comes back, so prompts and tools work the same way.
    const unmounted = this.isolation === "none";
    const hostCommand = unmounted ? command.replaceAll(SANDBOX_WORKDIR, this.hostPath) : command;
    const outcome = await this.run(shellArgv(hostCommand, this.ulimitFlags()), {
      timeoutMs: execOptions.timeoutMs ?? this.options.limits?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxOutputChars: execOptions.maxOutputChars ?? this.options.limits?.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS,
      mergeStderr: true,
    });
    return {
      exitCode: outcome.timedOut ? null : outcome.exitCode,
      output: unmounted ? outcome.stdout.replaceAll(this.hostPath, SANDBOX_WORKDIR) : outcome.stdout,
      timedOut: outcome.timedOut,
      truncated: outcome.truncated,
      wallMs: outcome.wallMs,
    };
  }

  toHostPath(sandboxPath: string): string {
    return mapSandboxPath(sandboxPath, SANDBOX_WORKDIR, this.hostPath);
  }

  /**
   * Runs inside the sandbox: the copy's .git (config, info/attributes) and
   * its .gitattributes are the agent's to write, so they could name commands
   * (fsmonitor, hooks, filter drivers) or change what the patch looks like.
   * git gets the hardened config (hooks, fsmonitor, attributes file off), its
   * repository and work tree by path (core.worktree cannot move it), every
   * filter driver the copy's config defines blanked, so `git add` stores the
   * bytes in the work tree, and the patch format pinned on the command line.
   */
  async diff(): Promise<string> {
    const workTree = this.isolation === "none" ? this.hostPath : SANDBOX_WORKDIR;
    const location = { GIT_DIR: `${workTree}/.git`, GIT_WORK_TREE: workTree };
    const listed = await this.run(["git", "config", "-z", "--name-only", "--get-regexp", "^filter\\."], {
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
        `--src-prefix=a/ --dst-prefix=b/ --unified=3 --ignore-submodules=none ${this.baseCommit} --`,
    ].join(" && ");
    const outcome = await this.run(["/bin/bash", "-c", script], {
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

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await removeTree(this.sandboxDir);
  }

  private ulimitFlags(): string[] {
    const flags: string[] = [];
    const limits = this.options.limits ?? {};
    if (limits.addressSpaceKiB !== undefined) flags.push(`-v ${Math.floor(limits.addressSpaceKiB)}`);
    if (limits.fileSizeKiB !== undefined) flags.push(`-f ${Math.floor(limits.fileSizeKiB)}`);
    return flags;
  }

  private run(
    argv: string[],
    settings: { timeoutMs: number; maxOutputChars: number; mergeStderr: boolean; extraEnv?: Record<string, string> },
  ): Promise<ProcessRunOutcome> {
    if (this.destroyed) return Promise.reject(new Error(`sandbox ${this.id} has been destroyed`));
    const extraEnv = { ...this.options.env, ...settings.extraEnv };
    if (this.isolation === "none") {
      const env = sandboxEnv({
        ...extraEnv,
        PATH: process.env.PATH ?? sandboxEnv().PATH,
        HOME: path.join(this.sandboxDir, "home"),
        TMPDIR: process.env.TMPDIR ?? "/tmp",
      });
      return runProcess({ ...settings, argv, cwd: this.hostPath, env });
    }
    const layout = {
      copyPath: this.hostPath,
      readOnlyPaths: [this.options.source.mirrorPath, ...(this.options.readOnlyPaths ?? [])],
      env: sandboxEnv(extraEnv),
    };
    return runProcess({
      ...settings,
      argv: ["bwrap", ...bwrapArgs(layout), "--", ...argv],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
  }
}
