import fs from "node:fs";
import path from "node:path";

export class SandboxPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SandboxPathError";
  }
}

const MAX_SYMLINK_HOPS = 40;

/**
 * Maps a path as the sandboxed agent sees it (`/testbed/...`, the copy bound
 * at `sandboxRoot`) to the host path of the same file, resolving `..` and
 * symlinks the way the kernel would inside the sandbox. Symlinks with absolute
 * targets are read in sandbox terms, so `/testbed/a -> /testbed/b` works on the
 * host too. Anything that ends up outside the copy is refused, including a
 * dangling symlink that a write would follow out of it. The path need not
 * exist; missing trailing components are appended verbatim.
 *
 * `hostRoot` must already be free of symlinks (realpath).
 */
export function mapSandboxPath(requested: string, sandboxRoot: string, hostRoot: string): string {
  if (!path.posix.isAbsolute(requested)) {
    throw new SandboxPathError(`'${requested}' is not an absolute path; give the full path, e.g. ${sandboxRoot}/...`);
  }
  // No lexical normalisation: `link/..` must climb from the link's target, as it would in the kernel.
  const squeezed = requested.replace(/\/+/g, "/");
  const relative = relativeInside(squeezed, hostRoot) ?? relativeInside(squeezed, sandboxRoot);
  if (relative === undefined) {
    throw new SandboxPathError(`'${requested}' is outside the repository at ${sandboxRoot}`);
  }

  const pending = splitComponents(relative);
  const resolved: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const component = pending.shift() as string;
    if (component === "..") {
      if (resolved.length === 0) throw new SandboxPathError(`'${requested}' leads outside the repository at ${sandboxRoot}`);
      resolved.pop();
      continue;
    }
    const hostCandidate = path.join(hostRoot, ...resolved, component);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(hostCandidate);
    } catch {
      // Nothing here yet, so nothing further down can be a symlink. The kernel
      // refuses to walk `..` out of a missing directory, and so do we.
      if (pending.includes("..")) {
        throw new SandboxPathError(`'${requested}' goes through '${component}', which does not exist`);
      }
      return path.join(hostRoot, ...resolved, component, ...pending);
    }
    if (!stat.isSymbolicLink()) {
      resolved.push(component);
      continue;
    }
    hops += 1;
    if (hops > MAX_SYMLINK_HOPS) throw new SandboxPathError(`'${requested}' has too many levels of symbolic links`);
    const target = fs.readlinkSync(hostCandidate);
    if (path.posix.isAbsolute(target)) {
      const inside = relativeInside(target.replace(/\/+/g, "/"), sandboxRoot);
      if (inside === undefined) {
        throw new SandboxPathError(`'${requested}' is a symbolic link to ${target}, outside the repository at ${sandboxRoot}`);
      }
      resolved.length = 0;
      pending.unshift(...splitComponents(inside));
    } else {
      pending.unshift(...splitComponents(target));
    }
  }
  return resolved.length === 0 ? hostRoot : path.join(hostRoot, ...resolved);
}

function relativeInside(candidate: string, root: string): string | undefined {
  if (candidate === root) return "";
  if (candidate.startsWith(`${root}/`)) return candidate.slice(root.length);
  return undefined;
}

function splitComponents(relative: string): string[] {
  return relative.split("/").filter((part) => part !== "" && part !== ".");
}
