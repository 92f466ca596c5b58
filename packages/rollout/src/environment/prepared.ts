import fs from "node:fs";
import path from "node:path";
import { discardEntry, entryProblem, fieldHash, publishEntry, sweepLeftovers, type ContentFingerprint } from "../sandbox/cache-entry.js";
import { filterDriverOverrides, hardenedGitEnv } from "../sandbox/git-run.js";
import type { ResolvedLimits } from "../sandbox/limits.js";
import { ensurePrivateDir } from "../sandbox/private-dir.js";
import { runProcess } from "../sandbox/process-run.js";
import type { SandboxTemplate } from "../sandbox/sandbox.js";
import { drawSandboxUser } from "../sandbox/sandbox-user.js";
import { ensureCheckedOutTree, treeFingerprint, type PreparedSource } from "../sandbox/source.js";
import { copyTree, forgetManifest, treeManifest } from "../sandbox/tree-copy.js";
import { runInBuildSandbox, type BuildRunRequest } from "./build-run.js";
import type { PreparedEnvironmentConfig } from "./schema.js";

/**
 * A prepared environment: the checkout of one commit after the user's `setup` commands ran in
 * it, kept in sera's private cache as an entry like mirrors and trees (built in a staging
 * sibling, sera-built marker, owner and digest checked before every reuse):
 *
 *   <cache>/environments/<repo key>-<commit[:12]>-<setup hash[:16]>/
 *       prepared/testbed/          the tree rollouts copy (its .git as in a plain checkout)
 *       prepared/mounts/<name>/    top-level directories setup made, bound read-only into rollouts
 *       prepared/outputs.json      what was mounted, the commands, when
 *       prepared/setup.log
 *       sera-built.json
 *
 * Setup runs with /testbed as its working directory, so absolute paths it records (virtualenv
 * scripts, editable installs) hold in every rollout. What setup changed is kept out of the
 * agent's patch: files it added are listed in .git/info/exclude, tracked files it changed are
 * marked skip-worktree, so `git add -A` in a rollout takes only the agent's own changes.
 */

export class EnvironmentSetupError extends Error {
  /** The setup log, kept in the run's output folder (null when sera failed before setup ran). */
  readonly logPath: string | null;

  constructor(message: string, logPath: string | null) {
    super(message);
    this.name = "EnvironmentSetupError";
    this.logPath = logPath;
  }
}

export interface PrepareOptions {
  limits: ResolvedLimits;
  /** Where each setup's log is written (the run's output folder), kept whether setup succeeds or not. */
  logDir: string;
}

const CONTENT = "prepared";
const OUTPUTS_FILE = "outputs.json";
const LOG_MAX_CHARS = 1_000_000;
const GIT_TIMEOUT_MS = 120_000;

/** The cache key of a prepared environment: repository, commit and everything that shapes setup. */
export function environmentKey(source: PreparedSource, commit: string, config: PreparedEnvironmentConfig): string {
  const hash = fieldHash();
  hash.add("sera-prepared-environment-v1");
  hash.add(source.repoKey);
  hash.add(commit);
  for (const command of config.setup) hash.add(command);
  hash.add(config.outputs);
  hash.add(JSON.stringify(Object.entries(config.env).sort(([a], [b]) => (a < b ? -1 : 1))));
  hash.add(JSON.stringify(config.path));
  return hash.hex();
}

const builds = new Map<string, Promise<SandboxTemplate>>();

/**
 * The prepared tree for `commit`, built once per (repository, commit, setup) and process: every
 * instance at that commit waits for the same build, and a failed setup fails them all with the
 * same EnvironmentSetupError instead of running again for each. A later run tries again.
 */
export function ensurePreparedEnvironment(
  source: PreparedSource,
  commit: string,
  config: PreparedEnvironmentConfig,
  env: Record<string, string>,
  options: PrepareOptions,
): Promise<SandboxTemplate> {
  const key = environmentKey(source, commit, config);
  const environmentsDir = ensurePrivateDir(path.join(source.cacheRoot, "environments"), "cache");
  const entryName = `${source.repoKey}-${commit.slice(0, 12)}-${key.slice(0, 16)}`;
  const entryDir = path.join(environmentsDir, entryName);
  let pending = builds.get(entryDir);
  if (pending === undefined) {
    pending = (async () => {
      await sweepLeftovers(environmentsDir);
      const contentPath = path.join(entryDir, CONTENT);
      if (fs.existsSync(entryDir) || isSymlink(entryDir)) {
        const problem = entryProblem(entryDir, "environment", () => environmentFingerprint(contentPath));
        if (problem === null) return templateOf(contentPath);
        await discardEntry(entryDir, problem);
      }
      const logPath = path.join(options.logDir, `${entryName}.setup.log`);
      await publishEntry(
        entryDir,
        CONTENT,
        "environment",
        (staging) => buildEnvironment(source, commit, config, env, options, staging, logPath),
        environmentFingerprint,
      );
      const problem = entryProblem(entryDir, "environment", () => environmentFingerprint(contentPath));
      if (problem !== null) throw new EnvironmentSetupError(`prepared environment ${entryDir} is unusable right after it was built: ${problem}`, logPath);
      return templateOf(contentPath);
    })();
    builds.set(entryDir, pending);
  }
  return pending;
}

/** Forgets this process's builds, so the next request checks the cache entry again (tests of the reuse checks). */
export function forgetPreparedEnvironments(): void {
  builds.clear();
}

function isSymlink(target: string): boolean {
  try {
    return fs.lstatSync(target).isSymbolicLink();
  } catch {
    return false;
  }
}

interface OutputsRecord {
  mounts: string[];
  setup: string[];
  builtAt: string;
}

function templateOf(contentPath: string): SandboxTemplate {
  const outputs = JSON.parse(fs.readFileSync(path.join(contentPath, OUTPUTS_FILE), "utf8")) as OutputsRecord;
  return {
    treePath: path.join(contentPath, "testbed"),
    mounts: outputs.mounts.map((name) => ({ hostPath: path.join(contentPath, "mounts", name), name, kind: "directory" as const })),
  };
}

/** The tree's fingerprint (manifest and git control files), the mounted outputs' manifest, and the outputs record. */
export function environmentFingerprint(contentPath: string): ContentFingerprint {
  const tree = treeFingerprint(path.join(contentPath, "testbed"));
  const mountsPath = path.join(contentPath, "mounts");
  forgetManifest(mountsPath);
  const mounts = treeManifest(mountsPath);
  const hash = fieldHash();
  hash.add(tree.digest);
  hash.add(mounts.digest);
  hash.add(fs.readFileSync(path.join(contentPath, OUTPUTS_FILE)));
  const foreign = tree.foreignEntry ?? (mounts.foreignEntry === null ? null : `mounts/${mounts.foreignEntry.toString("latin1")}`);
  return { digest: hash.hex(), foreignEntry: foreign };
}

async function buildEnvironment(
  source: PreparedSource,
  commit: string,
  config: PreparedEnvironmentConfig,
  env: Record<string, string>,
  options: PrepareOptions,
  contentPath: string,
  logPath: string,
): Promise<void> {
  const checkout = await ensureCheckedOutTree(source, commit);
  fs.mkdirSync(contentPath, { mode: 0o700 });
  const treePath = path.join(contentPath, "testbed");
  await copyTree(treeManifest(checkout), checkout, treePath);
  const before = new Set(fs.readdirSync(treePath));
  const user = drawSandboxUser();
  if (user !== undefined) await chownTree(treePath, `${user.uid}:${user.gid}`);
  fs.mkdirSync(options.logDir, { recursive: true });
  const log = fs.openSync(logPath, "w", 0o600);
  const request: BuildRunRequest = {
    treePath,
    mirrorPath: source.mirrorPath,
    user,
    limits: options.limits,
    env,
    network: true,
    timeoutMs: config.setupTimeoutSeconds * 1000,
    maxOutputChars: LOG_MAX_CHARS,
  };
  try {
    await runSetup(config, request, log, logPath);
    await sealOutputs({ ...request, network: false, timeoutMs: GIT_TIMEOUT_MS }, log, logPath);
  } finally {
    fs.closeSync(log);
  }
  // Everything in the entry becomes sera's again (the cache's owner check), readable by the rollouts' uids.
  if (user !== undefined) await chownTree(contentPath, `${process.getuid?.()}:${process.getgid?.()}`);
  const mountsPath = path.join(contentPath, "mounts");
  fs.mkdirSync(mountsPath, { mode: 0o755 });
  const mounts: string[] = [];
  if (config.outputs === "mount") {
    for (const name of fs.readdirSync(treePath)) {
      if (before.has(name) || !fs.lstatSync(path.join(treePath, name)).isDirectory()) continue;
      fs.renameSync(path.join(treePath, name), path.join(mountsPath, name));
      mounts.push(name);
    }
  }
  await runChecked(["chmod", "-R", "u+rwX,go+rX,go-w", "--", mountsPath], "make the setup outputs readable");
  const record: OutputsRecord = { mounts: mounts.sort(), setup: config.setup, builtAt: new Date().toISOString() };
  fs.writeFileSync(path.join(contentPath, OUTPUTS_FILE), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  fs.copyFileSync(logPath, path.join(contentPath, "setup.log"));
}

/** Runs the setup commands in order, each in a fresh shell in /testbed, logging each; the first failure stops setup. */
async function runSetup(config: PreparedEnvironmentConfig, request: BuildRunRequest, log: number, logPath: string): Promise<void> {
  const deadline = Date.now() + config.setupTimeoutSeconds * 1000;
  for (const [index, command] of config.setup.entries()) {
    fs.writeSync(log, `$ ${command}\n`);
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw setupFailure(`setup ran past setupTimeoutSeconds (${config.setupTimeoutSeconds} s) before command ${index + 1}`, log, logPath);
    const outcome = await runInBuildSandbox({ ...request, timeoutMs: remaining }, [command], { shell: true });
    fs.writeSync(log, outcome.stdout.endsWith("\n") || outcome.stdout === "" ? outcome.stdout : `${outcome.stdout}\n`);
    fs.writeSync(log, `(exit ${outcome.exitCode ?? outcome.signal}, ${(outcome.wallMs / 1000).toFixed(1)} s)\n`);
    if (outcome.timedOut)
      throw setupFailure(`setup command ${index + 1} (${command}) ran past setupTimeoutSeconds (${config.setupTimeoutSeconds} s)`, log, logPath);
    if (outcome.exitCode !== 0) {
      const lastLine = outcome.stdout.trim().split("\n").at(-1) ?? "";
      throw setupFailure(
        `setup command ${index + 1} (${command}) exited ${outcome.exitCode ?? outcome.signal}${lastLine ? `: ${lastLine}` : ""}`,
        log,
        logPath,
      );
    }
  }
}

function setupFailure(message: string, log: number, logPath: string): EnvironmentSetupError {
  fs.writeSync(log, `sera: ${message}\n`);
  return new EnvironmentSetupError(`environment setup failed: ${message} (log: ${logPath})`, logPath);
}

/**
 * Keeps what setup did out of every rollout's patch, working inside the build sandbox (as the
 * build uid, no network) since setup could have turned any path in the tree into a symlink: new
 * files and folders not ignored go to .git/info/exclude, changed tracked files become
 * skip-worktree. git runs hardened, with the tree's filter drivers blanked, as in diff().
 */
export async function sealOutputs(request: BuildRunRequest, log: number, logPath: string): Promise<void> {
  const location = { GIT_DIR: "/testbed/.git", GIT_WORK_TREE: "/testbed" };
  const run = async (argv: string[], extraConfig: Array<[string, string]> = []) => {
    const outcome = await runInBuildSandbox({ ...request, env: { ...request.env, ...hardenedGitEnv(extraConfig), ...location } }, argv, { mergeStderr: false });
    if (outcome.timedOut || outcome.truncated || (outcome.exitCode !== 0 && !(argv[1] === "config" && outcome.exitCode === 1))) {
      throw setupFailure(
        `could not record what setup changed (${argv.slice(0, 2).join(" ")}: ${outcome.stderr.trim() || `exit ${outcome.exitCode}`})`,
        log,
        logPath,
      );
    }
    return outcome.stdout;
  };
  const filters = await run(["git", "config", "-z", "--name-only", "--get-regexp", "^filter\\."]);
  const overrides = filterDriverOverrides(filters.split("\0").filter((key) => key !== ""));
  const status = await run(["git", "status", "--porcelain=v1", "-z", "--untracked-files=normal", "--ignore-submodules=none"], overrides);
  const { untracked, changed } = parseStatus(status);
  if (untracked.length > 0) {
    const patterns = untracked.filter((name) => !name.includes("\n")).map(excludePattern);
    await run(["/bin/bash", "-c", 'mkdir -p /testbed/.git/info && printf "%s\\n" "$@" >> /testbed/.git/info/exclude', "seal", ...patterns]);
  }
  if (changed.length > 0) await run(["git", "update-index", "--skip-worktree", "--", ...changed], overrides);
  fs.writeSync(log, `sera: kept out of patches: ${untracked.length} new path(s) excluded, ${changed.length} changed tracked file(s) marked skip-worktree\n`);
}

/** `git status --porcelain=v1 -z`: "XY path\0", with a second "orig\0" field after renames and copies. */
export function parseStatus(output: string): { untracked: string[]; changed: string[] } {
  const fields = output.split("\0");
  const untracked: string[] = [];
  const changed: string[] = [];
  for (let index = 0; index < fields.length; index++) {
    const field = fields[index];
    if (field.length < 4) continue;
    const code = field.slice(0, 2);
    const name = field.slice(3);
    if (code === "??") untracked.push(name);
    else if (code !== "!!") changed.push(name);
    if (code[0] === "R" || code[0] === "C") index++;
  }
  return { untracked, changed };
}

/** An anchored gitignore pattern matching exactly `name` (glob characters and a trailing space escaped; the leading '/' keeps '#' and '!' literal). */
export function excludePattern(name: string): string {
  return `/${name.replace(/[\\*?[\]]/g, (c) => `\\${c}`).replace(/ $/, "\\ ")}`;
}

export async function chownTree(target: string, owner: string): Promise<void> {
  await runChecked(["chown", "-R", "--no-dereference", owner, "--", target], `hand ${target} to ${owner}`);
}

async function runChecked(argv: string[], what: string): Promise<void> {
  const outcome = await runProcess({ argv, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, timeoutMs: 300_000, maxOutputChars: 4_000, mergeStderr: true });
  if (outcome.exitCode !== 0) throw new EnvironmentSetupError(`could not ${what}: ${outcome.stdout.trim() || `exit ${outcome.exitCode}`}`, null);
}
