import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** Overrides where mirrors and checked-out trees are kept (still checked like the default). */
export const CACHE_DIR_ENV = "SERA_CACHE_DIR";
/** Overrides where sandbox copies are made (still checked like the default). */
export const SANDBOX_DIR_ENV = "SERA_SANDBOX_DIR";

export class PrivateDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PrivateDirError";
  }
}

function currentUid(): number {
  return process.getuid?.() ?? -1;
}

/**
 * The per-user cache: `$SERA_CACHE_DIR`, else `$XDG_CACHE_HOME/sera` (an
 * absolute XDG path only, as the XDG spec asks), else `~/.cache/sera`. A fixed
 * name under a shared /tmp would let another local user create it first and
 * hand us mirrors and trees of their making.
 */
export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[CACHE_DIR_ENV];
  if (override) return path.resolve(override);
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, "sera");
  return path.join(env.HOME || os.homedir(), ".cache", "sera");
}

/**
 * The per-user sandbox root: `$SERA_SANDBOX_DIR`, else `/dev/shm/sera-<uid>`
 * (memory-backed, so copies are quick), else `sandboxes/` in the cache. The
 * uid in the name keeps users apart; `ensurePrivateDir` refuses the directory
 * if someone else made it first.
 */
export function defaultSandboxRoot(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[SANDBOX_DIR_ENV];
  if (override) return path.resolve(override);
  if (fs.existsSync("/dev/shm")) return path.join("/dev/shm", `sera-${currentUid()}`);
  return path.join(defaultCacheRoot(env), "sandboxes");
}

/**
 * Makes `dir` (mode 0700) if it is missing and checks, on every call, that it
 * is a real directory owned by the current user that nobody else can enter.
 * Returns its symlink-free path. Refuses with one line that names the
 * directory, what is wrong and what to do, instead of repairing it: a
 * directory someone else could write may already hold their files.
 */
export function ensurePrivateDir(dir: string, role: string): string {
  const absolute = path.resolve(dir);
  const hint = `; use a directory of your own (set ${role === "sandbox" ? SANDBOX_DIR_ENV : CACHE_DIR_ENV})`;
  let stat: fs.Stats;
  try {
    fs.mkdirSync(path.dirname(absolute), { recursive: true });
    try {
      fs.mkdirSync(absolute, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    stat = fs.lstatSync(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new PrivateDirError(`cannot create ${role} directory ${absolute} (${code})${hint}`);
  }
  if (stat.isSymbolicLink()) throw new PrivateDirError(`${role} directory ${absolute} is a symbolic link, not a directory${hint}`);
  if (!stat.isDirectory()) throw new PrivateDirError(`${role} directory ${absolute} is not a directory${hint}`);
  if (stat.uid !== currentUid()) {
    throw new PrivateDirError(`${role} directory ${absolute} is owned by uid ${stat.uid}, not by you (uid ${currentUid()})${hint}`);
  }
  if ((stat.mode & 0o077) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(3, "0");
    throw new PrivateDirError(`${role} directory ${absolute} has mode ${mode}, so others can reach it; run chmod 700 ${absolute}${hint}`);
  }
  return fs.realpathSync(absolute);
}

/** Whether `target` (not followed if it is a symlink) belongs to the current user. */
export function ownedByMe(stat: { uid: number | bigint }): boolean {
  return Number(stat.uid) === currentUid();
}
