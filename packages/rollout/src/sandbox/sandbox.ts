import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { bwrapArgs, bwrapAvailable, privilegeDropArgv, sandboxEnv, SANDBOX_WORKDIR, shellArgv, type BwrapLayout } from "./bwrap-command.js";
import { PersistentShell, type ShellHost, type ShellResult } from "./persistent-shell.js";
import { CopyGrowthWatch } from "./copy-watch.js";
import { classifyLimitHit, resolveLimits, ulimitFlags, type LimitHit, type ResolvedLimits, type SandboxLimits } from "./limits.js";
import { mapSandboxPath } from "./path-mapping.js";
import { runProcess, type ProcessRunOutcome } from "./process-run.js";
import { sandboxDiff } from "./sandbox-diff.js";
import { ensurePrivateDir } from "./private-dir.js";
import { removeKnownTree, removeTree } from "./remove-tree.js";
import { ensureCheckedOutTree, type PreparedSource } from "./source.js";
import { copyTree, treeManifest, type TreeManifest } from "./tree-copy.js";
import { newSandboxDirName, sweepStaleSandboxes, writeOwnerFile } from "./sandbox-owner.js";
import { drawSandboxUser, type SandboxUser } from "./sandbox-user.js";

/** "bwrap": bubblewrap isolation. "none": runs directly on the host in the copy; only on explicit request. */
export type Isolation = "bwrap" | "none";

export type { SandboxLimits } from "./limits.js";

export interface CreateSandboxOptions {
  source: PreparedSource;
  /** Commit to check out; defaults to the commit the source was prepared for. */
  commit?: string;
  /** Directory that holds sandbox directories (a tmpfs such as /dev/shm makes creation fastest). */
  root: string;
  isolation: Isolation;
  /** Resource limits; every one left out takes its default from DEFAULT_SANDBOX_LIMITS. */
  limits?: SandboxLimits;
  /** Extra host paths bound read-only at the same place (e.g. a Python toolchain outside /usr). */
  readOnlyPaths?: readonly string[];
  /** Extra environment variables for every command. */
  env?: Record<string, string>;
  /**
   * A prepared environment's tree to copy instead of the plain checkout of `commit`, and its
   * setup outputs, bound read-only inside the copy (see environment/prepared.ts).
   */
  template?: SandboxTemplate;
}

export interface SandboxTemplate {
  /** A tree in sera's cache, checked out at the sandbox's commit, with the same `.git` layout as a plain checkout. */
  treePath: string;
  /** Top-level entries of the copy that are binds of these host paths (read-only). */
  mounts: ReadonlyArray<{ hostPath: string; name: string; kind: "directory" | "file" }>;
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
  /** From the call to its answer, the copy's size check included. */
  wallMs: number;
  /** Set when the command ran into one of the sandbox's resource limits (or, read from its messages, probably did). */
  limit?: LimitHit;
}

export interface Sandbox {
  readonly id: string;
  /** Host directory of the private copy. */
  readonly hostPath: string;
  /** Where the copy appears to sandboxed commands. */
  readonly workdir: string;
  readonly baseCommit: string;
  /** How commands are isolated: bubblewrap, nothing, or a container of a `container` environment. */
  readonly isolation: Isolation | "container";
  /** The host uid/gid commands run as when sera is root; files sera writes into the copy must belong to it. */
  readonly commandUser?: SandboxUser;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Maps `/testbed/...` to the host path; throws SandboxPathError for anything outside the copy. */
  toHostPath(sandboxPath: string): string;
  /** Patch of everything changed since the base commit, new files included and binary files left out. */
  diff(): Promise<string>;
  destroy(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 300_000;
const DEFAULT_MAX_OUTPUT_CHARS = 16_000;

const sweptRoots = new Set<string>();

export async function createSandbox(options: CreateSandboxOptions): Promise<Sandbox> {
  const limits = resolveLimits(options.limits);
  if (options.isolation === "bwrap" && !(await bwrapAvailable())) {
    throw new Error("bubblewrap (bwrap) is not usable on this machine; install it or ask explicitly for isolation 'none'");
  }
  const root = ensurePrivateDir(options.root, "sandbox");
  if (!sweptRoots.has(root)) {
    sweptRoots.add(root);
    await sweepStaleSandboxes(root);
  }
  const commit = options.commit ?? options.source.commit;
  if (options.template !== undefined && options.template.mounts.length > 0 && options.isolation === "none") {
    throw new Error("a prepared environment binds its setup outputs into the sandbox and needs bubblewrap (sandbox: bwrap)");
  }
  const treePath = options.template?.treePath ?? (await ensureCheckedOutTree(options.source, commit));

  // Under root the copy belongs to the sandbox's own uid (symlinks themselves, never their targets),
  // so commands can change it. Drawn and checked before the sandbox's directory exists, so a refusal
  // leaves nothing behind.
  const user = options.isolation === "bwrap" ? drawSandboxUser() : undefined;
  if (user !== undefined) for (const readOnlyPath of options.readOnlyPaths ?? []) requireReadableByOthers(readOnlyPath, user);
  const id = newSandboxDirName();
  const sandboxDir = path.join(root, id);
  fs.mkdirSync(sandboxDir);
  writeOwnerFile(sandboxDir);
  const hostPath = path.join(sandboxDir, "testbed");
  fs.mkdirSync(hostPath);
  if (user !== undefined) fs.lchownSync(hostPath, user.uid, user.gid);
  // bwrap would make missing mount points itself, as root and beside the command's files: make them here.
  for (const mount of options.template?.mounts ?? []) {
    const point = path.join(hostPath, mount.name);
    if (mount.kind === "directory") fs.mkdirSync(point, { recursive: true });
    else fs.writeFileSync(point, "", { flag: "a" });
    if (user !== undefined) fs.lchownSync(point, user.uid, user.gid);
  }
  if (options.isolation === "none") fs.mkdirSync(path.join(sandboxDir, "home"));
  const manifest = treeManifest(treePath);
  // The copy starts (directories, the first files, the large ones on libuv's threads) before the
  // shell's bwrap is spawned (a fork of this process: some 10 ms of the main thread), and bwrap
  // starts on the other core while the rest follow: its bind of /testbed shows the files as they
  // arrive, and no command is sent before the copy is complete.
  const copying = copyTree(manifest, treePath, hostPath, { owner: user, destinationExists: true }).catch((error: Error) => {
    throw new Error(`could not copy the checkout into the sandbox: ${error.message}`);
  });
  const shell = options.isolation === "bwrap" ? new PersistentShell(bwrapShellHost({ options, limits, user, hostPath })) : undefined;
  shell?.warm();
  let copyWatch: CopyGrowthWatch;
  try {
    await copying;
    copyWatch = await CopyGrowthWatch.start(hostPath, limits, `${manifest.digest}\u0000${root}`);
  } catch (error) {
    await shell?.close();
    await removeTree(sandboxDir);
    throw error;
  }
  if (shell !== undefined) copyWatch.watchBetweenCommands(() => shell.close());
  return new LiveSandbox({ id, sandboxDir, hostPath, baseCommit: commit, options, limits, user, copyWatch, shell, manifest });
}

/** Under root, commands run as another uid, so an extra bind is only of use if others may read it. */
function requireReadableByOthers(hostPath: string, user: SandboxUser): void {
  const stat = fs.statSync(hostPath);
  const needed = stat.isDirectory() ? 0o005 : 0o004;
  if ((stat.mode & needed) !== needed) {
    const mode = (stat.mode & 0o777).toString(8).padStart(3, "0");
    throw new Error(
      `readOnlyPaths entry ${hostPath} has mode ${mode}: sandboxed commands run as uid ${user.uid} and could not read it; run chmod o+r${stat.isDirectory() ? "x" : ""} ${hostPath}`,
    );
  }
}

interface SandboxState {
  id: string;
  sandboxDir: string;
  hostPath: string;
  baseCommit: string;
  options: CreateSandboxOptions;
  limits: ResolvedLimits;
  user: SandboxUser | undefined;
  copyWatch: CopyGrowthWatch;
  shell: PersistentShell | undefined;
  /** What the copy was made from: destroy removes it by these names. */
  manifest: TreeManifest;
}

class LiveSandbox implements Sandbox {
  readonly id: string;
  readonly hostPath: string;
  readonly workdir = SANDBOX_WORKDIR;
  readonly baseCommit: string;
  readonly isolation: Isolation;
  readonly commandUser?: SandboxUser;
  private readonly sandboxDir: string;
  private readonly manifest: TreeManifest;
  private readonly options: CreateSandboxOptions;
  private readonly limits: ResolvedLimits;
  private readonly copyWatch: CopyGrowthWatch;
  /** bubblewrap's commands run in one long-lived shell (SWE-agent's semantics); without isolation each gets a fresh one. */
  private readonly shell: PersistentShell | undefined;
  private destroyed = false;

  constructor(state: SandboxState) {
    this.id = state.id;
    this.sandboxDir = state.sandboxDir;
    this.manifest = state.manifest;
    this.hostPath = state.hostPath;
    this.baseCommit = state.baseCommit;
    this.isolation = state.options.isolation;
    this.commandUser = state.user;
    this.options = state.options;
    this.limits = state.limits;
    this.copyWatch = state.copyWatch;
    this.shell = state.shell;
  }

  async exec(command: string, execOptions: ExecOptions = {}): Promise<ExecResult> {
    const started = performance.now();
    if (this.shell !== undefined) return this.execInShell(this.shell, command, execOptions, started);
    // Without bubblewrap there is no /testbed mount: point the agent's absolute paths at the copy,
    // and show it /testbed again in what comes back, so prompts and tools work the same way.
    const unmounted = this.isolation === "none";
    const hostCommand = unmounted ? command.replaceAll(SANDBOX_WORKDIR, this.hostPath) : command;
    const watch = await this.copyWatch.command();
    let outcome: ProcessRunOutcome;
    try {
      outcome = await this.run(shellArgv(hostCommand, ulimitFlags(this.limits, !unmounted)), {
        timeoutMs: execOptions.timeoutMs ?? this.options.limits?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxOutputChars: execOptions.maxOutputChars ?? this.options.limits?.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS,
        mergeStderr: true,
        signal: watch.signal,
      });
    } finally {
      watch.stop();
    }
    const copyHit = (await watch.verdict()) ?? undefined;
    const exitCode = outcome.timedOut || (copyHit?.kind === "copy_size" && watch.killed()) ? null : outcome.exitCode;
    return {
      exitCode,
      output: unmounted ? outcome.stdout.replaceAll(this.hostPath, SANDBOX_WORKDIR) : outcome.stdout,
      timedOut: outcome.timedOut,
      truncated: outcome.truncated,
      wallMs: performance.now() - started,
      limit: copyHit ?? classifyLimitHit(exitCode, outcome.stdout, this.limits),
    };
  }

  private async execInShell(shell: PersistentShell, command: string, execOptions: ExecOptions, started: number): Promise<ExecResult> {
    if (this.destroyed) throw new Error(`sandbox ${this.id} has been destroyed`);
    const watch = await this.copyWatch.command();
    let result: ShellResult;
    try {
      result = await shell.run(command, {
        timeoutMs: execOptions.timeoutMs ?? this.options.limits?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxOutputChars: execOptions.maxOutputChars ?? this.options.limits?.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS,
        signal: watch.signal,
      });
    } finally {
      watch.stop();
    }
    const copyHit = await watch.verdict();
    const killed = result.timedOut || (copyHit?.kind === "copy_size" && watch.killed());
    const exitCode = killed ? null : result.exitCode;
    const limit = copyHit ?? classifyLimitHit(exitCode, result.output, this.limits);
    let output = result.shellExited && !killed ? `${result.output}\n(the shell exited; the next command starts a fresh one in /testbed)` : result.output;
    // What a command left running at the process limit (a fork bomb's survivors) would starve every later command.
    if (limit?.kind === "processes" && !result.shellExited) {
      await shell.close();
      output = `${output}\n(the shell was restarted, with everything the command left running; the next command starts in /testbed)`;
    }
    return { exitCode, output, timedOut: result.timedOut, truncated: result.truncated, wallMs: performance.now() - started, limit };
  }

  toHostPath(sandboxPath: string): string {
    return mapSandboxPath(sandboxPath, SANDBOX_WORKDIR, this.hostPath);
  }

  /** See sandboxDiff: hardened git where the agent's commands ran. */
  diff(): Promise<string> {
    const workTree = this.isolation === "none" ? this.hostPath : SANDBOX_WORKDIR;
    return sandboxDiff((argv, settings) => this.run(argv, settings), workTree, this.baseCommit);
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    this.copyWatch.close();
    await this.shell?.close();
    await removeKnownTree(this.sandboxDir, this.manifest, "testbed");
  }

  private run(
    argv: string[],
    settings: { timeoutMs: number; maxOutputChars: number; mergeStderr: boolean; extraEnv?: Record<string, string>; signal?: AbortSignal },
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
    return runProcess({
      ...settings,
      argv: [
        "bwrap",
        ...bwrapArgs(bwrapLayout({ options: this.options, limits: this.limits, user: this.commandUser, hostPath: this.hostPath }, settings.extraEnv ?? {})),
        "--",
        ...privilegeDropArgv(this.commandUser),
        ...argv,
      ],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
  }
}

interface LayoutParts {
  options: CreateSandboxOptions;
  limits: ResolvedLimits;
  /** The uid commands run as under root (absent otherwise). */
  user?: SandboxUser;
  hostPath: string;
}

/** The bubblewrap layout of a sandbox, with extra variables for one invocation. */
function bwrapLayout({ options, limits, user, hostPath }: LayoutParts, extraEnv: Record<string, string>): BwrapLayout {
  return {
    copyPath: hostPath,
    readOnlyPaths: [options.source.mirrorPath, ...(options.readOnlyPaths ?? [])],
    env: sandboxEnv({ ...options.env, ...extraEnv }),
    tmpBytes: limits.tmpKiB * 1024,
    user,
    copyMounts: options.template?.mounts,
  };
}

/**
 * One bwrap per shell, in its own process group: killing the group ends bwrap, whose pid
 * namespace takes every process the commands started with it (setsid'd ones included).
 */
function bwrapShellHost(parts: LayoutParts): ShellHost {
  return {
    prelude: [...ulimitFlags(parts.limits, true).map((flag) => `ulimit ${flag}`), `cd ${SANDBOX_WORKDIR}`],
    spawn: () =>
      spawn("bwrap", [...bwrapArgs(bwrapLayout(parts, {})), "--", ...privilegeDropArgv(parts.user), "/bin/bash", "--noprofile", "--norc"], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
        stdio: ["pipe", "pipe", "pipe"],
        detached: true,
      }),
    killCommands: async (child) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    },
  };
}
