import { functionToolSchema, trajectoryFileSchema, writeJsonAtomic, type Message } from "@sera/core";
import { z } from "zod";
import { EnvironmentSetupError } from "../environment/prepared.js";
import type { RolloutEnvironments, SandboxRequest } from "../environment/provider.js";
import { isTransientKind } from "../model/call-error.js";
import type { ChatModel, ChatUsage, ModelCallErrorKind } from "../model/types.js";
import type { Sandbox } from "../sandbox/sandbox.js";
import { runAgent, type AgentResult } from "./loop.js";
import type { AgentParams } from "./params.js";
import { AGENT_SYSTEM_PROMPT, renderInstanceTask } from "./prompts.js";
import { sandboxEnvironment } from "./sandbox-environment.js";

/**
 * One rollout, the same for generation's teacher and evaluation's student: make the sandbox, run
 * the agent on the problem statement, save the trajectory as it grows (and once more, complete,
 * at the end), destroy the sandbox, and say in one vocabulary why no usable patch came back.
 * Like mini-swe-agent's agent, the rollout writes its own trajectory, so there is one shape of it.
 */

/** Why a rollout gave no usable patch; null in `RolloutResult.failure` when it gave one. */
export const ROLLOUT_FAILURES = ["model_error", "context_overflow", "timeout", "format_error", "no_patch", "sandbox_error", "environment_error"] as const;
export type RolloutFailure = (typeof ROLLOUT_FAILURES)[number];

/** The trajectory file a rollout writes: the caller's labels, then the conversation, the tools it offered and how it ended. */
export const rolloutTrajectorySchema = trajectoryFileSchema.extend({
  /** The tools exactly as the model was offered them, so an SFT sample can state the same list. */
  tools: z.array(functionToolSchema),
  modelError: z.string().nullable().optional(),
  failure: z.enum(ROLLOUT_FAILURES).nullable().optional(),
  usage: z.object({ inputTokens: z.number(), cachedInputTokens: z.number(), outputTokens: z.number() }).optional(),
});
export type RolloutTrajectory = z.infer<typeof rolloutTrajectorySchema>;

export interface RolloutRequest {
  model: ChatModel;
  /** Makes the rollout's sandbox (a prepared environment is set up once per commit). */
  environments: RolloutEnvironments;
  sandbox: SandboxRequest;
  /** The problem statement; the agent's system prompt and the instructions around it are added here. */
  problemStatement: string;
  agent: AgentParams;
  /** Where the trajectory is written (atomically, after every message). */
  trajectoryFile: string;
  /** Labels written at the top of the trajectory (instance id, phase, attempt …). */
  trajectoryLabels?: Record<string, unknown>;
  signal?: AbortSignal;
  /** Asked after every model reply: true ends the rollout as exit_cost, its diff taken as it is. */
  overBudget?: () => boolean;
}

export interface RolloutResult {
  /** The agent's exit status, or "error" when the sandbox or environment could not be made. */
  exitStatus: string;
  patch: string;
  steps: number;
  usage: ChatUsage;
  wallSeconds: number;
  failure: RolloutFailure | null;
  /** The model error's message, or the first line of the setup error; null otherwise. */
  detail: string | null;
  /** Set when the model could not be used; decides with `transient` whether the caller may try again later. */
  modelErrorKind: ModelCallErrorKind | null;
  /** The model was unreachable or overloaded (5xx, 429 after retries): an outage, not the rollout's result. */
  transient: boolean;
}

/** Why the agent's run gave no usable patch, from its model error, patch and exit status. */
export function classifyAgentResult(result: Pick<AgentResult, "modelError" | "patch" | "exitStatus">): RolloutFailure | null {
  if (result.modelError)
    return result.modelError.kind === "context_overflow" ? "context_overflow" : result.modelError.kind === "timeout" ? "timeout" : "model_error";
  if (result.patch.trim() !== "") return null;
  if (/exit_total_execution_time|exit_wall_clock|exit_command_timeout/.test(result.exitStatus)) return "timeout";
  if (/exit_format/.test(result.exitStatus)) return "format_error";
  return "no_patch";
}

export async function runRollout(request: RolloutRequest): Promise<RolloutResult> {
  const started = Date.now();
  try {
    const sandbox = await request.environments.createSandbox(request.sandbox);
    try {
      return await runInSandbox(request, sandbox, started);
    } finally {
      await sandbox.destroy();
    }
  } catch (error) {
    if (request.signal?.aborted) throw error;
    // A rollout whose sandbox or environment failed is the instance's failure, never the run's.
    return {
      exitStatus: "error",
      patch: "",
      steps: 0,
      usage: { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 },
      wallSeconds: (Date.now() - started) / 1000,
      failure: error instanceof EnvironmentSetupError ? "environment_error" : "sandbox_error",
      detail: (error as Error).message.split("\n")[0],
      modelErrorKind: null,
      transient: false,
    };
  }
}

async function runInSandbox(request: RolloutRequest, sandbox: Sandbox, started: number): Promise<RolloutResult> {
  const { agent } = request;
  const environment = sandboxEnvironment(sandbox, agent);
  // Checked against the file's tool shape here, so a tool whose parameters are no JSON Schema object fails at once.
  const tools = environment.tools.map((tool) =>
    functionToolSchema.parse({ type: "function", function: { name: tool.name, description: tool.description, parameters: tool.parameters } }),
  );
  const save = (messages: Message[], ending: Partial<RolloutTrajectory> = {}) =>
    writeJsonAtomic(request.trajectoryFile, { ...request.trajectoryLabels, messages, tools, ...ending } satisfies RolloutTrajectory);
  const result = await runAgent({
    model: request.model,
    environment,
    system: AGENT_SYSTEM_PROMPT,
    task: renderInstanceTask(request.problemStatement),
    limits: {
      maxSteps: agent.maxSteps,
      temperature: agent.temperature,
      maxFormatErrors: agent.maxFormatErrors,
      executionBudgetMs: agent.executionBudgetSeconds * 1000,
      wallClockMs: agent.rolloutTimeoutSeconds * 1000,
    },
    onMessages: (messages) => save([...messages]),
    signal: request.signal,
    overBudget: request.overBudget,
  });
  const failure = classifyAgentResult(result);
  const modelError = result.modelError?.message ?? null;
  save(result.messages, { exitStatus: result.exitStatus, patch: result.patch, modelError, failure, usage: result.usage });
  return {
    exitStatus: result.exitStatus,
    patch: result.patch,
    steps: result.steps,
    usage: result.usage,
    wallSeconds: (Date.now() - started) / 1000,
    failure,
    detail: modelError,
    modelErrorKind: result.modelError?.kind ?? null,
    transient: result.modelError !== undefined && isTransientKind(result.modelError.kind),
  };
}
