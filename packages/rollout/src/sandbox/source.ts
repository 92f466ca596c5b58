import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ensureCacheEntry, fieldHash, type ContentFingerprint } from "./cache-entry.js";
import { git, GitCommandError, gitSucceeds } from "./git-run.js";
import { ensurePrivateDir, ownedByMe } from "./private-dir.js";
import { forgetManifest, treeManifest } from "./tree-copy.js";
import { joinBytes, walkTree } from "./tree-walk.js";

/** Identity used for commits an agent makes inside its copy. */
export const SANDBOX_GIT_IDENTITY = { name: "SERA Agent", email: "agent@sera.invalid" } as const;

export interface PreparedSource {
  /** Absolute, symlink-free path of the original repository. */
  repoPath: string;
  /** Bare mirror under the cache; sandboxes borrow its objects read-only. */
  mirrorPath: string;
  /** Full SHA the requested commit resolved to. */
  commit: string;
  /** Root of the cache this source lives in (private to the user); per-commit checkouts go here too. */
  cacheRoot: string;
  /** The repository's cache key (see repoCacheKey); names its mirror and trees. */
  repoKey: string;
}

/** Cache key for a repository: a hash of its absolute path, so equal basenames never collide. */
export function repoCacheKey(absoluteRepoPath: string): string {
  return crypto.createHash("sha256").update(absoluteRepoPath).digest("hex").slice(0, 20);
}

/**
 * Makes (once per repository) or refreshes a bare mirror of `repoPath` under
 * `cacheRoot` and resolves `commit` against the original repository, so a
 * branch name always means what it means there now, not in a stale mirror.
 * The cache root must be private to the current user (see ensurePrivateDir);
 * a mirror sera did not build, or whose control files changed, is rebuilt.
 */
export async function prepareSource(repoPath: string, commit: string, cacheRoot: string): Promise<PreparedSource> {
  const absoluteRepo = fs.realpathSync(path.resolve(repoPath));
  const resolvedCommit = (await readSourceRepo(absoluteRepo, ["rev-parse", "--verify", "--quiet", `${commit}^{commit}`])).trim();
  const absoluteCache = ensurePrivateDir(cacheRoot, "cache");
  const mirrorsDir = ensurePrivateDir(path.join(absoluteCache, "mirrors"), "cache");
  const repoKey = repoCacheKey(absoluteRepo);
  const entryDir = path.join(mirrorsDir, repoKey);
  const mirrorPath = path.join(entryDir, MIRROR_CONTENT);

  await ensureCacheEntry(entryDir, "mirror", MIRROR_CONTENT, mirrorFingerprint, async (staging) => {
    // An empty --template keeps sample hooks and descriptions out of the mirror. Without
    // --no-hardlinks a local clone shares object files (inodes) with the repository, so the
    // cache would hold files whose owner and bytes are the repository owner's to change.
    await git(["clone", "--quiet", "--mirror", "--no-hardlinks", "--template=", absoluteRepo, staging]);
  });
  if (!(await gitSucceeds(["cat-file", "-e", `${resolvedCommit}^{commit}`], { cwd: mirrorPath }))) {
    await git(["fetch", "--quiet", "--prune", absoluteRepo, "+refs/*:refs/*"], { cwd: mirrorPath });
  }
  return { repoPath: absoluteRepo, mirrorPath, commit: resolvedCommit, cacheRoot: absoluteCache, repoKey };
}

const MIRROR_CONTENT = "repo.git";
const TREE_CONTENT = "tree";

/** git in the user's repository, with its refusal of repositories owned by someone else said in one line. */
async function readSourceRepo(absoluteRepo: string, args: readonly string[]): Promise<string> {
  try {
    return await git(args, { cwd: absoluteRepo });
  } catch (error) {
    if (error instanceof GitCommandError && error.stderr.includes("dubious ownership")) {
      const owner = fs.statSync(absoluteRepo).uid;
      throw new Error(
        `${absoluteRepo} is owned by uid ${owner}, not by you (uid ${process.getuid?.()}); sera does not run git in other users' ` +
          "repositories (their config could run commands as you): clone it to a directory of your own",
      );
    }
    throw error;
  }
}

/** Names (relative to a mirror) whose content is data that fetches change, not settings git acts on. */
function mirrorDataPath(relative: string): boolean {
  if (relative === "objects/info/alternates") return false;
  return (
    relative.startsWith("objects/") ||
    relative === "refs" ||
    relative.startsWith("refs/") ||
    relative.startsWith("packed-refs") ||
    relative === "FETCH_HEAD" ||
    relative.startsWith("logs/") ||
    relative.endsWith(".lock")
  );
}

/**
 * A mirror's digest covers what could make git run something or look
 * elsewhere — config, HEAD, hooks/, info/, objects/info/alternates — by
 * content; refs and objects are data that every fetch changes (objects are
 * addressed by their own hash). Everything walked must be ours; the walk
 * stops at the object directories (`objects/xx`, `objects/pack`), whose own
 * owner is checked, since a repository can hold hundreds of thousands of
 * loose objects and this runs on every prepareSource.
 */
export function mirrorFingerprint(mirrorPath: string): ContentFingerprint {
  const hash = fieldHash();
  let foreignEntry: string | null = null;
  const mirrorBytes = Buffer.from(mirrorPath);
  walkTree(
    mirrorPath,
    ({ relativePath, kind, stat }) => {
      const relative = relativePath.toString("latin1");
      if (foreignEntry === null && !ownedByMe(stat)) foreignEntry = relative;
      if (mirrorDataPath(relative)) return;
      hash.add(kind);
      hash.add(relativePath);
      if (kind === "file") hash.add(fs.readFileSync(joinBytes(mirrorBytes, relativePath)));
      else if (kind === "symlink") hash.add(fs.readlinkSync(joinBytes(mirrorBytes, relativePath), { encoding: "buffer" }));
    },
    (relativePath) => !/^objects\/([0-9a-f]{2}|pack)$/.test(relativePath.toString("latin1")),
  );
  return { digest: hash.hex(), foreignEntry };
}

/**
 * A tree's digest: the manifest's (every entry's name, kind, mode, size and
 * mtime — the tree never changes once built) plus the content of the git
 * files that decide what git does in every copy made from it.
 */
export function treeFingerprint(treePath: string): ContentFingerprint {
  forgetManifest(treePath);
  const manifest = treeManifest(treePath);
  const hash = fieldHash();
  hash.add(manifest.digest);
  for (const control of ["config", "HEAD", "objects/info/alternates"]) {
    const controlPath = path.join(treePath, ".git", control);
    hash.add(control);
    hash.add(fs.existsSync(controlPath) ? fs.readFileSync(controlPath) : "(absent)");
  }
  return { digest: hash.hex(), foreignEntry: manifest.foreignEntry === null ? null : manifest.foreignEntry.toString("latin1") };
}

const treeBuilds = new Map<string, Promise<string>>();

/**
 * A checked-out tree of `commit` kept in the cache as the template sandboxes
 * are copied from. Its `.git` holds no refs besides a detached HEAD — the
 * agent should not find other branches (or future commits) by name — and it
 * borrows objects from the mirror through `objects/info/alternates`.
 */
export function ensureCheckedOutTree(source: PreparedSource, commit: string): Promise<string> {
  const treesDir = ensurePrivateDir(path.join(source.cacheRoot, "trees"), "cache");
  const entryDir = path.join(treesDir, `${source.repoKey}-${commit}`);
  let pending = treeBuilds.get(entryDir);
  if (!pending) {
    pending = ensureCacheEntry(entryDir, "tree", TREE_CONTENT, treeFingerprint, (staging) => buildTree(source, commit, staging)).then(() =>
      path.join(entryDir, TREE_CONTENT),
    );
    treeBuilds.set(entryDir, pending);
    pending.catch(() => treeBuilds.delete(entryDir));
  }
  return pending;
}

async function buildTree(source: PreparedSource, commit: string, staging: string): Promise<void> {
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
    // Copies keep each file's mtime and size but not its inode, ctime or owner: compared on
    // mtime and size only, the copied index stays valid and the first status reads no file.
    ["core.checkStat", "minimal"],
    ["core.trustctime", "false"],
  ];
  for (const [key, value] of config) await git(["config", key, value], { cwd: staging });
  await git(["checkout", "--quiet", "--detach", commit], { cwd: staging });
  // Files written in the same second as the index are "racily clean": git re-reads them on every
  // status. Dated ten seconds back and refreshed once, every entry is older than the index.
  const past = (Date.now() - 10_000) / 1000;
  walkTree(
    staging,
    ({ relativePath, kind }) => {
      if (kind === "file") fs.utimesSync(joinBytes(Buffer.from(staging), relativePath), past, past);
    },
    (relativePath) => relativePath.toString() !== ".git",
  );
  await git(["update-index", "-q", "--refresh"], { cwd: staging });
}
