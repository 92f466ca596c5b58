import fs from "node:fs";
import path from "node:path";
import { SANDBOX_WORKDIR } from "../sandbox/bwrap-command.js";
import { CopyGrowthWatch } from "../sandbox/copy-watch.js";
import { classifyLimitHit, formatKiB, resolveLimits, type ResolvedLimits } from "../sandbox/limits.js";
import { mapSandboxPath } from "../sandbox/path-mapping.js";
import { ensurePrivateDir } from "../sandbox/private-dir.js";
import type { ProcessRunOutcome } from "../sandbox/process-run.js";
import { removeTree } from "../sandbox/remove-tree.js";
import type { ExecOptions, ExecResult, Sandbox, SandboxLimits, SandboxTemplate } from "../sandbox/sandbox.js";
import { sandboxDiff } from "../sandbox/sandbox-diff.js";
import { newSandboxDirName, sweepStaleSandboxes, writeOwnerFile } from "../sandbox/sandbox-owner.js";
import { drawSandboxUser, type SandboxUser } from "../sandbox/sandbox-user.js";
import { ensureCheckedOutTree, type PreparedSource } from "../sandbox/source.js";
import { copyTree, treeManifest } from "../sandbox/tree-copy.js";
import { PersistentShell, type ShellResult } from "../sandbox/persistent-shell.js";
import { containerShellHost } from "./container-shell.js";
import { forceRemoveArgs, OWNER_LABEL, ownerLabelValue, RUN_LABEL, runtimeCommand, runtimeOutput, type ContainerRuntime } from "./container-runtime.js";

/**
 * A rollout's sandbox in a container: the private copy of the repository (made as for bubblewrap)
 * bind-mounted at /testbed, the git mirror its objects come from read-only at /sera/mirror, and
 * one long-lived shell. The container has no network, a memory and a process limit (cgroups, so
 * they bound the whole container, not each process), no capabilities, no-new-privileges, and runs
 * the commands as a fresh unused uid when sera is root (as the bubblewrap sandbox does). Disk is
 * bounded as in bubblewrap, without filesystem quotas: the image's root is read-only (so the
 * container's writable layer cannot grow), /tmp and /var/tmp are sized tmpfs, and the copy at
 * /testbed is watched while each command runs (copyGrowthKiB). The patch is taken by hardened git
 * inside the container.
 */

export interface ContainerSandboxOptions {
  runtime: ContainerRuntime;
  image: string;
  source: PreparedSource;
  commit: string;
  root: string;
  limits: SandboxLimits;
  env: Record<string, string>;
  /** Directories put in front of the image's PATH. */
  pathPrefix: string[];
  /** Labels the container with the run, so a later attempt removes what a killed one left. */
  runId: string;
  template?: SandboxTemplate;
}

/** Where the mirror the copy borrows objects from appears inside the container. */
const MIRROR_IN_CONTAINER = "/sera/mirror";
const DEFAULT_TIMEOUT_MS = 300_000;
const DEFAULT_MAX_OUTPUT_CHARS = 16_000;
const sweptRoots = new Set<string>();

export async function createContainerSandbox(options: ContainerSandboxOptions): Promise<Sandbox> {
  const limits = resolveLimits(options.limits);
  const root = ensurePrivateDir(options.root, "sandbox");
  if (!sweptRoots.has(root)) {
    sweptRoots.add(root);
    await sweepStaleSandboxes(root);
  }
  const treePath = options.template?.treePath ?? (await ensureCheckedOutTree(options.source, options.commit));
  const id = newSandboxDirName();
  const sandboxDir = path.join(root, id);
  fs.mkdirSync(sandboxDir);
  writeOwnerFile(sandboxDir);
  const hostPath = path.join(sandboxDir, "testbed");
  const user = drawSandboxUser();
  let containerId: string | undefined;
  let copyWatch: CopyGrowthWatch;
  try {
    const manifest = treeManifest(treePath);
    await copyTree(manifest, treePath, hostPath, { owner: user });
    // A copy of sera's checkout borrows objects from the mirror by its host path, which the
    // container sees elsewhere; an image's own /testbed has its objects.
    const alternates = path.join(hostPath, ".git", "objects", "info", "alternates");
    if (fs.existsSync(alternates)) fs.writeFileSync(alternates, `${MIRROR_IN_CONTAINER}/objects\n`);
    copyWatch = await CopyGrowthWatch.start(hostPath, limits, `${manifest.digest}\u0000${root}`);
    const mounts = (options.template?.mounts ?? []).flatMap((mount) => ["--volume", `${mount.hostPath}:${SANDBOX_WORKDIR}/${mount.name}:ro`]);
    containerId = (
      await runtimeOutput(options.runtime, [
        "run",
        "--detach",
        "--rm",
        "--label",
        `${RUN_LABEL}=${options.runId}`,
        "--label",
        `${OWNER_LABEL}=${ownerLabelValue()}`,
        "--label",
        `sera.sandbox=${id}`,
        "--network",
        "none",
        "--memory",
        `${Math.ceil(limits.addressSpaceKiB / 1024)}m`,
        "--memory-swap",
        `${Math.ceil(limits.addressSpaceKiB / 1024)}m`,
        "--pids-limit",
        String(limits.processes),
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "--read-only",
        "--tmpfs",
        `/tmp:rw,size=${limits.tmpKiB}k,mode=1777`,
        "--tmpfs",
        `/var/tmp:rw,size=${limits.tmpKiB}k,mode=1777`,
        "--volume",
        `${hostPath}:${SANDBOX_WORKDIR}`,
        "--volume",
        `${options.source.mirrorPath}:${MIRROR_IN_CONTAINER}:ro`,
        ...mounts,
        "--workdir",
        SANDBOX_WORKDIR,
        "--user",
        user === undefined ? "0:0" : `${user.uid}:${user.gid}`,
        "--entrypoint",
        "sleep",
        options.image,
        "infinity",
      ])
    ).trim();
  } catch (error) {
    await removeTree(sandboxDir);
    throw error;
  }
  return new ContainerSandbox({ id, sandboxDir, hostPath, containerId, user, limits, options, copyWatch });
}

class ContainerSandbox implements Sandbox {
  readonly id: string;
  readonly hostPath: string;
  readonly workdir = SANDBOX_WORKDIR;
  readonly baseCommit: string;
  readonly isolation = "container" as const;
  readonly commandUser?: SandboxUser;
  private readonly sandboxDir: string;
  private readonly containerId: string;
  private readonly limits: ResolvedLimits;
  private readonly options: ContainerSandboxOptions;
  private readonly shell: PersistentShell;
  private readonly copyWatch: CopyGrowthWatch;
  private destroyed = false;

  constructor(state: {
    id: string;
    sandboxDir: string;
    hostPath: string;
    containerId: string;
    user: SandboxUser | undefined;
    limits: ResolvedLimits;
    options: ContainerSandboxOptions;
    copyWatch: CopyGrowthWatch;
  }) {
    this.id = state.id;
    this.sandboxDir = state.sandboxDir;
    this.hostPath = state.hostPath;
    this.containerId = state.containerId;
    this.commandUser = state.user;
    this.limits = state.limits;
    this.options = state.options;
    this.baseCommit = state.options.commit;
    this.copyWatch = state.copyWatch;
    this.shell = new PersistentShell(
      containerShellHost({ runtime: state.options.runtime, containerId: state.containerId, user: this.userSpec(), prelude: this.prelude() }),
    );
    this.copyWatch.watchBetweenCommands(() => this.shell.close());
  }

  async exec(command: string, execOptions: ExecOptions = {}): Promise<ExecResult> {
    if (this.destroyed) throw new Error(`sandbox ${this.id} has been destroyed`);
    const started = performance.now();
    const watch = await this.copyWatch.command();
    let result: ShellResult;
    try {
      result = await this.shell.run(command, {
        timeoutMs: execOptions.timeoutMs ?? this.options.limits.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxOutputChars: execOptions.maxOutputChars ?? this.options.limits.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS,
        signal: watch.signal,
      });
    } finally {
      watch.stop();
    }
    const copyHit = await watch.verdict();
    const output =
      result.shellExited && !result.timedOut ? `${result.output}\n(the shell exited; the next command starts a fresh one in /testbed)` : result.output;
    const copyKilled = copyHit !== undefined && watch.killed();
    const oomKilled = !copyKilled && (result.exitCode === 137 || (result.shellExited && (await this.oomKilled())));
    return {
      exitCode: copyKilled ? null : result.exitCode,
      output,
      timedOut: result.timedOut,
      truncated: result.truncated,
      wallMs: performance.now() - started,
      limit:
        copyHit ??
        (oomKilled
          ? {
              kind: "memory",
              message: `command killed, most likely on the memory limit: this container may use ${formatKiB(this.limits.addressSpaceKiB)} in all. Use smaller inputs or fewer processes.`,
            }
          : classifyLimitHit(result.exitCode, result.output, this.limits)),
    };
  }

  toHostPath(sandboxPath: string): string {
    return mapSandboxPath(sandboxPath, SANDBOX_WORKDIR, this.hostPath);
  }

  diff(): Promise<string> {
    return sandboxDiff((argv, settings) => this.execOnce(argv, settings.extraEnv, settings.timeoutMs), SANDBOX_WORKDIR, this.baseCommit);
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    this.copyWatch.close();
    await this.shell.close();
    await runtimeCommand(this.options.runtime, forceRemoveArgs(this.options.runtime, [this.containerId])).catch(() => undefined);
    await removeTree(this.sandboxDir);
  }

  /** One `exec` outside the shell (its state must not leak into git's environment), for the patch. */
  private async execOnce(argv: string[], env: Record<string, string>, timeoutMs: number): Promise<ProcessRunOutcome> {
    const envFlags = Object.entries(env).flatMap(([name, value]) => ["--env", `${name}=${value}`]);
    return runtimeCommand(this.options.runtime, ["exec", "--user", this.userSpec(), ...envFlags, this.containerId, ...argv], timeoutMs);
  }

  private async oomKilled(): Promise<boolean> {
    const outcome = await runtimeCommand(this.options.runtime, ["inspect", "--format", "{{.State.OOMKilled}}", this.containerId]).catch(() => undefined);
    return outcome?.stdout.trim() === "true";
  }

  private userSpec(): string {
    return this.commandUser === undefined ? "0:0" : `${this.commandUser.uid}:${this.commandUser.gid}`;
  }

  /** The shell's start: the environment's variables and PATH, a writable $HOME in /tmp, the file-size rlimit. */
  private prelude(): string[] {
    const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;
    const lines = [
      `ulimit -f ${this.limits.fileSizeKiB}`,
      "export HOME=/tmp/home LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=dumb PAGER=cat GIT_PAGER=cat GIT_EDITOR=true",
      'mkdir -p "$HOME"',
    ];
    for (const [name, value] of Object.entries(this.options.env)) lines.push(`export ${name}=${quote(value)}`);
    if (this.options.pathPrefix.length > 0) lines.push(`export PATH=${quote(this.options.pathPrefix.join(":"))}:"$PATH"`);
    lines.push(`cd ${SANDBOX_WORKDIR}`);
    return lines;
  }
}
