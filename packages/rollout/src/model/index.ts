export type {
  ChatModel,
  ChatRequest,
  ChatResponse,
  ChatUsage,
  ModelCallErrorKind,
  ModelCallRecord,
  ModelClientOptions,
  NamedChatModel,
  Provenance,
  ToolDefinition,
} from "./types.js";
export { PROVENANCE_HEADER, combineProvenance, provenanceOfHeader, provenanceOfModelList } from "./provenance.js";
export { ModelCallError, isTransientKind } from "./call-error.js";
export { probeEndpoint, type EndpointProbe } from "./probe.js";
export { openAIChatModel, type OpenAIChatModelOptions } from "./openai-chat.js";
export { replyText } from "./openai-shape.js";
export { anthropicChatModel, type AnthropicChatModelOptions } from "./anthropic-chat.js";
export { endpointPool, type EndpointLoad, type EndpointPool, type EndpointPoolOptions } from "./endpoint-pool.js";
