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
export { ModelCallError, isTransientKind } from "./callError.js";
export { probeEndpoint, type EndpointProbe } from "./probe.js";
export { openAIChatModel, type OpenAIChatModelOptions } from "./openaiChat.js";
export { anthropicChatModel, type AnthropicChatModelOptions } from "./anthropicChat.js";
export { endpointPool, type EndpointLoad, type EndpointPool, type EndpointPoolOptions } from "./endpointPool.js";
