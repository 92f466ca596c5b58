import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { readJson, writeJsonAtomic } from "@sera/core";
import {
  changedLines,
  runRollout,
  type ChatModel,
  type Isolation,
  type PreparedSource,
  type RolloutEnvironments,
  type RolloutFailure,
  type SandboxLimits,
} from "@sera/rollout";
import type { TaskInstance } from "../tasks/instances.js";
import type { EvalParams } from "./params.js";

/**
 * One task instance, solved by the student with the same agent, tools and sandbox as generation:
 * the problem statement opens the conversation, the model works in a private copy of the
 * repository at the base commit, and its final diff is the prediction. The rollout itself is
 * the shared runtime's (`runRollout`, which saves the trajectory as it grows); outcome.json is
 * written last, so a rerun skips finished instances.
 */

export interface InstanceOutcome {
  instanceId: string;
  repo: string;
  exitStatus: string;
  /** Why no usable patch came back (null when one did). */
  failure: RolloutFailure | null;
  detail: string | null;
  steps: number;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  wallSeconds: number;
  patch: string;
  patchLines: number;
  trajectoryFile: string;
  /** The served model could not be reached (or answered 5xx/429 after retries): not a result, not saved. */
  transient?: boolean;
}

export interface RolloutContext {
  model: ChatModel;
  source: PreparedSource;
  sandboxRoot: string;
  isolation: Isolation;
  /** The stage's `environment:` (a prepared environment is set up once per repository and commit). */
  environments: RolloutEnvironments;
  agent: EvalParams["agent"];
  sandboxLimits: SandboxLimits;
  dir: string;
  signal: AbortSignal;
}

export function finishedOutcome(dir: string): InstanceOutcome | undefined {
  return readJson<InstanceOutcome>(path.join(dir, "outcome.json"), { action: "solved the instance again" });
}

export async function evaluateInstance(task: TaskInstance, context: RolloutContext): Promise<InstanceOutcome> {
  mkdirSync(context.dir, { recursive: true });
  const trajectoryFile = path.join(context.dir, "trajectory.json");
  const result = await runRollout({
    model: context.model,
    environments: context.environments,
    sandbox: {
      source: context.source,
      root: context.sandboxRoot,
      isolation: context.isolation,
      limits: context.sandboxLimits,
      instanceId: task.instance_id,
      repoName: task.repo,
    },
    problemStatement: task.problem_statement,
    agent: context.agent,
    trajectoryFile,
    trajectoryLabels: { instanceId: task.instance_id },
    signal: context.signal,
  });
  const lines = changedLines(result.patch);
  const outcome: InstanceOutcome = {
    instanceId: task.instance_id,
    repo: task.repo,
    trajectoryFile,
    exitStatus: result.exitStatus,
    failure: result.failure,
    detail: result.detail,
    steps: result.steps,
    inputTokens: result.usage.inputTokens,
    cachedInputTokens: result.usage.cachedInputTokens,
    outputTokens: result.usage.outputTokens,
    wallSeconds: result.wallSeconds,
    patch: result.patch,
    patchLines: lines.added + lines.removed,
    ...(result.transient ? { transient: true } : {}),
  };
  writeFileSync(path.join(context.dir, "patch.diff"), outcome.patch);
  // An outage is no outcome: without outcome.json the next attempt solves the instance again.
  if (!outcome.transient) writeJsonAtomic(path.join(context.dir, "outcome.json"), outcome);
  return outcome;
}

export function outcomeExists(dir: string): boolean {
  return existsSync(path.join(dir, "outcome.json"));
}
