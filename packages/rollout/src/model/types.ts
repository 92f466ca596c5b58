import type { Message } from "@sera/core";

/** A function the model may call; `parameters` is a JSON Schema object. */
export interface ToolDefinition {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ChatRequest {
  messages: Message[];
  tools?: ToolDefinition[];
  temperature?: number;
  maxTokens?: number;
  signal?: AbortSignal;
}

export interface ChatUsage {
  /** All prompt tokens, cached ones included. */
  inputTokens: number;
  /** The part of `inputTokens` served from the endpoint's prefix cache. */
  cachedInputTokens: number;
  outputTokens: number;
}

export interface ChatResponse {
  /** Role "assistant"; `reasoning` and `toolCalls` set when the model produced them. */
  message: Message;
  usage: ChatUsage;
  /** The URL that answered, with any credentials or query string removed. */
  endpoint: string;
  /** Wall time of the whole `complete` call, retries and backoff included. */
  latencyMs: number;
  finishReason: string;
  /** What the answering server said it is (model/provenance.ts); absent from in-process test doubles. */
  provenance?: Provenance;
}

export interface ChatModel {
  complete(req: ChatRequest): Promise<ChatResponse>;
}

/** A model bound to one endpoint; the name identifies it in pools and logs. */
export interface NamedChatModel extends ChatModel {
  readonly name: string;
}

export type ModelCallErrorKind =
  | "timeout"
  | "rate_limited"
  | "server_error"
  | "network"
  | "bad_request"
  | "context_overflow"
  | "malformed_response"
  /** The variable named by `apiKeyEnv` is unset: not worth an HTTP retry, but fixed by the next run. */
  | "missing_key";

/** One row per HTTP attempt; this is what the `model_calls` table stores. */
export interface ModelCallRecord {
  endpoint: string;
  model: string;
  /** 1 for the first HTTP attempt of a `complete` call, 2 for its first retry, … */
  httpAttempt: number;
  status: "ok" | ModelCallErrorKind;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  latencyMs: number;
  /** ISO-8601 time the attempt started. */
  startedAt: string;
  /**
   * What the server said about itself on this answer (see `provenanceOfAnswer`); null when no
   * answer came (timeout, network error), so the caller falls back to what the endpoint's model
   * list said.
   */
  provenance: Provenance | null;
}

/** Whether data came from a real model or trainer or from one of sera's stand-ins. */
export type Provenance = "real" | "stand-in";

/** Settings shared by the HTTP clients. */
export interface ModelClientOptions {
  model: string;
  /** Name of the environment variable holding the API key; the key itself is never passed in. */
  apiKeyEnv?: string;
  /** Limit for one HTTP attempt, response body included. */
  timeoutMs: number;
  /** Extra attempts after a retryable failure. */
  maxRetries: number;
  /** First backoff step; later ones double, capped by `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Fields merged into every request body (e.g. `chat_template_kwargs`, `top_k`, `thinking`). */
  extraBody?: Record<string, unknown>;
  onCall?: (record: ModelCallRecord) => void;
  /** Label used by pools; defaults to the endpoint URL. */
  name?: string;
}
