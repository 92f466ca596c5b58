import type { Message, ToolCall } from "@sera/core";
import { z } from "zod";

/** Message content as OpenAI-style clients store it: a string, a list of typed parts, or nothing. */
export const contentSchema = z.union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() })), z.null()]).optional();

/**
 * Flatten content to text. Text parts are concatenated without a separator, as a provider joins
 * them; non-text parts (images) have no text form and are skipped.
 */
export function contentText(content: z.infer<typeof contentSchema>): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content
    .filter((part) => part.type === "text" && part.text !== undefined)
    .map((part) => part.text as string)
    .join("");
}

/** An OpenAI tool call: `arguments` is a JSON string on the wire, sometimes already an object. */
export const openAiToolCallSchema = z.object({
  id: z.string().nullish(),
  function: z.object({
    name: z.string(),
    arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
  }),
});

/** Parsed arguments when they are a JSON object; the raw string otherwise (kept for format-error analysis). */
export function parseToolArguments(raw: string | Record<string, unknown> | null | undefined): ToolCall["arguments"] {
  if (raw === null || raw === undefined || raw === "") return {};
  if (typeof raw !== "string") return raw;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Malformed arguments stay as the raw string.
  }
  return raw;
}

export function toToolCalls(calls: z.infer<typeof openAiToolCallSchema>[] | null | undefined, syntheticPrefix: string): ToolCall[] | undefined {
  if (!calls || calls.length === 0) return undefined;
  return calls.map((call, index) => ({
    id: call.id ?? `${syntheticPrefix}_${index}`,
    name: call.function.name,
    arguments: parseToolArguments(call.function.arguments),
  }));
}

/** Reasoning stored by litellm-style clients: `reasoning_content` or Anthropic `thinking_blocks`. */
export const reasoningFields = {
  reasoning_content: z.string().nullish(),
  thinking_blocks: z.array(z.object({ type: z.string().optional(), thinking: z.string().optional() })).nullish(),
};

export function reasoningText(message: { reasoning_content?: string | null; thinking_blocks?: { thinking?: string }[] | null }): string | undefined {
  const blocks = (message.thinking_blocks ?? []).map((block) => block.thinking ?? "").filter((text) => text !== "");
  if (blocks.length > 0) return blocks.join("\n\n");
  return message.reasoning_content ? message.reasoning_content : undefined;
}

/**
 * One message of an OpenAI-style history (role, content, and for the assistant its reasoning and
 * tool calls); calls without ids get `call_<index>_<n>`. Tool-result ids differ by agent, so the
 * caller sets `toolCallId`.
 */
export function chatMessage(
  entry: {
    role: Message["role"];
    content?: z.infer<typeof contentSchema>;
    tool_calls?: z.infer<typeof openAiToolCallSchema>[] | null;
    reasoning_content?: string | null;
    thinking_blocks?: { thinking?: string }[] | null;
  },
  index: number,
): Message {
  const message: Message = { role: entry.role, content: contentText(entry.content) };
  if (entry.role === "assistant") {
    const reasoning = reasoningText(entry);
    if (reasoning !== undefined) message.reasoning = reasoning;
    const toolCalls = toToolCalls(entry.tool_calls, `call_${index}`);
    if (toolCalls) message.toolCalls = toolCalls;
  }
  return message;
}

/** Zod errors name the path; prefix the file so a batch ingest says which input was bad. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(`${what}: ${z.prettifyError(result.error)}`);
  return result.data;
}
