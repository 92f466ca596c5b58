import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { Experiment } from "../config/experiment.js";
import { stageHandler, type UpstreamRun } from "../stages/registry.js";
import type { PlannedRun } from "../sweep/expand.js";
import { attemptFiles, readJson, runPaths, writeJsonAtomic, type JobFile, type RunPaths } from "./journal.js";
import type { RunState } from "./run-state.js";
import { seraInvocationEnv } from "./shell.js";

/**
 * An attempt's job.json: the stage handler's command line plus the run's SERA_* environment. The
 * backend runs only what this file says, so it is all a worker (local, Slurm, Ray) needs.
 */

export interface AttemptJobSetting {
  config: Experiment;
  experimentDir: string;
  /** Set for local jobs that must stop when this coordinator dies (see JobFile.stopWithCoordinator). */
  stopWithCoordinator?: { pid: number; start: string };
}

/** Names the dollars left of the invocation's `--budget-usd` cap when the job was started. */
export const budgetLeftEnv = "SERA_BUDGET_USD_LEFT";

/** The stage could not build its job (its `job()` threw): the run fails with this message. */
export class JobBuildError extends Error {
  constructor(message: string) {
    super(`could not build the job: ${message}`);
    this.name = "JobBuildError";
  }
}

/**
 * Creates the attempt directory for `run.attempt` and writes its job.json. Throws JobBuildError
 * when the stage cannot build its job; anything else (the disk) is the coordinator's problem.
 * `budgetUsdLeft` (under `sera run --budget-usd`) goes to the job as SERA_BUDGET_USD_LEFT: the
 * environment, not the params, so the run's id does not depend on it.
 */
export function writeAttemptJob(run: RunState, paths: RunPaths, setting: AttemptJobSetting, budgetUsdLeft?: number): void {
  const { config } = setting;
  const handler = stageHandler(run.plan.kind)!;
  const attemptDir = paths.attemptDir(run.attempt);
  // The output directory survives failed attempts on purpose: resumable stages (generation)
  // continue from what an earlier attempt finished instead of starting over.
  rmSync(attemptDir, { recursive: true, force: true });
  mkdirSync(attemptDir, { recursive: true });
  mkdirSync(paths.outDir, { recursive: true });
  const upstream = Object.fromEntries(
    Object.entries(run.plan.upstream).map(([stage, id]): [string, UpstreamRun] => {
      const upstreamPaths = runPaths(setting.experimentDir, id);
      // The upstream run succeeded before this one is started, so its plan is on disk.
      const plan = readJson<PlannedRun>(upstreamPaths.runFile);
      if (!plan) throw new JobBuildError(`upstream ${stage} run ${id} has no readable run.json`);
      return [stage, { runId: id, kind: plan.kind, params: plan.params, outDir: upstreamPaths.outDir }];
    }),
  );
  let job;
  try {
    job = handler.job({
      experiment: config.name,
      runId: run.plan.id,
      stage: run.plan.stage,
      params: run.plan.params,
      seed: run.plan.seed,
      attempt: run.attempt,
      outDir: paths.outDir,
      runDir: paths.runDir,
      upstream,
    });
  } catch (error) {
    throw new JobBuildError((error as Error).message);
  }
  const stage = config.stages[run.plan.stage];
  const file: JobFile = {
    runId: run.plan.id,
    attempt: run.attempt,
    argv: job.argv,
    env: {
      SERA_EXPERIMENT: config.name,
      SERA_RUN_ID: run.plan.id,
      SERA_STAGE: run.plan.stage,
      SERA_SEED: run.plan.seed === null ? "" : String(run.plan.seed),
      SERA_ATTEMPT: String(run.attempt),
      SERA_OUT_DIR: paths.outDir,
      SERA_RUN_DIR: paths.runDir,
      // How to start this `sera` from inside the job (stand-in commands' {sera}), on any backend.
      ...seraInvocationEnv(),
      ...(budgetUsdLeft !== undefined ? { [budgetLeftEnv]: String(budgetUsdLeft) } : {}),
      ...job.env,
    },
    cwd: job.cwd,
    outDir: paths.outDir,
    outputs: job.outputs,
    timeoutSeconds: stage.timeoutSeconds ?? config.executor.timeoutSeconds,
    ...(setting.stopWithCoordinator ? { stopWithCoordinator: setting.stopWithCoordinator } : {}),
  };
  writeJsonAtomic(path.join(attemptDir, attemptFiles.job), file);
}
