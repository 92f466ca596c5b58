import type { ScriptedReply } from "./rollout-policy.js";

export interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

/** One reply as the chat-completions protocol carries it. */
export interface WireReply {
  id: string;
  model: string;
  reply: ScriptedReply;
  toolCallId: string;
  /** The tool call's arguments as sent: normally JSON, broken on purpose for a fault. */
  argumentsText: string;
  usage: WireUsage;
}

function finishReason(wire: WireReply): string {
  return wire.reply.toolCall ? "tool_calls" : "stop";
}

// `created` is fixed so that identical requests give byte-identical answers.
const created = 0;

export function completionBody(wire: WireReply): Record<string, unknown> {
  const message: Record<string, unknown> = {
    role: "assistant",
    content: wire.reply.content === "" && wire.reply.toolCall ? null : wire.reply.content,
    reasoning_content: wire.reply.reasoning,
  };
  if (wire.reply.toolCall) {
    message.tool_calls = [{ id: wire.toolCallId, type: "function", function: { name: wire.reply.toolCall.name, arguments: wire.argumentsText } }];
  }
  return {
    id: wire.id,
    object: "chat.completion",
    created,
    model: wire.model,
    system_fingerprint: "scripted-stand-in",
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(wire) }],
    usage: wire.usage,
  };
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** SSE events for `stream: true`, ending with `data: [DONE]`. */
export function streamEvents(wire: WireReply, includeUsage: boolean): string[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    JSON.stringify({
      id: wire.id,
      object: "chat.completion.chunk",
      created,
      model: wire.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
  const events: string[] = [chunk({ role: "assistant", content: "" })];
  for (const part of pieces(wire.reply.reasoning, 48)) events.push(chunk({ reasoning_content: part }));
  for (const part of pieces(wire.reply.content, 48)) events.push(chunk({ content: part }));
  if (wire.reply.toolCall) {
    events.push(
      chunk({
        tool_calls: [{ index: 0, id: wire.toolCallId, type: "function", function: { name: wire.reply.toolCall.name, arguments: "" } }],
      }),
    );
    for (const part of pieces(wire.argumentsText, 64)) events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] }));
  }
  events.push(chunk({}, finishReason(wire)));
  if (includeUsage) {
    events.push(JSON.stringify({ id: wire.id, object: "chat.completion.chunk", created, model: wire.model, choices: [], usage: wire.usage }));
  }
  events.push("[DONE]");
  return events.map((event) => `data: ${event}\n\n`);
}
