export { startProxy, anthropicError, type ProxyOptions, type ProxyServer, type ProxyStats } from "./server.js";
export { serveTurn, workdirPatch, type Turn, type TurnSettings } from "./turn.js";
export { translateConversation, reverseToolUse, ProxyState, type ChatMessage, type CallRecord } from "./conversation.js";
export {
  translateToolCall,
  clientToolId,
  isPreread,
  listingCommand,
  EditHistory,
  PREREAD_SUFFIX,
  type SeraToolCall,
  type ClientToolUse,
  type CallContext,
  type CallTranslation,
} from "./tool-calls.js";
export { formatObservation, type ClientToolResult } from "./observations.js";
export { replyEvents, errorEvent } from "./sse.js";
export { chatCompletion, parseCompletion, contextOverflowOf, UpstreamError, type Completion } from "./upstream.js";
export { SessionRecorder } from "./recording.js";
export { PathMap, TESTBED, workdirFromSystem } from "./paths.js";
export { replacementWindow } from "./edit-window.js";
export { messagesRequestSchema, stripReminders, type MessagesRequest, type ReplyMessage, type ReplyBlock } from "./anthropic.js";
