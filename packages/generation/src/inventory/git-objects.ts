import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import { hardenedGitEnv } from "@sera/rollout";

/** Output cap for commands whose output size we cannot bound in advance (ls-tree, rev-list). */
const LISTING_MAX_BUFFER = 512 * 1024 * 1024;
/** `git cat-file --batch` calls are split so one call never buffers more than this. */
const BLOB_BATCH_BYTES = 64 * 1024 * 1024;

export class GitCommandError extends Error {}

/** Runs real git without a shell; `input` is written to its stdin. */
export function runGit(repoPath: string, args: readonly string[], input?: string, maxBuffer = LISTING_MAX_BUFFER): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      ["-C", repoPath, ...args],
      // Hardened like every git sera runs: no hooks, fsmonitor, global or system config.
      { encoding: "buffer", maxBuffer, env: { ...process.env, ...hardenedGitEnv(), GIT_PAGER: "cat", LC_ALL: "C" } },
      (error, stdout, stderr) => {
        if (error) {
          const detail = stderr.toString("utf8").trim().split("\n")[0] || error.message;
          reject(new GitCommandError(`git ${args[0]} failed in ${repoPath}: ${detail}`));
          return;
        }
        resolve(stdout);
      },
    );
    // git may exit before reading its stdin; that shows up in its exit status, not as EPIPE.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(input ?? "");
  });
}

/**
 * Why `revision` did not resolve: the path is missing, is not a git repository, the repository has
 * no commits yet, or the revision is not one of its commits. Each gets its own message, because the
 * fix differs (clone it, point at the clone, commit something, pick another revision).
 */
async function unresolvedCommitMessage(repoPath: string, revision: string): Promise<string> {
  let stats;
  try {
    stats = await stat(repoPath);
  } catch {
    return `${repoPath}: no such folder (a local clone of the repository is expected here)`;
  }
  if (!stats.isDirectory()) return `${repoPath}: not a folder (a local clone of the repository is expected here)`;
  try {
    await runGit(repoPath, ["rev-parse", "--git-dir"]);
  } catch {
    return `${repoPath}: not a git repository (no .git found; clone the repository or run git init)`;
  }
  try {
    const refs = await runGit(repoPath, ["for-each-ref", "--count=1", "--format=%(refname)"]);
    if (refs.toString("utf8").trim() === "") return `${repoPath}: the repository has no commits yet, so ${revision} names nothing`;
  } catch {
    /* fall through to the plain answer */
  }
  return `not a commit in ${repoPath}: ${revision}`;
}

/** Resolves any revision to a full commit SHA; a bad one gives a single line naming it. */
export async function resolveCommit(repoPath: string, revision: string): Promise<string> {
  // A leading dash would be read as an option by git.
  if (revision.length === 0 || revision.startsWith("-")) {
    throw new Error(`not a commit in ${repoPath}: ${JSON.stringify(revision)}`);
  }
  try {
    const out = await runGit(repoPath, ["rev-parse", "--verify", "--quiet", `${revision}^{commit}`]);
    return out.toString("utf8").trim();
  } catch {
    throw new Error(await unresolvedCommitMessage(repoPath, revision));
  }
}

export interface TreeBlob {
  path: string;
  objectSha: string;
  size: number;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Regular files (not symlinks or submodules) of a commit's whole tree. git
 * stores names as bytes; a name that is not valid UTF-8 cannot be written
 * into a prompt or a tool call exactly, so such files are left out here
 * (decoding them would invent a name, with U+FFFD, that names no file).
 */
export async function listBlobs(repoPath: string, commit: string): Promise<TreeBlob[]> {
  const out = await runGit(repoPath, ["ls-tree", "-r", "-l", "-z", "--full-tree", commit]);
  const blobs: TreeBlob[] = [];
  let start = 0;
  while (start < out.length) {
    let end = out.indexOf(0, start);
    if (end === -1) end = out.length;
    const record = out.subarray(start, end);
    start = end + 1;
    // "<mode> SP <type> SP <object> SP+ <size> TAB <path bytes>"
    const tab = record.indexOf(0x09);
    if (tab === -1) continue;
    const [mode, type, objectSha, size] = record.subarray(0, tab).toString("latin1").split(/ +/);
    if (type !== "blob" || (mode !== "100644" && mode !== "100755")) continue;
    let filePath: string;
    try {
      filePath = strictUtf8.decode(record.subarray(tab + 1));
    } catch {
      continue;
    }
    blobs.push({ path: filePath, objectSha, size: Number(size) });
  }
  return blobs;
}

/** Reads blob contents with `git cat-file --batch`, a few large calls instead of one per file. */
export async function readBlobs(repoPath: string, blobs: readonly TreeBlob[]): Promise<Map<string, Buffer>> {
  const contents = new Map<string, Buffer>();
  let batch: TreeBlob[] = [];
  let batchBytes = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const unique = [...new Set(batch.map((blob) => blob.objectSha))];
    // Each record is "<sha> blob <size>\n<content>\n"; the header line is short.
    const out = await runGit(repoPath, ["cat-file", "--batch"], unique.join("\n") + "\n", batchBytes + unique.length * 128 + 1024);
    parseBatchOutput(out, contents);
    batch = [];
    batchBytes = 0;
  };
  for (const blob of blobs) {
    if (batchBytes + blob.size > BLOB_BATCH_BYTES) await flush();
    batch.push(blob);
    batchBytes += blob.size;
  }
  await flush();
  return contents;
}

function parseBatchOutput(out: Buffer, into: Map<string, Buffer>): void {
  let offset = 0;
  while (offset < out.length) {
    const newline = out.indexOf(0x0a, offset);
    if (newline === -1) break;
    const header = out.subarray(offset, newline).toString("utf8").split(" ");
    offset = newline + 1;
    if (header[1] === "missing" || header.length < 3) continue;
    const size = Number(header[2]);
    into.set(header[0], out.subarray(offset, offset + size));
    offset += size + 1;
  }
}
