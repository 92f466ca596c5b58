import fs from "node:fs";

/**
 * File names are bytes on Linux, and git stores them as bytes: a name that is
 * not valid UTF-8 (say 0xff 0xfe) does not survive a round trip through a JS
 * string. So tree walks keep every name as a Buffer from readdir to the
 * syscalls that use it.
 */
export type ByteName = Buffer;

const SLASH = Buffer.from("/");

export function joinBytes(parent: ByteName, child: ByteName): ByteName {
  return parent.length === 0 ? child : Buffer.concat([parent, SLASH, child]);
}

export type EntryKind = "directory" | "file" | "symlink" | "special";

export interface WalkedEntry {
  /** Path relative to the walk's root, as bytes. */
  relativePath: ByteName;
  kind: EntryKind;
  /** lstat of the entry: never follows a symlink and never opens the entry (a FIFO would block). */
  stat: fs.BigIntStats;
}

/**
 * Breadth-first walk below `root` (the root itself is not visited), so every
 * directory comes before its contents. `descend` may keep the walk out of a
 * directory (its own entry is still visited).
 */
export function walkTree(root: string, visit: (entry: WalkedEntry) => void, descend: (relativePath: ByteName) => boolean = () => true): void {
  const rootBytes = Buffer.from(root);
  const queue: ByteName[] = [Buffer.alloc(0)];
  for (let index = 0; index < queue.length; index += 1) {
    const relativeDir = queue[index];
    const names = fs.readdirSync(joinBytes(rootBytes, relativeDir), { encoding: "buffer" });
    // Sorted bytewise, so digests over a walk do not depend on directory order.
    names.sort(Buffer.compare);
    for (const name of names) {
      const relativePath = joinBytes(relativeDir, name);
      const stat = fs.lstatSync(joinBytes(rootBytes, relativePath), { bigint: true });
      const kind: EntryKind = stat.isDirectory() ? "directory" : stat.isSymbolicLink() ? "symlink" : stat.isFile() ? "file" : "special";
      visit({ relativePath, kind, stat });
      if (kind === "directory" && descend(relativePath)) queue.push(relativePath);
    }
  }
}
