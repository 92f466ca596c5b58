import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { ownedByMe } from "./private-dir.js";
import { removeTree } from "./remove-tree.js";

/**
 * A cache entry is a directory `<entry>/` holding the built thing (`<entry>/<content>`)
 * and `<entry>/sera-built.json`, the marker sera writes when it built it. Both
 * are made in a staging sibling and renamed into place together, so an entry
 * is never seen without its marker and concurrent builders never mix files.
 */
export const MARKER_FILE = "sera-built.json";
const MARKER_VERSION = 1;

const markerSchema = z.object({
  kind: z.enum(["mirror", "tree", "environment", "image-testbed"]),
  version: z.literal(MARKER_VERSION),
  /** Content hash of what was built; see the digest functions of each kind. */
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  builtAt: z.string(),
});
export type CacheMarker = z.infer<typeof markerSchema>;
export type CacheEntryKind = CacheMarker["kind"];

/** The digest of an entry's content and the first path in it not owned by the current user, if any. */
export interface ContentFingerprint {
  digest: string;
  foreignEntry: string | null;
}

/**
 * Why the entry at `entryDir` may not be reused, or null when sera built it
 * and it is unchanged since: the directory, its marker and every file under
 * it belong to the current user, the marker is sera's, and the content's
 * digest is the one recorded when it was built.
 */
export function entryProblem(entryDir: string, kind: CacheEntryKind, fingerprint: () => ContentFingerprint): string | null {
  const entryStat = fs.lstatSync(entryDir);
  if (!entryStat.isDirectory()) return "it is not a directory";
  if (!ownedByMe(entryStat)) return `it is owned by uid ${entryStat.uid}`;
  const markerPath = path.join(entryDir, MARKER_FILE);
  let marker: CacheMarker;
  try {
    const markerStat = fs.lstatSync(markerPath);
    if (!markerStat.isFile() || !ownedByMe(markerStat)) return `${MARKER_FILE} is not a file of yours`;
    const parsed = markerSchema.safeParse(JSON.parse(fs.readFileSync(markerPath, "utf8")));
    if (!parsed.success) return `${MARKER_FILE} is not a marker sera wrote`;
    marker = parsed.data;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return `it has no ${MARKER_FILE}`;
    return `${MARKER_FILE} is unreadable (${(error as Error).message})`;
  }
  if (marker.kind !== kind) return `${MARKER_FILE} describes a ${marker.kind}, not a ${kind}`;
  let current: ContentFingerprint;
  try {
    current = fingerprint();
  } catch (error) {
    return `its content cannot be read (${(error as Error).message})`;
  }
  if (current.foreignEntry !== null) return `${current.foreignEntry} in it is not owned by you`;
  if (current.digest !== marker.digest) return "its content changed since sera built it";
  return null;
}

/**
 * Moves a rejected entry out of the way (a rename, so a concurrent reader
 * never sees it half-deleted), says so on stderr, and deletes it.
 */
export async function discardEntry(entryDir: string, reason: string): Promise<void> {
  process.stderr.write(`sera: not reusing cache entry ${entryDir}: ${reason}; building it again\n`);
  const aside = `${entryDir}.rejected-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
  try {
    fs.renameSync(entryDir, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  await removeTree(aside);
}

/**
 * Builds an entry in a staging sibling — `build(contentPath)` makes the
 * content, then the marker records `fingerprint(contentPath).digest` — and
 * renames it into place. When another process published the entry first, its
 * entry is kept and ours discarded.
 */
export async function publishEntry(
  entryDir: string,
  contentName: string,
  kind: CacheEntryKind,
  build: (contentPath: string) => Promise<unknown>,
  fingerprint: (contentPath: string) => ContentFingerprint,
): Promise<void> {
  const staging = `${entryDir}.staging-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
  try {
    fs.mkdirSync(staging, { mode: 0o700 });
    const contentPath = path.join(staging, contentName);
    await build(contentPath);
    const marker: CacheMarker = { kind, version: MARKER_VERSION, digest: fingerprint(contentPath).digest, builtAt: new Date().toISOString() };
    fs.writeFileSync(path.join(staging, MARKER_FILE), `${JSON.stringify(marker)}\n`, { mode: 0o600 });
    fs.renameSync(staging, entryDir);
  } catch (error) {
    await removeTree(staging);
    if (!fs.existsSync(entryDir)) throw error;
  }
}

/** Reuses the entry if sera built it and it is unchanged; otherwise (re)builds it. */
export async function ensureCacheEntry(
  entryDir: string,
  kind: CacheEntryKind,
  contentName: string,
  fingerprint: (contentPath: string) => ContentFingerprint,
  build: (contentPath: string) => Promise<unknown>,
): Promise<void> {
  await sweepLeftovers(path.dirname(entryDir));
  if (fs.existsSync(entryDir) || isSymlink(entryDir)) {
    const problem = entryProblem(entryDir, kind, () => fingerprint(path.join(entryDir, contentName)));
    if (problem === null) return;
    await discardEntry(entryDir, problem);
  }
  await publishEntry(entryDir, contentName, kind, build, fingerprint);
  const problem = entryProblem(entryDir, kind, () => fingerprint(path.join(entryDir, contentName)));
  if (problem !== null) throw new Error(`cache entry ${entryDir} is unusable right after it was built: ${problem}`);
}

function isSymlink(target: string): boolean {
  try {
    return fs.lstatSync(target).isSymbolicLink();
  } catch {
    return false;
  }
}

const sweptDirs = new Set<string>();
const LEFTOVER = /\.(staging|rejected)-(\d+)-[0-9a-f]+$/;

/**
 * Deletes, once per directory and process, staging and rejected entries that
 * a killed process left in `entriesDir` (their names carry its pid). Those of
 * live processes are theirs to finish.
 */
export async function sweepLeftovers(entriesDir: string): Promise<void> {
  if (sweptDirs.has(entriesDir)) return;
  sweptDirs.add(entriesDir);
  for (const name of fs.readdirSync(entriesDir)) {
    const match = LEFTOVER.exec(name);
    if (match === null || processAlive(Number(match[2]))) continue;
    await removeTree(path.join(entriesDir, name));
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** sha256 over length-prefixed fields, so no choice of names can make two different inputs hash alike. */
export function fieldHash(): { add(field: Buffer | string): void; hex(): string } {
  const hash = crypto.createHash("sha256");
  return {
    add(field) {
      const bytes = typeof field === "string" ? Buffer.from(field) : field;
      hash.update(`${bytes.length}:`);
      hash.update(bytes);
    },
    hex: () => hash.digest("hex"),
  };
}
