import fs from "node:fs";
import { runProcess } from "./processRun.js";

/** Where the private copy of the repository appears inside the sandbox. */
export const SANDBOX_WORKDIR = "/testbed";
const SANDBOX_HOME = "/root";

const SANDBOX_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Host directories that make up the read-only system view. */
const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"];

export interface BwrapLayout {
  /** Host directory bound read-write at /testbed. */
  copyPath: string;
  /** Host paths bound read-only at the same path (the git mirror the copy borrows objects from, toolchains). */
  readOnlyPaths: readonly string[];
  env: Record<string, string>;
}

/** The fixed environment every sandboxed command starts from. */
export function sandboxEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: SANDBOX_PATH,
    HOME: SANDBOX_HOME,
    LANG: "C.UTF-8",
    LC_ALL: "C.UTF-8",
    TERM: "dumb",
    // Commands run without a terminal; keep git and friends from waiting on a pager or editor.
    PAGER: "cat",
    GIT_PAGER: "cat",
    GIT_EDITOR: "true",
    TMPDIR: "/tmp",
    ...extra,
  };
}

/**
 * bwrap arguments, in mount order. Order matters: a tmpfs hides binds made
 * beneath it earlier, so the scratch tmpfs mounts come before the binds that may
 * live under /tmp on the host, and the root is made read-only last.
 */
export function bwrapArgs(layout: BwrapLayout): string[] {
  const args = ["--unshare-all", "--die-with-parent", "--new-session", "--hostname", "sandbox", "--clearenv"];
  for (const dir of SYSTEM_DIRS) {
    const kind = hostEntryKind(dir);
    if (kind === "symlink") args.push("--symlink", fs.readlinkSync(dir), dir);
    else if (kind === "directory") args.push("--ro-bind", dir, dir);
  }
  args.push("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", SANDBOX_HOME);
  for (const hostPath of layout.readOnlyPaths) args.push("--ro-bind", hostPath, hostPath);
  args.push("--bind", layout.copyPath, SANDBOX_WORKDIR);
  args.push("--remount-ro", "/");
  args.push("--chdir", SANDBOX_WORKDIR);
  for (const [name, value] of Object.entries(layout.env)) args.push("--setenv", name, value);
  return args;
}

/**
 * The shell invocation both isolation modes use. The outer shell folds stderr
 * into stdout so the two interleave exactly as produced, applies resource
 * limits, then hands the command to a fresh bash so its own line numbers in
 * error messages start at 1.
 */
export function shellArgv(command: string, ulimits: readonly string[]): string[] {
  const prelude = ["exec 2>&1", ...ulimits.map((flag) => `ulimit ${flag}`)].join("; ");
  return ["/bin/bash", "-c", `${prelude}; exec /bin/bash -c "$1"`, "sandbox-shell", command];
}

function hostEntryKind(hostPath: string): "symlink" | "directory" | "absent" {
  try {
    const stat = fs.lstatSync(hostPath);
    if (stat.isSymbolicLink()) return "symlink";
    return stat.isDirectory() ? "directory" : "absent";
  } catch {
    return "absent";
  }
}

let bwrapProbe: Promise<boolean> | undefined;

/**
 * Whether bubblewrap is installed and can actually build a sandbox here (it may
 * be installed yet blocked, e.g. when unprivileged user namespaces are off).
 * The answer is cached for the life of the process.
 */
export function bwrapAvailable(): Promise<boolean> {
  bwrapProbe ??= probeBwrap();
  return bwrapProbe;
}

async function probeBwrap(): Promise<boolean> {
  const scratch = fs.mkdtempSync(`${process.env.TMPDIR ?? "/tmp"}/sera-bwrap-probe-`);
  try {
    const outcome = await runProcess({
      argv: ["bwrap", ...bwrapArgs({ copyPath: scratch, readOnlyPaths: [], env: sandboxEnv() }), "/bin/sh", "-c", "exit 0"],
      env: { PATH: process.env.PATH ?? SANDBOX_PATH },
      timeoutMs: 10_000,
      maxOutputChars: 4_000,
      mergeStderr: true,
    });
    return outcome.exitCode === 0;
  } catch {
    return false;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
