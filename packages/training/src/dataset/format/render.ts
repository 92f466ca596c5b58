import type { Trajectory } from "@sera/core";
import { renderHermes } from "./hermes.js";
import { resolveRenderOptions, type ResolvedRenderOptions } from "./resolve.js";
import type { DropReason, RenderedOrDropped, RenderOptions, SftMessage } from "./sample.js";
import type { OpenAiTool } from "./tools.js";
import { renderXml } from "./xml.js";

/** raw: the history as it is, with tool results shown as user turns and tool calls left out. */
function renderRaw(trajectory: Trajectory, options: ResolvedRenderOptions): RenderedOrDropped {
  const messages: SftMessage[] = trajectory.messages.map((message) => ({
    role: message.role === "tool" ? "user" : message.role,
    content: message.content,
  }));
  return { instanceId: trajectory.instanceId, messages, tools: options.tools };
}

/**
 * Turn one trajectory into SFT messages, or say why it cannot be a training sample. Never throws
 * for a bad sample: the caller counts the reasons.
 */
export function renderMessages(trajectory: Trajectory, options: RenderOptions = {}): RenderedOrDropped {
  const resolved = resolveRenderOptions(trajectory, options);
  if (resolved.enforceSubmit && trajectory.exitStatus.trim().toLowerCase() !== "submitted") {
    return { dropped: "not-submitted" };
  }
  if (!trajectory.messages.some((message) => message.role === "assistant")) return { dropped: "no-assistant-turn" };
  if (resolved.format === "hermes") return renderHermes(trajectory, resolved);
  if (resolved.format === "xml") return renderXml(trajectory, resolved);
  return renderRaw(trajectory, resolved);
}

export interface LineOptions {
  trainKey?: boolean;
  toolJson?: boolean;
}

/**
 * One JSONL line with keys in the order messages, instance_id, tool_json and, per message, role,
 * content, train. `JSON.stringify` writes non-ASCII characters as they are (UTF-8 once written),
 * unlike the reference's ASCII-escaped output.
 */
export function serializeSftLine(instanceId: string, messages: readonly SftMessage[], tools: readonly OpenAiTool[], options: LineOptions = {}): string {
  const trainKey = options.trainKey ?? true;
  const line: Record<string, unknown> = {
    messages: messages.map((message) =>
      trainKey ? { role: message.role, content: message.content, train: message.role === "assistant" } : { role: message.role, content: message.content },
    ),
    instance_id: instanceId,
  };
  if (options.toolJson ?? true) line.tool_json = tools;
  return JSON.stringify(line);
}

export type RenderSampleResult = { line: string } | { dropped: DropReason };

export function renderSample(trajectory: Trajectory, options: RenderOptions = {}): RenderSampleResult {
  const rendered = renderMessages(trajectory, options);
  if ("dropped" in rendered) return rendered;
  return { line: serializeSftLine(rendered.instanceId, rendered.messages, rendered.tools, options) };
}
