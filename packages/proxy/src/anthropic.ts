import { z } from "zod";

/**
 * The part of the Anthropic Messages API the proxy reads. Unknown fields (thinking,
 * context_management, output_config, metadata, cache_control, …) are accepted and ignored:
 * Claude Code adds new ones often, and none of them changes what the SERA model is asked.
 */

const textBlock = z.object({ type: z.literal("text"), text: z.string() }).loose();
const toolUseBlock = z.object({ type: z.literal("tool_use"), id: z.string(), name: z.string(), input: z.record(z.string(), z.unknown()) }).loose();
const toolResultBlock = z
  .object({
    type: z.literal("tool_result"),
    tool_use_id: z.string(),
    content: z.union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() }).loose())]).optional(),
    is_error: z.boolean().nullish(),
  })
  .loose();
const otherBlock = z.object({ type: z.string() }).loose();

export const contentBlockSchema = z.union([textBlock, toolUseBlock, toolResultBlock, otherBlock]);
export type ContentBlock = z.infer<typeof contentBlockSchema>;
export type TextBlock = z.infer<typeof textBlock>;
export type ToolUseBlock = z.infer<typeof toolUseBlock>;
export type ToolResultBlock = z.infer<typeof toolResultBlock>;

export const messagesRequestSchema = z
  .object({
    model: z.string(),
    messages: z.array(z.object({ role: z.enum(["user", "assistant", "system"]), content: z.union([z.string(), z.array(contentBlockSchema)]) }).loose()),
    system: z.union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() }).loose())]).optional(),
    tools: z.array(z.object({ name: z.string() }).loose()).optional(),
    max_tokens: z.number().optional(),
    temperature: z.number().optional(),
    stream: z.boolean().optional(),
    metadata: z.object({ user_id: z.string().optional() }).loose().optional(),
  })
  .loose();
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;
export type RequestMessage = MessagesRequest["messages"][number];

/** A content block the proxy answers with. */
export type ReplyBlock = { type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

export interface ReplyMessage {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: ReplyBlock[];
  stop_reason: "end_turn" | "tool_use" | "max_tokens";
  stop_sequence: null;
  usage: { input_tokens: number; output_tokens: number };
}

export function isText(block: ContentBlock): block is TextBlock {
  return block.type === "text" && typeof (block as { text?: unknown }).text === "string";
}
export function isToolUse(block: ContentBlock): block is ToolUseBlock {
  return block.type === "tool_use";
}
export function isToolResult(block: ContentBlock): block is ToolResultBlock {
  return block.type === "tool_result";
}

/** The error body the Messages API uses; Claude Code shows `error.message`. */
export function errorBody(type: string, message: string): { type: "error"; error: { type: string; message: string } } {
  return { type: "error", error: { type, message } };
}

const reminder = /<system-reminder>[\s\S]*?<\/system-reminder>\s*/g;

/** Claude Code's `<system-reminder>` notes are for Claude; a SERA model never saw them in training. */
export function stripReminders(text: string): string {
  return text.replace(reminder, "");
}

/** Text of a string or a list of blocks (tool results, system prompt). */
export function blocksText(content: string | readonly { type: string; text?: string }[] | undefined): string {
  if (content === undefined) return "";
  if (typeof content === "string") return content;
  return content
    .filter((block) => block.type === "text" && typeof block.text === "string")
    .map((block) => block.text as string)
    .join("\n");
}
