import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { git, gitSucceeds } from "./gitRun.js";

/** Identity used for commits an agent makes inside its copy. */
export const SANDBOX_GIT_IDENTITY = { name: "SERA Agent", email: "agent@sera.invalid" } as const;

export interface PreparedSource {
  /** Absolute, symlink-free path of the original repository. */
  repoPath: string;
  /** Bare mirror under the cache; sandboxes borrow its objects read-only. */
  mirrorPath: string;
  /** Full SHA the requested commit resolved to. */
  commit: string;
  /** Root of the cache this source lives in; per-commit checkouts go here too. */
  cacheRoot: string;
}

/** Cache key for a repository: a hash of its absolute path, so equal basenames never collide. */
export function repoCacheKey(absoluteRepoPath: string): string {
  return crypto.createHash("sha256").update(absoluteRepoPath).digest("hex").slice(0, 20);
}

/**
 * Makes (once per repository) or refreshes a bare mirror of `repoPath` under
 * `cacheRoot` and resolves `commit` against the original repository, so a
 * branch name always means what it means there now, not in a stale mirror.
 */
export async function prepareSource(repoPath: string, commit: string, cacheRoot: string): Promise<PreparedSource> {
  const absoluteRepo = fs.realpathSync(path.resolve(repoPath));
  const resolvedCommit = (await git(["rev-parse", "--verify", "--quiet", `${commit}^{commit}`], { cwd: absoluteRepo })).trim();
  fs.mkdirSync(path.join(cacheRoot, "mirrors"), { recursive: true });
  const absoluteCache = fs.realpathSync(cacheRoot);
  const mirrorPath = path.join(absoluteCache, "mirrors", `${repoCacheKey(absoluteRepo)}.git`);

  if (!fs.existsSync(mirrorPath)) {
    await publishAtomically(mirrorPath, (staging) => git(["clone", "--quiet", "--mirror", absoluteRepo, staging]));
  }
  if (!(await gitSucceeds(["cat-file", "-e", `${resolvedCommit}^{commit}`], { cwd: mirrorPath }))) {
    await git(["fetch", "--quiet", "--prune", absoluteRepo, "+refs/*:refs/*"], { cwd: mirrorPath });
  }
  return { repoPath: absoluteRepo, mirrorPath, commit: resolvedCommit, cacheRoot: absoluteCache };
}

const treeBuilds = new Map<string, Promise<string>>();

/**
 * A checked-out tree of `commit` kept in the cache as the template sandboxes
 * are copied from. Its `.git` holds no refs besides a detached HEAD — the
 * agent should not find other branches (or future commits) by name — and it
 * borrows objects from the mirror through `objects/info/alternates`.
 */
export function ensureCheckedOutTree(source: PreparedSource, commit: string): Promise<string> {
  const treePath = path.join(source.cacheRoot, "trees", `${path.basename(source.mirrorPath, ".git")}-${commit}`);
  let pending = treeBuilds.get(treePath);
  if (!pending) {
    pending = buildTree(source, commit, treePath);
    treeBuilds.set(treePath, pending);
    pending.catch(() => treeBuilds.delete(treePath));
  }
  return pending;
}

async function buildTree(source: PreparedSource, commit: string, treePath: string): Promise<string> {
  if (fs.existsSync(treePath)) return treePath;
  fs.mkdirSync(path.dirname(treePath), { recursive: true });
  await publishAtomically(treePath, async (staging) => {
    // An empty --template keeps sample hooks and descriptions out of every copy.
    await git(["init", "--quiet", "--template=", staging]);
    fs.mkdirSync(path.join(staging, ".git", "objects", "info"), { recursive: true });
    fs.writeFileSync(path.join(staging, ".git", "objects", "info", "alternates"), `${path.join(source.mirrorPath, "objects")}\n`);
    const config: Array<[string, string]> = [
      ["user.name", SANDBOX_GIT_IDENTITY.name],
      ["user.email", SANDBOX_GIT_IDENTITY.email],
      ["commit.gpgsign", "false"],
      ["core.autocrlf", "false"],
      ["gc.auto", "0"],
    ];
    for (const [key, value] of config) await git(["config", key, value], { cwd: staging });
    await git(["checkout", "--quiet", "--detach", commit], { cwd: staging });
  });
  return treePath;
}

/**
 * Builds into a staging sibling and renames into place, so concurrent
 * processes never see a half-built directory; a loser of the race discards
 * its own copy.
 */
async function publishAtomically(finalPath: string, build: (stagingPath: string) => Promise<unknown>): Promise<void> {
  const staging = `${finalPath}.staging-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
  try {
    await build(staging);
    fs.renameSync(staging, finalPath);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (!fs.existsSync(finalPath)) throw error;
  }
}
