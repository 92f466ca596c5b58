import fs from "node:fs";
import type { TreeManifest } from "./tree-copy.js";
import { joinBytes } from "./tree-walk.js";

/**
 * The small files of trees that sandboxes are copied from, kept in memory. Copying a file takes
 * copyFile plus a utimes and an lchown by path, each a thread-pool round trip or a path walk;
 * writing a file already in memory is open, write, fchown, fchmod, futimes and close on one
 * descriptor, synchronously. On this repository's 720-file tree under root that is 21 ms against
 * 29 ms, and it leaves the thread pool to the large files. Trees are sera's own checkouts, sealed
 * and checked before reuse, and a manifest is forgotten with its tree, so the cache follows them.
 */

/** Larger files are copied from disk (copy_file_range or a reflink; never through this process). */
const SMALL_FILE_BYTES = 64 << 10;
/** All trees together; the least recently copied tree goes first. One tree takes at most half. */
const BUDGET_BYTES = 128 << 20;

export interface CachedFile {
  data: Buffer;
  /** Permission bits, as copyFile would keep them. */
  mode: number;
}

export interface TreeContents {
  /** Aligned with the manifest's `files`; undefined where a file is copied from disk. */
  files: Array<CachedFile | undefined>;
  bytes: number;
}

const trees = new Map<TreeManifest, TreeContents>();
let totalBytes = 0;

/** The small files of the tree `manifest` describes at `source`, read on first use. */
export function smallFileContents(manifest: TreeManifest, source: string): TreeContents {
  const known = trees.get(manifest);
  if (known !== undefined) {
    trees.delete(manifest);
    trees.set(manifest, known);
    return known;
  }
  const sourceBytes = Buffer.from(source);
  const contents: TreeContents = { files: new Array<CachedFile | undefined>(manifest.files.length), bytes: 0 };
  for (let index = 0; index < manifest.files.length && contents.bytes < BUDGET_BYTES / 2; index++) {
    const file = joinBytes(sourceBytes, manifest.files[index]);
    const stat = fs.lstatSync(file);
    if (!stat.isFile() || stat.size > SMALL_FILE_BYTES) continue;
    const data = fs.readFileSync(file);
    contents.files[index] = { data, mode: stat.mode & 0o7777 };
    contents.bytes += data.length;
  }
  for (const [oldest, held] of trees) {
    if (totalBytes + contents.bytes <= BUDGET_BYTES) break;
    trees.delete(oldest);
    totalBytes -= held.bytes;
  }
  trees.set(manifest, contents);
  totalBytes += contents.bytes;
  return contents;
}

export function forgetContents(manifest: TreeManifest): void {
  const held = trees.get(manifest);
  if (held === undefined) return;
  trees.delete(manifest);
  totalBytes -= held.bytes;
}

/**
 * Writes one cached file as copyFile + utimes + lchown would leave it. The file must be new ("wx":
 * O_EXCL), so a name that is already there, a link included, is refused rather than followed.
 */
export function writeCachedFile(target: Buffer, file: CachedFile, mtimeSeconds: number, owner: { uid: number; gid: number } | undefined): void {
  const fd = fs.openSync(target, "wx", file.mode);
  try {
    for (let written = 0; written < file.data.length;) written += fs.writeSync(fd, file.data, written);
    // chown clears set-id bits, so the mode comes after it; the mode is exact whatever the umask.
    if (owner !== undefined) fs.fchownSync(fd, owner.uid, owner.gid);
    fs.fchmodSync(fd, file.mode);
    fs.futimesSync(fd, mtimeSeconds, mtimeSeconds);
  } finally {
    fs.closeSync(fd);
  }
}
