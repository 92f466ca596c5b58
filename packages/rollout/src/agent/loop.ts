import type { Message, ToolCall } from "@sera/core";
import { ModelCallError } from "../model/call-error.js";
import type { ChatModel, ChatUsage, ToolDefinition } from "../model/types.js";
import type { ToolCallRequest, ToolResult } from "../tools/tool-result.js";

/**
 * The agent, in the manner of mini-swe-agent: a model, an environment, and a loop you can read in
 * one screen. The loop asks the model for one tool call, runs it in the environment, appends the
 * observation, and stops on the final submit or a limit. The trajectory is reported after every
 * message so callers can persist it as it grows.
 */

export interface Environment {
  readonly tools: readonly ToolDefinition[];
  run(call: ToolCallRequest): Promise<ToolResult>;
  /** The working tree's diff against the base commit (for autosubmits). */
  patch(): Promise<string>;
}

export interface AgentLimits {
  /** Model calls per rollout; the paper's harness uses 115. */
  maxSteps: number;
  /** Replies without a usable tool call tolerated in a row before giving up. */
  maxFormatErrors: number;
  maxConsecutiveTimeouts: number;
  /** Time the environment spent running commands, summed (SWE-agent's total_execution_timeout); model latency is not counted. */
  executionBudgetMs: number;
  /** Wall-clock time of the whole rollout, model calls included: a safety net beside the execution budget. */
  wallClockMs: number;
  temperature: number;
}

export const DEFAULT_AGENT_LIMITS: AgentLimits = {
  maxSteps: 115,
  maxFormatErrors: 3,
  maxConsecutiveTimeouts: 3,
  executionBudgetMs: 1_800_000,
  wallClockMs: 7_200_000,
  temperature: 0.6,
};

/** "submitted", or "submitted (<reason>)" when the loop stopped for a limit and took the diff as it was. */
export type ExitStatus =
  | "submitted"
  | "submitted (exit_cost)"
  | "submitted (exit_format)"
  | "submitted (exit_command_timeout)"
  | "submitted (exit_total_execution_time)"
  | "submitted (exit_wall_clock)"
  | "submitted (exit_context)"
  | "submitted (exit_error)";

export interface AgentResult {
  messages: Message[];
  exitStatus: ExitStatus;
  patch: string;
  steps: number;
  usage: ChatUsage;
  /** Set when the model could not be reached or rejected the conversation. */
  modelError?: ModelCallError;
}

export interface AgentRun {
  model: ChatModel;
  environment: Environment;
  system: string;
  task: string;
  limits?: Partial<AgentLimits>;
  onMessages?: (messages: readonly Message[]) => void;
  signal?: AbortSignal;
  /** Asked after every model reply: true ends the rollout as exit_cost (SWE-agent's cost limit), its diff taken as it is. */
  overBudget?: () => boolean;
}

const FORMAT_NUDGE = "Your last reply did not contain a tool call I could run. Reply with exactly one call to bash, str_replace_editor or submit.";
const ONE_CALL_NOTE = "Not run: only the first tool call of each reply is executed. Send further calls one per reply.";

export async function runAgent(run: AgentRun): Promise<AgentResult> {
  const limits = { ...DEFAULT_AGENT_LIMITS, ...run.limits };
  const messages: Message[] = [
    { role: "system", content: run.system },
    { role: "user", content: run.task },
  ];
  const usage: ChatUsage = { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };
  const started = Date.now();
  let formatErrors = 0;
  let timeouts = 0;
  let executionMs = 0;
  const push = (...added: Message[]) => {
    messages.push(...added);
    run.onMessages?.(messages);
  };
  const finish = async (exitStatus: ExitStatus, patch?: string, modelError?: ModelCallError): Promise<AgentResult> => ({
    messages,
    exitStatus,
    patch: patch ?? (await run.environment.patch()),
    steps: messages.filter((m) => m.role === "assistant").length,
    usage,
    modelError,
  });

  for (let step = 0; step < limits.maxSteps; step++) {
    if (Date.now() - started > limits.wallClockMs) return finish("submitted (exit_wall_clock)");
    run.signal?.throwIfAborted();
    let reply;
    try {
      reply = await run.model.complete({ messages, tools: [...run.environment.tools], temperature: limits.temperature, signal: run.signal });
    } catch (error) {
      if (!(error instanceof ModelCallError)) throw error;
      return finish(error.kind === "context_overflow" ? "submitted (exit_context)" : "submitted (exit_error)", undefined, error);
    }
    usage.inputTokens += reply.usage.inputTokens;
    usage.cachedInputTokens += reply.usage.cachedInputTokens;
    usage.outputTokens += reply.usage.outputTokens;
    const calls: ToolCall[] = reply.message.toolCalls ?? [];
    push(reply.message);
    if (run.overBudget?.()) return finish("submitted (exit_cost)");
    if (calls.length === 0) {
      if (++formatErrors > limits.maxFormatErrors) return finish("submitted (exit_format)");
      push({ role: "user", content: FORMAT_NUDGE });
      continue;
    }
    const [call, ...extra] = calls;
    const result = await run.environment.run({ name: call.name, arguments: call.arguments });
    formatErrors = typeof call.arguments === "string" ? formatErrors + 1 : 0;
    if (formatErrors > limits.maxFormatErrors) return finish("submitted (exit_format)");
    if (result.kind === "submitted") {
      push({ role: "tool", toolCallId: call.id, content: "Submitted." });
      return finish("submitted", result.patch);
    }
    timeouts = result.kind === "observation" && result.timedOut ? timeouts + 1 : 0;
    push(
      { role: "tool", toolCallId: call.id, content: result.text },
      ...extra.map((other): Message => ({ role: "tool", toolCallId: other.id, content: ONE_CALL_NOTE })),
    );
    if (timeouts >= limits.maxConsecutiveTimeouts) return finish("submitted (exit_command_timeout)");
    if (result.kind === "observation") executionMs += result.executionMs ?? 0;
    if (executionMs > limits.executionBudgetMs) return finish("submitted (exit_total_execution_time)");
  }
  return finish("submitted (exit_cost)");
}
