import fs from "node:fs";
import path from "node:path";
import { ensureCacheEntry } from "../sandbox/cache-entry.js";
import { git } from "../sandbox/git-run.js";
import { resolveLimits } from "../sandbox/limits.js";
import { ensurePrivateDir } from "../sandbox/private-dir.js";
import { drawSandboxUser } from "../sandbox/sandbox-user.js";
import { treeFingerprint } from "../sandbox/source.js";
import { ContainerError, runtimeCommand, runtimeOutput, type ContainerRuntime } from "./container-runtime.js";
import { chownTree, sealOutputs } from "./prepared.js";

/**
 * `testbed: image`: the image's own /testbed as the tree rollouts copy, for images whose /testbed
 * holds more than the repository's files — SWE-bench's evaluation images build compiled
 * extensions and editable installs there, which sera's checkout mounted over it would hide.
 * The tree is taken out of the image once per image id (`<runtime> create` + `cp`, so nothing in
 * the image runs), and kept in the private cache like a checkout:
 *
 *   <cache>/image-testbeds/<runtime>-<image id[:16]>/testbed/     (sera-built.json beside it)
 *
 * What the image built there is kept out of every patch as a prepared environment's setup outputs
 * are (untracked files excluded, changed tracked files skip-worktree; git runs in a build sandbox
 * without network, since the image's .git config is not sera's). Each rollout then gets a private
 * copy at /testbed as with any other tree, and its patch is taken against the image's HEAD, which
 * must be the commit the rollout asks for.
 */

const CONTENT = "testbed";
const GIT_TIMEOUT_MS = 300_000;
const entries = new Map<string, Promise<ImageTestbed>>();

export interface ImageTestbed {
  /** The extracted tree, sera's, in the cache. */
  treePath: string;
  /** The commit its HEAD names. */
  head: string;
}

export function ensureImageTestbed(runtime: ContainerRuntime, image: string, cacheRoot: string, logDir: string): Promise<ImageTestbed> {
  const key = `${runtime} ${image}`;
  let pending = entries.get(key);
  if (pending === undefined) {
    pending = (async () => {
      const imageId = (await runtimeOutput(runtime, ["image", "inspect", "--format", "{{.Id}}", image])).trim().replace(/^sha256:/, "");
      const entriesDir = ensurePrivateDir(path.join(cacheRoot, "image-testbeds"), "cache");
      const entryName = `${runtime}-${imageId.slice(0, 16)}`;
      const entryDir = path.join(entriesDir, entryName);
      const logPath = path.join(logDir, `${entryName}.testbed.log`);
      await ensureCacheEntry(entryDir, "image-testbed", CONTENT, treeFingerprint, (staging) => extractTestbed(runtime, image, staging, logPath));
      const treePath = path.join(entryDir, CONTENT);
      const head = (await git(["rev-parse", "--verify", "HEAD^{commit}"], { cwd: treePath })).trim();
      return { treePath, head };
    })();
    entries.set(key, pending);
    pending.catch(() => entries.delete(key));
  }
  return pending;
}

/** Copies the image's /testbed out of a created (never started) container, seals what the image built, hands it to sera's uid. */
async function extractTestbed(runtime: ContainerRuntime, image: string, treePath: string, logPath: string): Promise<void> {
  const container = (await runtimeOutput(runtime, ["create", "--network", "none", image, "/bin/true"])).trim();
  try {
    const copied = await runtimeCommand(runtime, ["cp", `${container}:/testbed`, treePath], 1_800_000);
    if (copied.exitCode !== 0) {
      throw new ContainerError(`image ${image} has no /testbed to use (testbed: image): ${copied.stderr.trim().split("\n").at(-1) ?? ""}`);
    }
  } finally {
    await runtimeCommand(runtime, ["rm", "-f", container]).catch(() => undefined);
  }
  const gitDir = fs.lstatSync(path.join(treePath, ".git"), { throwIfNoEntry: false });
  if (gitDir === undefined || !gitDir.isDirectory()) throw new ContainerError(`image ${image}'s /testbed is not a git repository (testbed: image needs one)`);
  const user = drawSandboxUser();
  await chownTree(treePath, user === undefined ? `${process.getuid?.()}:${process.getgid?.()}` : `${user.uid}:${user.gid}`);
  fs.mkdirSync(path.dirname(logPath), { recursive: true });
  const log = fs.openSync(logPath, "w", 0o600);
  try {
    fs.writeSync(log, `sera: /testbed of ${image}\n`);
    const limits = resolveLimits(undefined);
    const request = { treePath, user, limits, env: {}, network: false, timeoutMs: GIT_TIMEOUT_MS, maxOutputChars: 1_000_000 };
    await sealOutputs(request, log, logPath);
  } finally {
    fs.closeSync(log);
  }
  if (user !== undefined) await chownTree(treePath, `${process.getuid?.()}:${process.getgid?.()}`);
  fs.chmodSync(treePath, 0o755);
}
