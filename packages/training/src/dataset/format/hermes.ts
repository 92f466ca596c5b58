import type { Message, ToolCall, Trajectory } from "@sera/core";
import { chooseAssistantText, splitAssistantText } from "./assistant-turn.js";
import { toolSystemText } from "./chat-template.js";
import { pythonJsonDumps } from "./python-json.js";
import type { DropReason, RenderedOrDropped, SftMessage } from "./sample.js";
import type { ResolvedRenderOptions } from "./resolve.js";
import type { OpenAiTool } from "./tools.js";

export function hermesToolCall(call: ToolCall): string | undefined {
  if (typeof call.arguments === "string") return undefined;
  return `<tool_call>\n{"name": ${JSON.stringify(call.name)}, "arguments": ${pythonJsonDumps(call.arguments)}}\n</tool_call>`;
}

/**
 * Shared by hermes and xml: an assistant turn as think block, commentary (followed by
 * `commentaryEnd`) and the rendered tool calls, or why the turn cannot be used.
 */
export function renderAssistantTurn(
  message: Message,
  options: ResolvedRenderOptions,
  renderCall: (call: ToolCall) => string | undefined,
  commentaryEnd: string,
): { content: string } | { dropped: DropReason } {
  const calls = message.toolCalls ?? [];
  if (calls.length === 0) return { dropped: "assistant-without-tool-call" };
  const prefix = assistantPrefix(message, options);
  if (typeof prefix === "string") return { dropped: prefix };
  const renderedCalls: string[] = [];
  for (const call of calls) {
    const rendered = renderCall(call);
    if (rendered === undefined) return { dropped: "tool-arguments-not-json" };
    renderedCalls.push(rendered);
  }
  let content = prefix.think !== undefined ? `<think>\n${prefix.think}\n</think>\n\n` : "";
  if (prefix.commentary !== "") content += `${prefix.commentary}${commentaryEnd}`;
  return { content: content + renderedCalls.join("\n") };
}

/** Shared by hermes and xml: the assistant text before the tool calls, or why the turn is unusable. */
export function assistantPrefix(message: Message, options: ResolvedRenderOptions): { think: string | undefined; commentary: string } | DropReason {
  const split = splitAssistantText(message, options.thinkTags);
  if (typeof split === "string") return split;
  const chosen = chooseAssistantText(split, options.thinkMode, options.keepThinking);
  // keepOnlyThink always emits a think block, even an empty one, so every turn has one shape.
  const showThink = options.keepThinking && (options.thinkMode === "keepOnlyThink" || chosen.think !== "");
  return { think: showThink ? chosen.think : undefined, commentary: chosen.commentary };
}

export function renderHermes(trajectory: Trajectory, options: ResolvedRenderOptions): RenderedOrDropped {
  const messages: SftMessage[] = [];
  const history = trajectory.messages;
  const first = history[0];
  const roleLine = options.roleLine ?? (first?.role === "system" ? first.content : undefined);
  // The trainer passes no tools to the template, so the system turn carries the tool instructions
  // exactly as the student's template writes them when the served model is given `tools=`.
  messages.push({ role: "system", content: toolSystemText(options.chatTemplate, roleLine ?? options.defaultRoleLine, options.tools) });
  let pendingResponses: string[] = [];
  const flushResponses = (): void => {
    if (pendingResponses.length === 0) return;
    // Qwen3's template opens one user turn for a run of tool messages and puts each result in its
    // own <tool_response> block, separated by a newline.
    messages.push({ role: "user", content: pendingResponses.join("\n") });
    pendingResponses = [];
  };
  for (let index = 0; index < history.length; index++) {
    const message = history[index];
    if (index === 0 && message.role === "system") continue;
    if (message.role === "tool") {
      pendingResponses.push(`<tool_response>\n${message.content}\n</tool_response>`);
      continue;
    }
    flushResponses();
    if (message.role !== "assistant") {
      messages.push({ role: message.role, content: message.content });
      continue;
    }
    const turn = renderAssistantTurn(message, options, hermesToolCall, "\n");
    if ("dropped" in turn) return turn;
    messages.push({ role: "assistant", content: turn.content });
  }
  flushResponses();
  return { instanceId: trajectory.instanceId, messages, tools: options.tools };
}
