import type { Provenance } from "@sera/core";
import { PROVENANCE_HEADER, provenanceOfHeader } from "@sera/rollout";
import type { ChatMessage } from "./conversation.js";
import type { SeraToolCall } from "./tool-calls.js";

/** One chat completion from the OpenAI-compatible server (vLLM / SGLang with the hermes tool parser). */
export interface Completion {
  content: string;
  reasoning: string;
  toolCalls: SeraToolCall[];
  promptTokens: number;
  completionTokens: number;
  finishReason: string;
  /** What the server said about itself on this answer (its x-sera-provenance header), as sera's model clients read it. */
  provenance: Provenance;
}

/** The server said no. `contextOverflow` is set when the prompt did not fit the model's context. */
export class UpstreamError extends Error {
  readonly status: number;
  readonly contextOverflow?: { limit?: number; requested?: number };

  constructor(message: string, status: number, contextOverflow?: { limit?: number; requested?: number }) {
    super(message);
    this.name = "UpstreamError";
    this.status = status;
    this.contextOverflow = contextOverflow;
  }
}

export interface CompletionRequest {
  model: string;
  messages: ChatMessage[];
  tools: readonly unknown[];
  temperature?: number;
  maxTokens?: number;
}

const overflowText = /maximum context length|context length exceeded|context_length_exceeded|prompt is too long|too many tokens/i;

/** Reads vLLM's "maximum context length is N tokens … M input tokens" (and close variants). */
export function contextOverflowOf(status: number, message: string): { limit?: number; requested?: number } | undefined {
  if (status !== 400 || !overflowText.test(message)) return undefined;
  const limit = /maximum context length is (\d+)/i.exec(message)?.[1];
  const requested = /(\d+) input tokens|requested (\d+) tokens|has (\d+) tokens/i.exec(message);
  const requestedNumber = requested ? (requested[1] ?? requested[2] ?? requested[3]) : undefined;
  return { limit: limit ? Number(limit) : undefined, requested: requestedNumber ? Number(requestedNumber) : undefined };
}

export async function chatCompletion(endpoint: string, apiKey: string | undefined, request: CompletionRequest, signal?: AbortSignal): Promise<Completion> {
  // Earlier turns' reasoning stays out of the prompt, as chat templates drop it from history anyway.
  const messages = request.messages.map((message) => {
    if (message.role !== "assistant" || message.reasoning_content === undefined) return message;
    const { reasoning_content: _reasoning, ...rest } = message;
    return rest;
  });
  const body: Record<string, unknown> = { model: request.model, messages, stream: false };
  if (request.tools.length > 0) body.tools = request.tools;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  let response: Response;
  try {
    response = await fetch(`${endpoint.replace(/\/+$/, "")}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    throw new UpstreamError(`model server ${endpoint} did not answer: ${(error as Error).cause ?? (error as Error).message}`, 502);
  }
  const text = await response.text();
  if (!response.ok) {
    let message = text.slice(0, 2000);
    try {
      const parsed = JSON.parse(text) as { message?: unknown; error?: { message?: unknown } };
      const inner = parsed.error?.message ?? parsed.message;
      if (typeof inner === "string") message = inner;
    } catch {
      // not JSON: keep the text
    }
    throw new UpstreamError(`model server answered ${response.status}: ${message}`, response.status, contextOverflowOf(response.status, message));
  }
  return { ...parseCompletion(text), provenance: provenanceOfHeader(response.headers.get(PROVENANCE_HEADER) ?? undefined) };
}

interface WireCompletion {
  choices?: {
    message?: {
      content?: string | null;
      reasoning_content?: string | null;
      reasoning?: string | null;
      tool_calls?: { id?: string; function?: { name?: string; arguments?: unknown } }[] | null;
    };
    finish_reason?: string | null;
  }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

let generatedIds = 0;

export function parseCompletion(text: string): Omit<Completion, "provenance"> {
  let parsed: WireCompletion;
  try {
    parsed = JSON.parse(text) as WireCompletion;
  } catch {
    throw new UpstreamError(`model server answered with something that is not JSON: ${text.slice(0, 200)}`, 502);
  }
  const choice = parsed.choices?.[0];
  if (!choice?.message) throw new UpstreamError("model server answered without choices[0].message", 502);
  const message = choice.message;
  const toolCalls = (message.tool_calls ?? []).map((call): SeraToolCall => {
    const args = call.function?.arguments;
    return {
      id: typeof call.id === "string" && call.id !== "" ? call.id : `call_sera_${++generatedIds}`,
      name: call.function?.name ?? "",
      argumentsText: typeof args === "string" ? args : JSON.stringify(args ?? {}),
    };
  });
  return {
    content: message.content ?? "",
    reasoning: message.reasoning_content ?? message.reasoning ?? "",
    toolCalls,
    promptTokens: parsed.usage?.prompt_tokens ?? 0,
    completionTokens: parsed.usage?.completion_tokens ?? 0,
    finishReason: choice.finish_reason ?? "stop",
  };
}
