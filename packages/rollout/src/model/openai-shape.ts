import type { Message, ToolCall } from "@sera/core";
import type { ChatUsage, ToolDefinition } from "./types.js";

/** Our messages in the chat-completions wire shape. */
export function toOpenAIMessages(messages: readonly Message[], replayReasoning: boolean): Record<string, unknown>[] {
  return messages.map((message) => {
    if (message.role === "tool") {
      return { role: "tool", tool_call_id: message.toolCallId ?? "", content: message.content };
    }
    if (message.role !== "assistant") return { role: message.role, content: message.content };
    const wire: Record<string, unknown> = { role: "assistant", content: message.content };
    if (message.toolCalls && message.toolCalls.length > 0) {
      // Several servers reject "" next to tool calls but accept null.
      if (message.content === "") wire.content = null;
      wire.tool_calls = message.toolCalls.map((call) => ({
        id: call.id,
        type: "function",
        function: {
          name: call.name,
          arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments),
        },
      }));
    }
    if (replayReasoning && message.reasoning) wire.reasoning_content = message.reasoning;
    return wire;
  });
}

export function toOpenAITools(tools: readonly ToolDefinition[]): Record<string, unknown>[] {
  return tools.map((tool) => ({
    type: "function",
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }));
}

export interface DecodedCompletion {
  message: Message;
  finishReason: string;
}

/** Reads `choices[0]` and `usage` from a chat-completions body; throws on a wrong shape. */
export function fromOpenAICompletion(json: unknown): { result: DecodedCompletion; usage: ChatUsage } {
  const body = asRecord(json, "response body");
  const choices = body.choices;
  if (!Array.isArray(choices) || choices.length === 0) throw new Error("response has no choices");
  const choice = asRecord(choices[0], "choices[0]");
  const wire = asRecord(choice.message, "choices[0].message");

  // Reasoning is kept as what it is: a parser's field stays `reasoning`, and a `<think>` block that a
  // server without a parser leaves in content (SERA's GLM-4.5-Air set-up) stays in content, where
  // the agent sends it back with the turn and the dataset formatter finds it.
  const content = typeof wire.content === "string" ? wire.content : "";
  const reasoning = typeof wire.reasoning_content === "string" ? wire.reasoning_content : typeof wire.reasoning === "string" ? wire.reasoning : "";

  const message: Message = { role: "assistant", content };
  if (reasoning !== "") message.reasoning = reasoning;
  const toolCalls = Array.isArray(wire.tool_calls) ? wire.tool_calls.map(fromOpenAIToolCall) : [];
  if (toolCalls.length > 0) message.toolCalls = toolCalls;

  return {
    result: { message, finishReason: typeof choice.finish_reason === "string" ? choice.finish_reason : "unknown" },
    usage: usageFrom(body.usage),
  };
}

function fromOpenAIToolCall(value: unknown, index: number): ToolCall {
  const wire = asRecord(value, `tool_calls[${index}]`);
  const fn = asRecord(wire.function, `tool_calls[${index}].function`);
  if (typeof fn.name !== "string") throw new Error(`tool_calls[${index}] has no function name`);
  const id = typeof wire.id === "string" && wire.id !== "" ? wire.id : `call_${index}`;
  return { id, name: fn.name, arguments: parseArguments(fn.arguments) };
}

/**
 * Arguments arrive as a JSON string. An object is parsed; anything else is kept verbatim so
 * the agent can report a format error. An empty string means "no arguments" (e.g. `submit`).
 */
export function parseArguments(raw: unknown): ToolCall["arguments"] {
  if (raw !== null && typeof raw === "object" && !Array.isArray(raw)) return raw as Record<string, unknown>;
  if (typeof raw !== "string") return String(raw);
  if (raw.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through: keep the raw text
  }
  return raw;
}

/**
 * The answer part of a reply whose content may carry the model's thinking: the text after a leading
 * `<think>…</think>` block, or after a lone `</think>` when the chat template opened the block in the
 * prompt. For parsing answers to sera's own questions (self-check, PR text); trajectories keep the
 * content whole.
 */
export function replyText(content: string): string {
  const full = /^\s*<think>[\s\S]*?<\/think>\s*/.exec(content);
  if (full) return content.slice(full[0].length);
  const close = content.indexOf("</think>");
  if (close >= 0 && !content.slice(0, close).includes("<think>")) return content.slice(close + "</think>".length).trimStart();
  return content;
}

function usageFrom(value: unknown): ChatUsage {
  if (value === null || typeof value !== "object") return { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };
  const usage = value as Record<string, unknown>;
  const details = (usage.prompt_tokens_details ?? {}) as Record<string, unknown>;
  return {
    inputTokens: numberOr0(usage.prompt_tokens),
    cachedInputTokens: numberOr0(details?.cached_tokens),
    outputTokens: numberOr0(usage.completion_tokens),
  };
}

function numberOr0(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error(`${what} is not an object`);
  return value as Record<string, unknown>;
}
