import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { git } from "./git-run.js";
import { runProcess } from "./process-run.js";
import { removeTree } from "./remove-tree.js";
import { createSandbox, type Isolation } from "./sandbox.js";
import { ensureCheckedOutTree, prepareSource } from "./source.js";

export interface SandboxCycleOptions {
  repoPath: string;
  commit?: string;
  cacheRoot: string;
  /** Where sandboxes are made; put it on the same kind of filesystem production uses. */
  root: string;
  isolation?: Isolation;
  iterations?: number;
  /** Also time a plain `git clone` of the repository into `root` for comparison. */
  compareWithPlainClone?: boolean;
  /** Also time one trivial command per sandbox (bubblewrap start-up). */
  measureExec?: boolean;
  /** Run the agent's first `git status` in each sandbox as part of its cycle (create + status + destroy). */
  firstStatus?: boolean;
  /** Also time the peer, interleaved with each cycle: `cp -a` of the checkout, `git status` in it, `rm -rf`. */
  compareWithCopy?: boolean;
}

export interface TimingSummary {
  samplesMs: number[];
  medianMs: number;
  p90Ms: number;
}

export interface SandboxCycleReport {
  fileCount: number;
  create: TimingSummary;
  destroy: TimingSummary;
  /** create + destroy per iteration. */
  cycle: TimingSummary;
  exec?: TimingSummary;
  plainClone?: TimingSummary;
  /** `cp -a` + `git status` + `rm -rf` of the same checkout, one per cycle, interleaved. */
  copyStatus?: TimingSummary;
}

/**
 * Times sandbox creation and removal against a warm cache (the mirror and the
 * per-commit checkout are built before timing starts, as they are once per
 * repository in a real run).
 */
export async function measureSandboxCycle(options: SandboxCycleOptions): Promise<SandboxCycleReport> {
  const iterations = options.iterations ?? 20;
  const isolation = options.isolation ?? "bwrap";
  const source = await prepareSource(options.repoPath, options.commit ?? "HEAD", options.cacheRoot);
  await ensureCheckedOutTree(source, source.commit);
  const fileCount = (await git(["ls-tree", "-r", "--name-only", source.commit], { cwd: source.mirrorPath })).split("\n").filter((line) => line !== "").length;

  const create: number[] = [];
  const destroy: number[] = [];
  const cycle: number[] = [];
  const exec: number[] = [];
  const copyStatus: number[] = [];
  const tree = await ensureCheckedOutTree(source, source.commit);
  for (let index = 0; index < iterations; index += 1) {
    const started = performance.now();
    const sandbox = await createSandbox({ source, root: options.root, isolation });
    const created = performance.now();
    let statusMs = 0;
    if (options.firstStatus) {
      const status = await sandbox.exec("git status --porcelain");
      if (status.exitCode !== 0) throw new Error(`git status failed in the sandbox: ${status.output}`);
      statusMs = status.wallMs;
    }
    if (options.measureExec) exec.push((await sandbox.exec("true")).wallMs);
    const destroyStarted = performance.now();
    await sandbox.destroy();
    const finished = performance.now();
    create.push(created - started);
    destroy.push(finished - destroyStarted);
    cycle.push(created - started + statusMs + (finished - destroyStarted));
    if (options.compareWithCopy) copyStatus.push(await timeCopyStatus(tree, options.root));
  }

  const report: SandboxCycleReport = {
    fileCount,
    create: summarize(create),
    destroy: summarize(destroy),
    cycle: summarize(cycle),
  };
  if (options.measureExec) report.exec = summarize(exec);
  if (options.compareWithCopy) report.copyStatus = summarize(copyStatus);
  if (options.compareWithPlainClone) {
    const clones: number[] = [];
    fs.mkdirSync(options.root, { recursive: true });
    for (let index = 0; index < iterations; index += 1) {
      const target = fs.mkdtempSync(path.join(options.root, "plain-clone-"));
      const started = performance.now();
      await git(["clone", "--quiet", source.repoPath, path.join(target, "repo")]);
      clones.push(performance.now() - started);
      await removeTree(target);
    }
    report.plainClone = summarize(clones);
  }
  return report;
}

/** The peer's cycle: what a user without sera would do for a scratch copy an agent can `git status` in. */
async function timeCopyStatus(tree: string, root: string): Promise<number> {
  fs.mkdirSync(root, { recursive: true });
  const target = path.join(fs.mkdtempSync(path.join(root, "cp-a-")), "copy");
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: os.tmpdir() };
  const started = performance.now();
  // The user's own git settings: stat checked in full (the checkout's `core.checkStat minimal` is sera's).
  const status = ["git", "-c", "core.checkStat=default", "-c", "core.trustctime=true", "-C", target, "status", "--porcelain"];
  for (const argv of [["cp", "-a", tree, target], status, ["rm", "-rf", path.dirname(target)]]) {
    const outcome = await runProcess({ argv, env, timeoutMs: 600_000, maxOutputChars: 4_000, mergeStderr: true });
    if (outcome.exitCode !== 0) throw new Error(`${argv.join(" ")} failed: ${outcome.stdout}`);
  }
  return performance.now() - started;
}

export function summarize(samplesMs: number[]): TimingSummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const at = (fraction: number): number => {
    if (sorted.length === 0) return Number.NaN;
    const position = (sorted.length - 1) * fraction;
    const low = Math.floor(position);
    const high = Math.ceil(position);
    return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
  };
  return { samplesMs, medianMs: at(0.5), p90Ms: at(0.9) };
}

/** A throwaway repository of `fileCount` small Python files, for benchmarks and tests. */
export async function createSyntheticRepo(fileCount: number, parent: string = os.tmpdir()): Promise<string> {
  const repo = fs.mkdtempSync(path.join(parent, "sera-synthetic-repo-"));
  const perDir = 20;
  for (let index = 0; index < fileCount; index += 1) {
    const dir = path.join(repo, `pkg${Math.floor(index / perDir)}`);
    if (index % perDir === 0) fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `module${index % perDir}.py`), `def value_${index}():\n    return ${index}\n`);
  }
  await git(["init", "--quiet", repo]);
  await git(["add", "-A"], { cwd: repo });
  await git(["-c", "user.name=Bench", "-c", "user.email=bench@example.invalid", "commit", "--quiet", "-m", "synthetic"], { cwd: repo });
  return repo;
}
