import { runProcess } from "./process-run.js";

/**
 * Resource limits of one sandbox. Each is on by default; a stage sets them
 * from its `sandboxLimits` params. Which layer enforces what:
 *   addressSpaceKiB, fileSizeKiB, processes  setrlimit in the command's shell (ulimit -v / -f / -u)
 *   tmpKiB                                   bwrap's `--size` on the private tmpfs at /tmp and at $HOME
 *   copyGrowthKiB                            a watchdog that measures the copy while a command runs
 */
export interface SandboxLimits {
  /** Default per-command time limit (ms) when exec() is given none. */
  timeoutMs?: number;
  /** Default cap on captured output characters when exec() is given none. */
  maxOutputChars?: number;
  /** `ulimit -v` in KiB: caps each process's address space. */
  addressSpaceKiB?: number;
  /** `ulimit -f` in KiB: caps the size of any file a command writes. */
  fileSizeKiB?: number;
  /** `ulimit -u`: processes of the command's uid (a uid of its own under root, its own user namespace otherwise). */
  processes?: number;
  /** Size of the private /tmp (and of $HOME), each, in KiB. */
  tmpKiB?: number;
  /** How far commands may grow the writable copy beyond the checked-out tree, in KiB. */
  copyGrowthKiB?: number;
}

export type ResolvedLimits = Required<Omit<SandboxLimits, "timeoutMs" | "maxOutputChars">>;

const MIB = 1024;
/** Generous for test suites and compilers, small enough that one command cannot take the machine. */
export const DEFAULT_SANDBOX_LIMITS: ResolvedLimits = {
  addressSpaceKiB: 8192 * MIB,
  fileSizeKiB: 1024 * MIB,
  processes: 512,
  tmpKiB: 1024 * MIB,
  copyGrowthKiB: 2048 * MIB,
};

export function resolveLimits(limits: SandboxLimits | undefined): ResolvedLimits {
  const merged = { ...DEFAULT_SANDBOX_LIMITS };
  for (const key of Object.keys(DEFAULT_SANDBOX_LIMITS) as Array<keyof ResolvedLimits>) {
    const value = limits?.[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value <= 0) throw new Error(`sandbox limit ${key} must be a positive number, got ${value}`);
    merged[key] = Math.floor(value);
  }
  return merged;
}

/**
 * The `ulimit` flags the command's shell applies to itself before it runs the
 * command. Without isolation there is no uid or user namespace of the
 * sandbox's own, and RLIMIT_NPROC would count every process of the user on
 * the host, so the process limit applies only with `ownProcessCount`.
 */
export function ulimitFlags(limits: ResolvedLimits, ownProcessCount: boolean): string[] {
  const flags = [`-v ${limits.addressSpaceKiB}`, `-f ${limits.fileSizeKiB}`];
  if (ownProcessCount) flags.push(`-u ${limits.processes}`);
  return flags;
}

export type LimitKind = "memory" | "processes" | "file_size" | "disk" | "copy_size";

export interface LimitHit {
  kind: LimitKind;
  /** One or two sentences for the agent: what was limited, to how much, and what to do instead. */
  message: string;
}

/** SIGXFSZ's default action ends the process; bash reports it as exit 128 + 25. */
const FILE_SIZE_EXIT = 153;

/**
 * Why a command that failed (or was stopped at its time limit) probably failed on a limit. rlimits make system
 * calls fail rather than announce themselves, so all but the file-size signal
 * are read from the messages programs print for ENOMEM, EAGAIN and ENOSPC.
 */
export function classifyLimitHit(exitCode: number | null, output: string, limits: ResolvedLimits): LimitHit | undefined {
  if (exitCode === 0) return undefined;
  if (exitCode === FILE_SIZE_EXIT || /File size limit exceeded/.test(output)) {
    return {
      kind: "file_size",
      message: `command stopped: file size limit ${formatKiB(limits.fileSizeKiB)} reached (no single file in the sandbox may grow larger). Write less, or write a sample of the data.`,
    };
  }
  if (/Cannot allocate memory|MemoryError|memory exhausted|[Oo]ut of memory|bad_alloc|heap out of memory|failed to allocate|cannot allocate/.test(output)) {
    return {
      kind: "memory",
      message: `command failed, most likely on the memory limit: each process may use ${formatKiB(limits.addressSpaceKiB)} of address space. Use smaller inputs or process the data in pieces.`,
    };
  }
  if (/fork: (retry: )?Resource temporarily unavailable|Cannot fork|can't fork|fork failed|Resource temporarily unavailable/.test(output)) {
    return {
      kind: "processes",
      message: `command failed, most likely on the process limit: at most ${limits.processes} processes and threads may run in this sandbox at once. Start fewer of them.`,
    };
  }
  if (/No space left on device|Disk quota exceeded/.test(output)) {
    return {
      kind: "disk",
      message: `command failed, most likely on a size limit: /tmp and $HOME hold at most ${formatKiB(limits.tmpKiB)} each. Write less data, or delete what is no longer needed.`,
    };
  }
  return undefined;
}

export function copyLimitHit(usedBytes: number, baseBytes: number, limits: ResolvedLimits): LimitHit {
  return {
    kind: "copy_size",
    message:
      `command killed: the repository copy may grow by at most ${formatKiB(limits.copyGrowthKiB)} and reached ` +
      `${formatKiB((usedBytes - baseBytes) / 1024)} more than the checkout. Delete the large files it wrote (e.g. with rm) before going on.`,
  };
}

export function formatKiB(kib: number): string {
  if (kib >= 1024 * 1024) return `${trimmed(kib / (1024 * 1024))} GiB`;
  if (kib >= 1024) return `${trimmed(kib / 1024)} MiB`;
  return `${trimmed(kib)} KiB`;
}

function trimmed(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/**
 * Bytes a directory tree occupies (allocated blocks, so a sparse file counts
 * what it really holds), measured by `du` in a child process so a big tree
 * never stalls the event loop. du neither follows symlinks nor leaves the
 * filesystem, so an agent's links cannot point it elsewhere.
 */
export async function treeUsageBytes(hostPath: string): Promise<number> {
  const outcome = await runProcess({
    argv: ["du", "-s", "-x", "-B1", "--", hostPath],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" },
    timeoutMs: 30_000,
    maxOutputChars: 4_000,
    mergeStderr: false,
  });
  const bytes = Number.parseInt(outcome.stdout, 10);
  // du exits 1 when a file vanished under it (the command deletes while we count); its total still stands.
  if (!Number.isFinite(bytes)) throw new Error(`could not measure the sandbox copy: ${outcome.stderr.trim() || `exit ${outcome.exitCode}`}`);
  return bytes;
}
