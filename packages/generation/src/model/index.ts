export type {
  ChatModel,
  ChatRequest,
  ChatResponse,
  ChatUsage,
  ModelCallErrorKind,
  ModelCallRecord,
  ModelClientOptions,
  NamedChatModel,
  ToolDefinition,
} from "./types.js";
export { ModelCallError } from "./callError.js";
export { openAIChatModel, type OpenAIChatModelOptions } from "./openaiChat.js";
export { anthropicChatModel, type AnthropicChatModelOptions } from "./anthropicChat.js";
export { endpointPool, type EndpointLoad, type EndpointPool, type EndpointPoolOptions } from "./endpointPool.js";
