import type { ThinkMode, ThinkTags } from "./assistant-turn.js";
import type { ChatTemplate } from "./chat-template.js";
import type { OpenAiTool } from "./tools.js";

export type SftFormat = "hermes" | "xml" | "raw";
export type SftRole = "system" | "user" | "assistant";

/** One message of an SFT line: tool calls and tool results are already text. */
export interface SftMessage {
  role: SftRole;
  content: string;
}

export interface RenderOptions {
  /** Default "hermes". */
  format?: SftFormat;
  /** Tools offered to the agent; default: inferred from the calls the trajectory makes (see inferTools). */
  tools?: readonly OpenAiTool[];
  /** Keep reasoning (default true). Removing it cost about 18 points in the paper's ablation. */
  keepThinking?: boolean;
  /** Default "keepOnlyThink" for hermes and "keepBoth" for xml; raw keeps text untouched. */
  thinkMode?: ThinkMode;
  /** Inline reasoning delimiters for teachers served without a reasoning parser (default <think>…</think>). */
  thinkTags?: ThinkTags;
  /** Add `train: true` on assistant messages and `false` elsewhere (default true). */
  trainKey?: boolean;
  /** Add the OpenAI tool list as `tool_json` (default true). */
  toolJson?: boolean;
  /** Require exit status "submitted" (case-insensitive, nothing after it); default true. */
  enforceSubmit?: boolean;
  /** First line of the system text; default: the trajectory's own system message. */
  roleLine?: string;
  /** Repository path named in the xml system text; keep it equal to the path the tools use. Default /testbed. */
  workdir?: string;
  /** The student's chat template (default: the bundled Qwen3 tokenizer's); hermes takes its tool instructions from it. */
  chatTemplate?: ChatTemplate;
}

export type DropReason =
  "not-submitted" | "no-assistant-turn" | "assistant-without-tool-call" | "multiple-think-blocks" | "malformed-think-block" | "tool-arguments-not-json";

export interface RenderedSample {
  instanceId: string;
  messages: SftMessage[];
  tools: readonly OpenAiTool[];
}

export type RenderedOrDropped = RenderedSample | { dropped: DropReason };

export const defaultRoleLine = "You are a software engineering agent. You work on a code repository by calling the tools listed below.";
