import crypto from "node:crypto";
import fs from "node:fs";

/**
 * The unprivileged host identity a sandboxed command runs as when sera itself
 * runs as root. A user namespace that maps the sandbox to host uid 0 would
 * still let the command read root's 0600/0640 files as their owner, so under
 * root the command gets a real, unused host uid instead and no capabilities.
 */
export interface SandboxUser {
  uid: number;
  gid: number;
}

/**
 * Preferred ids: far above any range a distribution or /etc/subuid hands out.
 * Each sandbox draws its own id so RLIMIT_NPROC (counted per real uid) is a
 * per-sandbox budget; two live sandboxes drawing the same id only share that
 * budget, since each sees only its own copy and its own pid namespace.
 */
const PREFERRED_BASE = 2_000_000_000;
const PREFERRED_SPAN = 1 << 24;
/** Inside a container with a short id map, the top of the largest mapped range is used instead. */
const FALLBACK_SPAN = 4096;

/** Whether commands must be moved to another uid: true exactly when sera runs as root. */
export function runsAsRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** A fresh unprivileged id for one sandbox, or undefined when sera is not root (bwrap's user namespace suffices then). */
export function drawSandboxUser(): SandboxUser | undefined {
  if (!runsAsRoot()) return undefined;
  const taken = new Set([...idsInDatabase("/etc/passwd", 2), ...idsInDatabase("/etc/group", 2)]);
  const uidRange = usableRange("/proc/self/uid_map");
  const gidRange = usableRange("/proc/self/gid_map");
  const low = Math.max(uidRange.low, gidRange.low);
  const high = Math.min(uidRange.high, gidRange.high);
  if (high <= low) throw new Error("no unused uid is mapped into this container for the sandbox's commands");
  for (let attempt = 0; attempt < 64; attempt += 1) {
    const id = low + crypto.randomInt(0, high - low);
    if (!taken.has(id)) return { uid: id, gid: id };
  }
  throw new Error(`could not find an unused uid in ${low}..${high} for the sandbox's commands`);
}

/** [low, high) of ids to draw from, within what this process's user namespace maps. */
function usableRange(mapFile: string): { low: number; high: number } {
  const extents = readIdMap(mapFile);
  const preferredHigh = PREFERRED_BASE + PREFERRED_SPAN;
  if (extents.some((extent) => extent.first <= PREFERRED_BASE && extent.first + extent.count >= preferredHigh)) {
    return { low: PREFERRED_BASE, high: preferredHigh };
  }
  const largest = extents.reduce((best, extent) => (extent.count > best.count ? extent : best), { first: 0, count: 0 });
  const end = largest.first + largest.count;
  // Stay clear of the overflow ids (65534 nobody, 4294967294) at the very top of a map.
  const high = end - 2;
  return { low: Math.max(largest.first + 1000, high - FALLBACK_SPAN), high };
}

function readIdMap(mapFile: string): Array<{ first: number; count: number }> {
  let text: string;
  try {
    text = fs.readFileSync(mapFile, "utf8");
  } catch {
    // No /proc: assume the full 32-bit range of a host without user namespaces.
    return [{ first: 0, count: 4_294_967_295 }];
  }
  return text
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter((fields) => fields.length === 3 && fields.every(Number.isFinite))
    .map(([first, , count]) => ({ first, count }));
}

function idsInDatabase(file: string, field: number): number[] {
  try {
    return fs
      .readFileSync(file, "utf8")
      .split("\n")
      .map((line) => Number(line.split(":")[field]))
      .filter(Number.isInteger);
  } catch {
    return [];
  }
}
