import type { Message } from "@sera/core";
import type { TrajectoryStep } from "../tasks/self-check.js";

/**
 * A rollout as the teacher sees it when judging it or writing a PR about it: one step per tool
 * call, with the call as JSON (`action`), what came back (`observation`) and the reasoning and
 * commentary that led to it (`response`).
 */
export function trajectorySteps(messages: readonly Message[]): TrajectoryStep[] {
  const results = new Map<string, string>();
  for (const message of messages) if (message.role === "tool" && message.toolCallId) results.set(message.toolCallId, message.content);
  const steps: TrajectoryStep[] = [];
  for (const message of messages) {
    if (message.role !== "assistant") continue;
    const response = [message.reasoning, message.content].filter((part) => part && part.trim()).join("\n\n");
    for (const call of message.toolCalls ?? []) {
      steps.push({
        action: JSON.stringify({ name: call.name, arguments: call.arguments }),
        observation: results.get(call.id) ?? "",
        response,
      });
    }
  }
  return steps;
}
