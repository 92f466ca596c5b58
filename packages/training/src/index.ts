export {};
export { renderSample, renderMessages, serializeSftLine } from "./dataset/format/render.js";
export type { RenderSampleResult, LineOptions } from "./dataset/format/render.js";
export type { RenderOptions, DropReason, SftFormat, SftMessage, SftRole, RenderedSample } from "./dataset/format/sample.js";
export type { ThinkMode, ThinkTags } from "./dataset/format/assistant-turn.js";
export { sweAgentTools, miniSweAgentTools, inferTools } from "./dataset/format/tools.js";
export type { OpenAiTool } from "./dataset/format/tools.js";
export { pythonJsonDumps } from "./dataset/format/python-json.js";
