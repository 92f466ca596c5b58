import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll } from "vitest";
import { slurmBackend, slurmBackendSchema, writeJsonAtomic, type Backend, type JobHandle, type JobResources, type JobState } from "../src/index.js";

/**
 * What the Slurm backend tests share: a check that a cluster answers (.ci/slurm-up.sh starts one;
 * CI runs it), a backend with test settings, and attempt directories written by hand as the
 * coordinator would write them, so each Slurm outcome can be provoked directly.
 */

export const workerScript = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/executor/worker-main.js");

export function requireSlurm(): void {
  beforeAll(() => {
    try {
      execFileSync("sinfo", ["-h", "-o", "%T"], { encoding: "utf8" });
    } catch (error) {
      throw new Error(`no Slurm cluster answers here (${(error as Error).message.split("\n")[0]}); start one with: sudo .ci/slurm-up.sh`);
    }
    if (!existsSync(workerScript)) throw new Error(`${workerScript} is missing; build first (npx tsc -b packages/core)`);
  });
}

export function backendFor(settings: Record<string, unknown> = {}, stageResources: Record<string, JobResources> = {}): Backend {
  return slurmBackend({
    config: slurmBackendSchema.parse({ kind: "slurm", pollSeconds: 0.3, workerScript, resources: { memory: "200M" }, ...settings }),
    stageResources,
  });
}

/** An attempt directory as the coordinator leaves it before submitting: run.json beside it, job.json inside. */
export function attempt(argv: string[], root = mkdtempSync(path.join(os.tmpdir(), "sera-slurm-")), run = { id: "r1", stage: "work" }): string {
  const runDir = path.join(root, "runs", run.id);
  const attemptDir = path.join(runDir, "attempt-1");
  mkdirSync(attemptDir, { recursive: true });
  writeJsonAtomic(path.join(runDir, "run.json"), { id: run.id, experiment: "t", stage: run.stage });
  writeJsonAtomic(path.join(attemptDir, "job.json"), {
    runId: `${run.id}abcdef0123`,
    attempt: 1,
    argv,
    env: { SERA_STAGE: run.stage, SERA_RUN_ID: run.id },
    cwd: root,
    outDir: path.join(runDir, "out"),
    outputs: [],
    timeoutSeconds: null,
  });
  return attemptDir;
}

/** Submit and record the handle, as the coordinator does (the worker waits for handle.json). */
export async function submit(backend: Backend, attemptDir: string): Promise<JobHandle> {
  const handle = await backend.submit(attemptDir);
  writeJsonAtomic(path.join(attemptDir, "handle.json"), handle);
  return handle;
}

export async function pollUntil(
  backend: Backend,
  handle: JobHandle,
  attemptDir: string,
  wanted: (s: JobState) => boolean,
  timeoutMs = 30_000,
): Promise<JobState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await backend.poll(handle, attemptDir);
    if (wanted(state)) return state;
    if (Date.now() > deadline) throw new Error(`job ${handle.jobRef} still ${state} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export const finished = (s: JobState) => s === "done" || s === "lost";

/**
 * The job's final state as Slurm reports it. slurmdbd records a finished job some seconds after
 * slurmctld does (under a loaded CI machine, array tasks lag most), so sacct is asked again until it
 * answers; slurmctld, which keeps finished jobs for MinJobAge, is the fallback.
 */
export function slurmState(jobId: string): string {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const fromDatabase = execFileSync("sacct", ["-j", jobId, "-X", "-P", "-n", "--format=State"], { encoding: "utf8" }).trim().split(" ")[0];
    if (fromDatabase) return fromDatabase;
    if (Date.now() > deadline) break;
    execFileSync("sleep", ["0.5"]);
  }
  const fromController = execFileSync("scontrol", ["show", "job", jobId], { encoding: "utf8" });
  return /JobState=(\S+)/.exec(fromController)?.[1] ?? "";
}
