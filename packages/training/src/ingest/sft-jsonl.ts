import { functionToolSchema, type Message, type ToolCall, type Trajectory } from "@sera/core";
import { z } from "zod";
import type { OpenAiTool } from "../dataset/format/tools.js";
import { contentSchema, contentText, openAiToolCallSchema, parseOrThrow, parseToolArguments, toToolCalls } from "./content.js";

const sftMessageSchema = z.object({
  role: z.enum(["system", "user", "assistant", "tool"]),
  content: contentSchema,
  tool_calls: z.array(openAiToolCallSchema).nullish(),
  tool_call_id: z.string().nullish(),
});

const sftLineSchema = z.object({
  messages: z.array(sftMessageSchema),
  instance_id: z.string().optional(),
  traj_id: z.string().optional(),
  tool_json: z.array(functionToolSchema).optional(),
  patch: z.string().nullish(),
  exit_status: z.string().nullish(),
});

export interface ParsedSftSample {
  trajectory: Trajectory;
  /** `tool_json` when present, else the signatures listed in the system text's <tools> block. */
  tools: OpenAiTool[];
}

const thinkBlock = /^\s*<think>\n?([\s\S]*?)\n?<\/think>\s*/;
const hermesCall = /<tool_call>\n?([\s\S]*?)\n?<\/tool_call>/g;
const xmlCall = /<function=([^>\n]+)>\n?([\s\S]*?)<\/function>/g;
const xmlParameter = /<parameter=([^>\n]+)>\n?([\s\S]*?)\n?<\/parameter>/g;
const toolResponseRun = /^(?:<tool_response>\n[\s\S]*?\n<\/tool_response>\n?)+$/;
const toolResponse = /<tool_response>\n([\s\S]*?)\n<\/tool_response>/g;

/**
 * Read back an assistant turn rendered as hermes (`<tool_call>` JSON) or xml (`<function=…>`):
 * a leading <think> block becomes `reasoning`, the call blocks become toolCalls, and whatever text
 * remains is the content.
 */
function parseAssistantText(text: string, idPrefix: string): Pick<Message, "content" | "reasoning" | "toolCalls"> {
  let rest = text;
  let reasoning: string | undefined;
  const think = thinkBlock.exec(rest);
  if (think) {
    reasoning = think[1];
    rest = rest.slice(think[0].length);
  }
  const toolCalls: ToolCall[] = [];
  rest = rest.replace(hermesCall, (block: string, body: string) => {
    let parsed: { name?: unknown; arguments?: unknown };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      return block; // A malformed call stays in the text rather than vanishing.
    }
    if (typeof parsed.name !== "string") return block;
    const args = parsed.arguments;
    toolCalls.push({
      id: `${idPrefix}_${toolCalls.length}`,
      name: parsed.name,
      arguments: typeof args === "string" ? parseToolArguments(args) : ((args ?? {}) as Record<string, unknown>),
    });
    return "";
  });
  rest = rest.replace(xmlCall, (_, name: string, body: string) => {
    const args: Record<string, unknown> = {};
    for (const match of body.matchAll(xmlParameter)) args[match[1]] = match[2];
    toolCalls.push({ id: `${idPrefix}_${toolCalls.length}`, name, arguments: args });
    return "";
  });
  const message: Pick<Message, "content" | "reasoning" | "toolCalls"> = { content: rest.trim() };
  if (reasoning !== undefined) message.reasoning = reasoning;
  if (toolCalls.length > 0) message.toolCalls = toolCalls;
  return message;
}

function toolsFromSystemText(text: string): OpenAiTool[] {
  const block = /<tools>\n([\s\S]*?)\n<\/tools>/.exec(text);
  if (!block) return [];
  return block[1]
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, index) => parseOrThrow(functionToolSchema, JSON.parse(line), `<tools> line ${index + 1} of the system text`));
}

/**
 * One line of a SERA / SWE-smith SFT JSONL file as a Trajectory.
 *
 * Each SFT message maps to one message, with one deliberate split: a user turn made only of
 * <tool_response> blocks (Qwen3 merges parallel results into one turn) becomes one tool message
 * per block, answering the previous assistant's calls in order. Tool-call ids are not stored in
 * the text, so they are made up as `call_<message>_<k>`. The system text is kept whole, tool list
 * included. SFT lines hold neither exit status nor patch unless the producer added `exit_status`
 * / `patch`; otherwise they read "unknown" and "".
 */
export function parseSftLine(line: string, fallbackInstanceId = "unknown"): ParsedSftSample {
  const record = parseOrThrow(sftLineSchema, JSON.parse(line), `SFT line ${fallbackInstanceId}`);
  const messages: Message[] = [];
  let unanswered: string[] = [];
  record.messages.forEach((entry, index) => {
    const text = contentText(entry.content);
    if (entry.role === "assistant") {
      const openAiCalls = toToolCalls(entry.tool_calls, `call_${index}`);
      const parsed = parseAssistantText(text, `call_${index}`);
      const message: Message = { role: "assistant", ...parsed };
      if (openAiCalls) message.toolCalls = [...openAiCalls, ...(parsed.toolCalls ?? [])];
      unanswered = (message.toolCalls ?? []).map((call) => call.id);
      messages.push(message);
      return;
    }
    if (entry.role === "user" && toolResponseRun.test(text)) {
      for (const match of text.matchAll(toolResponse)) {
        const message: Message = { role: "tool", content: match[1] };
        const callId = unanswered.shift();
        if (callId !== undefined) message.toolCallId = callId;
        messages.push(message);
      }
      return;
    }
    const message: Message = { role: entry.role, content: text };
    if (entry.role === "tool") {
      const callId = entry.tool_call_id ?? unanswered[0];
      if (callId) message.toolCallId = callId;
      unanswered = unanswered.filter((id) => id !== callId);
    }
    messages.push(message);
  });
  const systemText = messages.find((message) => message.role === "system")?.content ?? "";
  const tools = record.tool_json ?? toolsFromSystemText(systemText);
  return {
    trajectory: {
      instanceId: record.instance_id ?? record.traj_id ?? fallbackInstanceId,
      messages,
      exitStatus: record.exit_status ?? "unknown",
      patch: record.patch ?? "",
      steps: messages.filter((message) => message.role === "assistant").length,
      source: "sft-jsonl",
    },
    tools,
  };
}

/** Every non-empty line of a JSONL file; a bad line fails with its line number. */
export function parseSftJsonl(text: string): ParsedSftSample[] {
  const samples: ParsedSftSample[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    try {
      samples.push(parseSftLine(line, `line-${index + 1}`));
    } catch (error) {
      throw new Error(`SFT JSONL line ${index + 1}: ${(error as Error).message}`);
    }
  });
  return samples;
}
