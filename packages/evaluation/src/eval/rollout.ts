import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { readJson, writeJsonAtomic, type Message } from "@sera/core";
import {
  AGENT_SYSTEM_PROMPT,
  changedLines,
  EnvironmentSetupError,
  isTransientKind,
  sandboxEnvironment,
  renderInstanceTask,
  runAgent,
  type ChatModel,
  type Isolation,
  type PreparedSource,
  type RolloutEnvironments,
  type SandboxLimits,
} from "@sera/rollout";
import type { TaskInstance } from "../tasks/instances.js";
import type { EvalParams } from "./params.js";

/**
 * One task instance, solved by the student with the same agent, tools and sandbox as generation:
 * the problem statement opens the conversation, the model works in a private copy of the
 * repository at the base commit, and its final diff is the prediction. The trajectory is saved
 * as it grows; outcome.json is written last, so a rerun skips finished instances.
 */

export interface InstanceOutcome {
  instanceId: string;
  repo: string;
  exitStatus: string;
  /** Why no usable patch came back (null when one did). */
  failure: "model_error" | "context_overflow" | "timeout" | "format_error" | "no_patch" | "sandbox_error" | "environment_error" | null;
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
  const started = Date.now();
  const trajectoryFile = path.join(context.dir, "trajectory.json");
  const base = { instanceId: task.instance_id, repo: task.repo, trajectoryFile };
  const { agent } = context;
  let outcome: InstanceOutcome;
  try {
    const sandbox = await context.environments.createSandbox({
      source: context.source,
      root: context.sandboxRoot,
      isolation: context.isolation,
      limits: context.sandboxLimits,
      instanceId: task.instance_id,
      repoName: task.repo,
    });
    try {
      const environment = sandboxEnvironment(sandbox, agent);
      const save = (messages: readonly Message[], extra: Record<string, unknown> = {}) =>
        writeJsonAtomic(trajectoryFile, { instanceId: task.instance_id, messages, ...extra });
      const result = await runAgent({
        model: context.model,
        environment,
        system: AGENT_SYSTEM_PROMPT,
        task: renderInstanceTask(task.problem_statement),
        limits: {
          maxSteps: agent.maxSteps,
          temperature: agent.temperature,
          maxFormatErrors: agent.maxFormatErrors,
          executionBudgetMs: agent.executionBudgetSeconds * 1000,
          wallClockMs: agent.rolloutTimeoutSeconds * 1000,
        },
        onMessages: (messages) => save(messages),
        signal: context.signal,
      });
      save(result.messages, { exitStatus: result.exitStatus, patch: result.patch, modelError: result.modelError?.message ?? null });
      const failure: InstanceOutcome["failure"] = result.modelError
        ? result.modelError.kind === "context_overflow"
          ? "context_overflow"
          : result.modelError.kind === "timeout"
            ? "timeout"
            : "model_error"
        : result.patch.trim()
          ? null
          : /exit_format/.test(result.exitStatus)
            ? "format_error"
            : /exit_total_execution_time|exit_wall_clock|exit_command_timeout/.test(result.exitStatus)
              ? "timeout"
              : "no_patch";
      const lines = changedLines(result.patch);
      outcome = {
        ...base,
        exitStatus: result.exitStatus,
        failure,
        detail: result.modelError?.message ?? null,
        steps: result.steps,
        inputTokens: result.usage.inputTokens,
        cachedInputTokens: result.usage.cachedInputTokens,
        outputTokens: result.usage.outputTokens,
        wallSeconds: (Date.now() - started) / 1000,
        patch: result.patch,
        patchLines: lines.added + lines.removed,
        ...(result.modelError && isTransientKind(result.modelError.kind) ? { transient: true } : {}),
      };
    } finally {
      await sandbox.destroy();
    }
  } catch (error) {
    if (context.signal.aborted) throw error;
    // One broken instance is recorded and the evaluation goes on.
    outcome = {
      ...base,
      exitStatus: "error",
      failure: error instanceof EnvironmentSetupError ? "environment_error" : "sandbox_error",
      detail: (error as Error).message.split("\n")[0],
      steps: 0,
      inputTokens: 0,
      cachedInputTokens: 0,
      outputTokens: 0,
      wallSeconds: (Date.now() - started) / 1000,
      patch: "",
      patchLines: 0,
    };
  }
  writeFileSync(path.join(context.dir, "patch.diff"), outcome.patch);
  // An outage is no outcome: without outcome.json the next attempt solves the instance again.
  if (!outcome.transient) writeJsonAtomic(path.join(context.dir, "outcome.json"), outcome);
  return outcome;
}

export function outcomeExists(dir: string): boolean {
  return existsSync(path.join(dir, "outcome.json"));
}
