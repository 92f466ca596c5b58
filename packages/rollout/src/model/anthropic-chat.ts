import type { Message, ToolCall } from "@sera/core";
import { publicEndpoint } from "./call-error.js";
import { callWithRetries } from "./http-attempts.js";
import type { ChatRequest, ChatResponse, ChatUsage, ModelClientOptions, NamedChatModel } from "./types.js";

export interface AnthropicChatModelOptions extends ModelClientOptions {
  /** Defaults to https://api.anthropic.com (the `/v1/messages` route is appended). */
  baseURL?: string;
  apiKeyEnv: string;
  /** The Messages API requires max_tokens; used when a request sets none. */
  defaultMaxTokens?: number;
  anthropicVersion?: string;
}

type Block = Record<string, unknown>;
interface WireMessage {
  role: "user" | "assistant";
  content: Block[];
}

/**
 * Messages API client. Thinking blocks become `reasoning`; they are not sent back, because
 * our Message keeps no block signatures.
 */
export function anthropicChatModel(options: AnthropicChatModelOptions): NamedChatModel {
  const baseURL = (options.baseURL ?? "https://api.anthropic.com").replace(/\/+$/, "");
  const url = `${baseURL}/v1/messages`;
  const name = options.name ?? publicEndpoint(baseURL);
  return {
    name,
    async complete(req: ChatRequest): Promise<ChatResponse> {
      const { system, messages } = toAnthropicMessages(req.messages);
      const body: Record<string, unknown> = {
        model: options.model,
        max_tokens: req.maxTokens ?? options.defaultMaxTokens ?? 4096,
        messages,
      };
      if (system !== "") body.system = system;
      if (req.tools && req.tools.length > 0) {
        body.tools = req.tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.parameters }));
      }
      if (req.temperature !== undefined) body.temperature = req.temperature;
      const answer = await callWithRetries(options, {
        url,
        headers: (apiKey) => ({
          "content-type": "application/json",
          "anthropic-version": options.anthropicVersion ?? "2023-06-01",
          ...(apiKey === undefined ? {} : { "x-api-key": apiKey }),
        }),
        body,
        signal: req.signal,
        decode: fromAnthropicMessage,
      });
      return {
        message: answer.result.message,
        usage: answer.usage,
        endpoint: answer.endpoint,
        latencyMs: answer.latencyMs,
        finishReason: answer.result.finishReason,
        provenance: answer.provenance,
      };
    },
  };
}

/**
 * System text goes to the top-level field. Tool results travel as `tool_result` blocks in a
 * user turn; consecutive turns of one role are merged because the API wants them alternating.
 */
export function toAnthropicMessages(messages: readonly Message[]): { system: string; messages: WireMessage[] } {
  const systemParts: string[] = [];
  const wire: WireMessage[] = [];
  const push = (role: WireMessage["role"], blocks: Block[]) => {
    if (blocks.length === 0) return;
    const last = wire[wire.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else wire.push({ role, content: blocks });
  };
  for (const message of messages) {
    if (message.role === "system") {
      systemParts.push(message.content);
    } else if (message.role === "user") {
      push("user", [{ type: "text", text: message.content }]);
    } else if (message.role === "tool") {
      push("user", [{ type: "tool_result", tool_use_id: message.toolCallId ?? "", content: message.content }]);
    } else {
      const blocks: Block[] = [];
      if (message.content !== "") blocks.push({ type: "text", text: message.content });
      for (const call of message.toolCalls ?? []) {
        // A malformed call from another provider has no object input; keep its text visible.
        const input = typeof call.arguments === "string" ? { raw_arguments: call.arguments } : call.arguments;
        blocks.push({ type: "tool_use", id: call.id, name: call.name, input });
      }
      push("assistant", blocks);
    }
  }
  return { system: systemParts.join("\n\n"), messages: wire };
}

export function fromAnthropicMessage(json: unknown): { result: { message: Message; finishReason: string }; usage: ChatUsage } {
  if (json === null || typeof json !== "object") throw new Error("response body is not an object");
  const body = json as Record<string, unknown>;
  if (!Array.isArray(body.content)) throw new Error("response has no content array");
  const text: string[] = [];
  const thinking: string[] = [];
  const toolCalls: ToolCall[] = [];
  for (const raw of body.content) {
    const block = (raw ?? {}) as Record<string, unknown>;
    if (block.type === "text" && typeof block.text === "string") text.push(block.text);
    else if (block.type === "thinking" && typeof block.thinking === "string") thinking.push(block.thinking);
    else if (block.type === "tool_use") {
      if (typeof block.name !== "string") throw new Error("tool_use block has no name");
      const input = block.input;
      toolCalls.push({
        id: typeof block.id === "string" ? block.id : `toolu_${toolCalls.length}`,
        name: block.name,
        arguments: input !== null && typeof input === "object" && !Array.isArray(input) ? (input as Record<string, unknown>) : {},
      });
    }
  }
  const message: Message = { role: "assistant", content: text.join("") };
  if (thinking.length > 0) message.reasoning = thinking.join("\n");
  if (toolCalls.length > 0) message.toolCalls = toolCalls;

  const usage = (body.usage ?? {}) as Record<string, unknown>;
  const count = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : 0);
  const cached = count(usage.cache_read_input_tokens);
  return {
    result: { message, finishReason: typeof body.stop_reason === "string" ? body.stop_reason : "unknown" },
    usage: {
      // Anthropic's input_tokens excludes cache reads and writes; ours counts every prompt token.
      inputTokens: count(usage.input_tokens) + cached + count(usage.cache_creation_input_tokens),
      cachedInputTokens: cached,
      outputTokens: count(usage.output_tokens),
    },
  };
}
