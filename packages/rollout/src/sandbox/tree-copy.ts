import crypto from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import { ownedByMe } from "./private-dir.js";
import { forgetContents, smallFileContents, writeCachedFile } from "./tree-contents.js";
import { joinBytes, walkTree, type ByteName } from "./tree-walk.js";

/** What a checked-out tree contains; read once per tree and reused for every copy. Names are bytes. */
export interface TreeManifest {
  /** Relative directory paths, parents before children, with their permission bits. */
  directories: Array<{ relativePath: ByteName; mode: number }>;
  files: ByteName[];
  /** Each file's modification time in whole milliseconds, in the order of `files` (copies keep it; see copyTree). */
  fileMtimesMs: number[];
  symlinks: Array<{ relativePath: ByteName; target: ByteName }>;
  /**
   * FIFOs, sockets and device nodes: not content git can track, and opening a
   * FIFO for reading blocks until a writer comes, so they are listed, never
   * opened, and not copied.
   */
  special: ByteName[];
  /** First entry (relative path) not owned by the current user, if any. */
  foreignEntry: ByteName | null;
  /** sha256 over every entry's name, kind, mode, size, mtime and symlink target: changes when the tree does. */
  digest: string;
}

const manifests = new Map<string, TreeManifest>();

export function treeManifest(root: string): TreeManifest {
  const cached = manifests.get(root);
  if (cached) return cached;
  const manifest: TreeManifest = { directories: [], files: [], fileMtimesMs: [], symlinks: [], special: [], foreignEntry: null, digest: "" };
  const hash = crypto.createHash("sha256");
  const rootBytes = Buffer.from(root);
  walkTree(root, ({ relativePath, kind, stat }) => {
    if (manifest.foreignEntry === null && !ownedByMe(stat)) manifest.foreignEntry = relativePath;
    const mode = Number(stat.mode & 0o7777n);
    let target: ByteName = Buffer.alloc(0);
    if (kind === "directory") manifest.directories.push({ relativePath, mode });
    else if (kind === "file") {
      manifest.files.push(relativePath);
      manifest.fileMtimesMs.push(Number(stat.mtimeNs / 1_000_000n));
    } else if (kind === "special") manifest.special.push(relativePath);
    else {
      target = fs.readlinkSync(joinBytes(rootBytes, relativePath), { encoding: "buffer" });
      manifest.symlinks.push({ relativePath, target });
    }
    // Length-prefixed fields, so no choice of names can make two trees hash alike.
    for (const field of [Buffer.from(kind), relativePath, Buffer.from(`${mode} ${stat.size} ${stat.mtimeNs}`), target]) {
      hash.update(`${field.length}:`);
      hash.update(field);
    }
  });
  manifest.digest = hash.digest("hex");
  manifests.set(root, manifest);
  return manifest;
}

/** Drops the remembered manifest of `root`, for a tree that is about to be replaced. */
export function forgetManifest(root: string): void {
  const manifest = manifests.get(root);
  if (manifest !== undefined) forgetContents(manifest);
  manifests.delete(root);
}

const COPY_CONCURRENCY = 16;
const WRITES_PER_TURN = 256;

/**
 * Copies a tree described by `manifest` from `source` into the new directory
 * `destination` (which must not exist; with `destinationExists`, a directory the caller made, which
 * may already hold the mount points of a prepared environment). Measured on a 2,000-file checkout this
 * is clearly faster than spawning `cp -a`, and it never blocks the event loop for
 * long: file copies run on libuv's thread pool (copyFile keeps permission bits, and
 * uses copy_file_range, or a reflink where the filesystem offers one, so a
 * huge binary file never passes through this process's memory). Small files are written from
 * memory meanwhile (tree-contents.ts).
 * Each file keeps its modification time (to the millisecond, so never another
 * whole second): with the checkout's `core.checkStat minimal`, git then trusts
 * the copied index and the first `git status` reads no file (see buildTree).
 */
export async function copyTree(
  manifest: TreeManifest,
  source: string,
  destination: string,
  options: { owner?: { uid: number; gid: number }; destinationExists?: boolean } = {},
): Promise<void> {
  const sourceBytes = Buffer.from(source);
  const destinationBytes = Buffer.from(destination);
  // Handing each entry over as it is made saves a `chown -R` walk (a sandbox under root).
  const { owner } = options;
  const handOver = (target: Buffer | string) => owner !== undefined && fs.lchownSync(target, owner.uid, owner.gid);
  // Directory and symlink creation are single cheap syscalls; a thread-pool
  // round trip each would cost more than the work.
  const intoExisting = options.destinationExists === true;
  if (!intoExisting) {
    fs.mkdirSync(destination);
    handOver(destination);
  }
  for (const directory of manifest.directories) {
    // Owner write permission stays on until the files are in place.
    const target = joinBytes(destinationBytes, directory.relativePath);
    try {
      fs.mkdirSync(target, { mode: directory.mode | 0o700 });
    } catch (error) {
      // A mount point the caller made where the tree has a directory of the same name.
      if (!intoExisting || (error as NodeJS.ErrnoException).code !== "EEXIST" || !fs.lstatSync(target).isDirectory()) throw error;
    }
    handOver(target);
  }
  const contents = smallFileContents(manifest, source);
  const fromDisk = manifest.files.flatMap((_, index) => (contents.files[index] === undefined ? [index] : []));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < fromDisk.length) {
      const index = fromDisk[next];
      next += 1;
      const target = joinBytes(destinationBytes, manifest.files[index]);
      await fsp.copyFile(joinBytes(sourceBytes, manifest.files[index]), target, fs.constants.COPYFILE_FICLONE | fs.constants.COPYFILE_EXCL);
      // Two metadata syscalls of a few microseconds: a thread-pool round trip each would cost more
      // (720 files of this repository under root: 28 ms instead of 41).
      const seconds = manifest.fileMtimesMs[index] / 1000;
      fs.utimesSync(target, seconds, seconds);
      handOver(target);
    }
  };
  const copying = Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, fromDisk.length) }, worker));
  // The cached files, written while the thread pool copies the rest; the event loop gets a turn
  // every few hundred files (a few milliseconds), so a big tree never holds it for long.
  try {
    for (let index = 0; index < manifest.files.length; index++) {
      const file = contents.files[index];
      if (file === undefined) continue;
      writeCachedFile(joinBytes(destinationBytes, manifest.files[index]), file, manifest.fileMtimesMs[index] / 1000, owner);
      if (index % WRITES_PER_TURN === WRITES_PER_TURN - 1) await new Promise((resolve) => setImmediate(resolve));
    }
  } catch (error) {
    await copying.catch(() => undefined); // settle the thread pool's copies before reporting the first failure
    throw error;
  }
  await copying;
  for (const link of manifest.symlinks) {
    const target = joinBytes(destinationBytes, link.relativePath);
    // A file mount point where the tree has a symlink: the tree's entry wins on the host side.
    if (intoExisting && fs.existsSync(target)) fs.rmSync(target, { force: true });
    fs.symlinkSync(link.target, target);
    handOver(target);
  }
  for (const directory of manifest.directories) {
    if ((directory.mode | 0o700) !== directory.mode) fs.chmodSync(joinBytes(destinationBytes, directory.relativePath), directory.mode);
  }
}
