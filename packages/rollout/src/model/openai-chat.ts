import { publicEndpoint } from "./call-error.js";
import { callWithRetries } from "./http-attempts.js";
import { fromOpenAICompletion, toOpenAIMessages, toOpenAITools } from "./openai-shape.js";
import type { ChatRequest, ChatResponse, ModelClientOptions, NamedChatModel } from "./types.js";

export interface OpenAIChatModelOptions extends ModelClientOptions {
  /** Base URL including the version segment, e.g. `http://host:8000/v1`. */
  baseURL: string;
  /**
   * Send the `reasoning` of earlier assistant turns (from a server's reasoning parser) back as
   * `reasoning_content`, for chat templates that render it (off by default: most templates drop
   * earlier thinking). Thinking left inside content goes back with the content either way.
   */
  replayReasoning?: boolean;
}

/**
 * A chat-completions client for OpenAI-compatible servers (vLLM, SGLang, OpenAI itself).
 * Plain HTTP rather than the SDK, so one retry/timeout loop serves every provider and each
 * HTTP attempt can be recorded.
 */
export function openAIChatModel(options: OpenAIChatModelOptions): NamedChatModel {
  const url = `${options.baseURL.replace(/\/+$/, "")}/chat/completions`;
  const name = options.name ?? publicEndpoint(options.baseURL);
  return {
    name,
    async complete(req: ChatRequest): Promise<ChatResponse> {
      const body: Record<string, unknown> = {
        model: options.model,
        messages: toOpenAIMessages(req.messages, options.replayReasoning ?? false),
      };
      if (req.tools && req.tools.length > 0) body.tools = toOpenAITools(req.tools);
      if (req.temperature !== undefined) body.temperature = req.temperature;
      if (req.maxTokens !== undefined) body.max_tokens = req.maxTokens;
      const answer = await callWithRetries(options, {
        url,
        headers: (apiKey) => ({
          "content-type": "application/json",
          ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }),
        }),
        body,
        signal: req.signal,
        decode: fromOpenAICompletion,
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
