import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { removeTree } from "./remove-tree.js";

/** Every sandbox directory is named `sbx-<pid>-<random>` so a sweep can recognise it. */
export const SANDBOX_DIR_PREFIX = "sbx-";
const OWNER_FILE = "owner.json";
/** A directory without a readable owner file is only swept once it is this old (it may be mid-creation). */
const ORPHAN_GRACE_MS = 60_000;

const ownerSchema = z.object({
  pid: z.number().int().positive(),
  hostname: z.string(),
  startedAt: z.string(),
  /** Kernel start time of the owner (clock ticks since boot), which tells a reused pid apart. */
  processStartTicks: z.string().nullable(),
});
export type SandboxOwner = z.infer<typeof ownerSchema>;

export function newSandboxDirName(): string {
  return `${SANDBOX_DIR_PREFIX}${process.pid}-${crypto.randomBytes(6).toString("hex")}`;
}

export function writeOwnerFile(sandboxDir: string): SandboxOwner {
  const owner: SandboxOwner = {
    pid: process.pid,
    hostname: os.hostname(),
    startedAt: new Date().toISOString(),
    processStartTicks: processStartTicks(process.pid),
  };
  fs.writeFileSync(path.join(sandboxDir, OWNER_FILE), `${JSON.stringify(owner)}\n`);
  return owner;
}

/** Field 22 of /proc/<pid>/stat; null where /proc is unavailable. */
export function processStartTicks(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses; fields after it start past the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

export function ownerIsAlive(owner: SandboxOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM means the process exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (owner.processStartTicks === null) return true;
  const current = processStartTicks(owner.pid);
  return current === null || current === owner.processStartTicks;
}

function readOwner(sandboxDir: string): SandboxOwner | undefined {
  try {
    return ownerSchema.parse(JSON.parse(fs.readFileSync(path.join(sandboxDir, OWNER_FILE), "utf8")));
  } catch {
    return undefined;
  }
}

/**
 * Removes sandboxes under `root` left behind by processes on this host that no
 * longer run (crashes, kill -9). Sandboxes of live processes, of other hosts
 * sharing the directory, and fresh directories still being set up are kept.
 * Returns the removed directories.
 */
export async function sweepStaleSandboxes(root: string): Promise<string[]> {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    return [];
  }
  const removed: string[] = [];
  const hostname = os.hostname();
  for (const entry of entries) {
    if (!entry.isDirectory() || !entry.name.startsWith(SANDBOX_DIR_PREFIX)) continue;
    const sandboxDir = path.join(root, entry.name);
    const owner = readOwner(sandboxDir);
    let stale: boolean;
    if (owner === undefined) {
      let modifiedMs: number;
      try {
        modifiedMs = fs.statSync(sandboxDir).mtimeMs;
      } catch {
        continue; // Removed by someone else meanwhile.
      }
      stale = Date.now() - modifiedMs > ORPHAN_GRACE_MS;
    } else {
      stale = owner.hostname === hostname && owner.pid !== process.pid && !ownerIsAlive(owner);
    }
    if (stale) {
      await removeTree(sandboxDir);
      removed.push(sandboxDir);
    }
  }
  return removed;
}
