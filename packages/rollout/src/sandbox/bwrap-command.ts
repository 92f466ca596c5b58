import fs from "node:fs";
import { runProcess } from "./process-run.js";
import { drawSandboxUser, type SandboxUser } from "./sandbox-user.js";

/** Where the private copy of the repository appears inside the sandbox. */
export const SANDBOX_WORKDIR = "/testbed";
const SANDBOX_HOME = "/root";

export const SANDBOX_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Host directories that make up the read-only system view. */
const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"];

export interface BwrapLayout {
  /** Host directory bound read-write at /testbed. */
  copyPath: string;
  /** Host paths bound read-only at the same path (the git mirror the copy borrows objects from, toolchains). */
  readOnlyPaths: readonly string[];
  env: Record<string, string>;
  /** Size cap in bytes of the private tmpfs at /tmp (and, separately, of the one at $HOME). */
  tmpBytes: number;
  /**
   * Set exactly when sera runs as root: the unused host uid/gid the command runs as. bwrap then
   * builds the mounts with root's rights and hands over to `setpriv`, which switches to this id
   * and clears every capability set before the command starts.
   */
  user?: SandboxUser;
  /**
   * Read-only binds inside the copy (a prepared environment's `.venv`, `node_modules`): made after
   * the copy's bind, so they sit on top of it; their mount points must exist in the copy.
   */
  copyMounts?: ReadonlyArray<{ hostPath: string; name: string }>;
  /** Keep the host's network (only a prepared environment's setup commands); rollouts never get it. */
  network?: boolean;
}

/** setpriv (util-linux) is bound read-only with /usr, so the same path works inside. */
export const SETPRIV_PATH = "/usr/bin/setpriv";

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
  const args = [...namespaceArgs(layout.user, layout.network === true), "--die-with-parent", "--new-session", "--hostname", "sandbox", "--clearenv"];
  for (const dir of SYSTEM_DIRS) {
    const kind = hostEntryKind(dir);
    if (kind === "symlink") args.push("--symlink", fs.readlinkSync(dir), dir);
    else if (kind === "directory") args.push("--ro-bind", dir, dir);
  }
  // Mode 1777/0777: the tmpfs root belongs to whoever mounts it, and that is not the command's uid under root.
  const size = String(Math.max(4096, Math.floor(layout.tmpBytes)));
  args.push("--proc", "/proc", "--dev", "/dev");
  args.push("--perms", "1777", "--size", size, "--tmpfs", "/tmp", "--perms", "0777", "--size", size, "--tmpfs", SANDBOX_HOME);
  for (const hostPath of layout.readOnlyPaths) {
    // bwrap would give the directories it makes above a bind the modes of their host counterparts,
    // and a private 0700 cache would then hide the mirror from a command running under another uid.
    for (const ancestor of ancestorsOf(hostPath)) args.push("--perms", "0755", "--dir", ancestor);
    args.push("--ro-bind", hostPath, hostPath);
  }
  args.push("--bind", layout.copyPath, SANDBOX_WORKDIR);
  for (const mount of layout.copyMounts ?? []) args.push("--ro-bind", mount.hostPath, `${SANDBOX_WORKDIR}/${mount.name}`);
  args.push("--remount-ro", "/");
  args.push("--chdir", SANDBOX_WORKDIR);
  for (const [name, value] of Object.entries(layout.env)) args.push("--setenv", name, value);
  return args;
}

/**
 * Namespaces and capabilities. As an ordinary user, bwrap's own user namespace
 * gives the command a non-root view and `--cap-drop ALL` empties its sets. As
 * root, a user namespace would map the command back to host root, so none is
 * made: the command keeps a real host uid (set by setpriv), and bwrap keeps
 * only the three capabilities setpriv needs to switch to it and drop the rest.
 */
function namespaceArgs(user: SandboxUser | undefined, network: boolean): string[] {
  if (user === undefined) return ["--unshare-all", ...(network ? ["--share-net"] : []), "--cap-drop", "ALL"];
  return [
    "--unshare-ipc",
    "--unshare-pid",
    ...(network ? [] : ["--unshare-net"]),
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--cap-drop",
    "ALL",
    "--cap-add",
    "CAP_SETUID",
    "--cap-add",
    "CAP_SETGID",
    "--cap-add",
    "CAP_SETPCAP",
  ];
}

/** What runs between bwrap and the command: nothing as an ordinary user; under root, setpriv to the sandbox's uid. */
export function privilegeDropArgv(user: SandboxUser | undefined): string[] {
  if (user === undefined) return [];
  return [
    SETPRIV_PATH,
    `--reuid=${user.uid}`,
    `--regid=${user.gid}`,
    "--clear-groups",
    "--inh-caps=-all",
    "--ambient-caps=-all",
    "--bounding-set=-all",
    "--no-new-privs",
    "--",
  ];
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

/** "/a/b/c" → ["/a", "/a/b"]. */
function ancestorsOf(absolutePath: string): string[] {
  const parts = absolutePath.split("/").filter((part) => part !== "");
  return parts.slice(0, -1).map((_, index) => `/${parts.slice(0, index + 1).join("/")}`);
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
    // The probe goes through the same privilege drop as real commands, so "usable" means they can run.
    const user = drawSandboxUser();
    const layout = { copyPath: scratch, readOnlyPaths: [], env: sandboxEnv(), tmpBytes: 1 << 20, user };
    const outcome = await runProcess({
      argv: ["bwrap", ...bwrapArgs(layout), "--", ...privilegeDropArgv(user), "/bin/sh", "-c", "exit 0"],
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
