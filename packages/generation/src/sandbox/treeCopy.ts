import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";

/** What a checked-out tree contains; read once per tree and reused for every copy. */
export interface TreeManifest {
  /** Relative directory paths, parents before children, with their permission bits. */
  directories: Array<{ relativePath: string; mode: number }>;
  files: string[];
  symlinks: Array<{ relativePath: string; target: string }>;
}

const manifests = new Map<string, TreeManifest>();

export function treeManifest(root: string): TreeManifest {
  const cached = manifests.get(root);
  if (cached) return cached;
  const manifest: TreeManifest = { directories: [], files: [], symlinks: [] };
  const queue = [""];
  // Breadth-first, so every directory is listed after its parent.
  for (let index = 0; index < queue.length; index += 1) {
    const relativeDir = queue[index];
    for (const entry of fs.readdirSync(path.join(root, relativeDir), { withFileTypes: true })) {
      const relativePath = relativeDir === "" ? entry.name : `${relativeDir}/${entry.name}`;
      if (entry.isDirectory()) {
        manifest.directories.push({ relativePath, mode: fs.statSync(path.join(root, relativePath)).mode & 0o7777 });
        queue.push(relativePath);
      } else if (entry.isSymbolicLink()) {
        manifest.symlinks.push({ relativePath, target: fs.readlinkSync(path.join(root, relativePath)) });
      } else if (entry.isFile()) {
        manifest.files.push(relativePath);
      }
    }
  }
  manifests.set(root, manifest);
  return manifest;
}

const COPY_CONCURRENCY = 16;

/**
 * Copies a tree described by `manifest` from `source` into the new directory
 * `destination` (which must not exist). Measured on a 2,000-file checkout this
 * is clearly faster than spawning `cp -a`, and it never blocks the event loop:
 * file copies run on libuv's thread pool (copyFile keeps permission bits).
 * Timestamps and inode numbers differ from the source, so git re-reads the
 * files once on the first status or diff and rewrites the copy's index.
 */
export async function copyTree(manifest: TreeManifest, source: string, destination: string): Promise<void> {
  // Directory and symlink creation are single cheap syscalls; a thread-pool
  // round trip each would cost more than the work.
  fs.mkdirSync(destination);
  for (const directory of manifest.directories) {
    // Owner write permission stays on until the files are in place.
    fs.mkdirSync(path.join(destination, directory.relativePath), { mode: directory.mode | 0o700 });
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < manifest.files.length) {
      const relativePath = manifest.files[next];
      next += 1;
      await fsp.copyFile(path.join(source, relativePath), path.join(destination, relativePath));
    }
  };
  await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, manifest.files.length) }, worker));
  for (const link of manifest.symlinks) fs.symlinkSync(link.target, path.join(destination, link.relativePath));
  for (const directory of manifest.directories) {
    if ((directory.mode | 0o700) !== directory.mode) fs.chmodSync(path.join(destination, directory.relativePath), directory.mode);
  }
}
