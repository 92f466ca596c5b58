import type { ReplyMessage } from "./anthropic.js";

const event = (name: string, data: Record<string, unknown>) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;

function pieces(text: string, size: number): string[] {
  if (text === "") return [""];
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/**
 * A finished reply as the Messages API streams it: message_start, per block a start, its deltas
 * (text_delta / input_json_delta) and a stop, then message_delta (stop reason, usage) and
 * message_stop. The model is asked without streaming (a tool call must be whole before it can be
 * translated), so the stream carries a complete answer in pieces.
 */
export function replyEvents(reply: ReplyMessage): string[] {
  const events = [
    event("message_start", {
      message: { ...reply, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: reply.usage.input_tokens, output_tokens: 0 } },
    }),
  ];
  reply.content.forEach((block, index) => {
    if (block.type === "text") {
      events.push(event("content_block_start", { index, content_block: { type: "text", text: "" } }));
      for (const part of pieces(block.text, 64)) events.push(event("content_block_delta", { index, delta: { type: "text_delta", text: part } }));
    } else {
      events.push(event("content_block_start", { index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } }));
      for (const part of pieces(JSON.stringify(block.input), 128)) {
        events.push(event("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: part } }));
      }
    }
    events.push(event("content_block_stop", { index }));
  });
  events.push(event("message_delta", { delta: { stop_reason: reply.stop_reason, stop_sequence: null }, usage: { output_tokens: reply.usage.output_tokens } }));
  events.push(event("message_stop", {}));
  return events;
}

/** An error inside an open stream, as the Messages API sends it. */
export function errorEvent(type: string, message: string): string {
  return `event: error\ndata: ${JSON.stringify({ type: "error", error: { type, message } })}\n\n`;
}
