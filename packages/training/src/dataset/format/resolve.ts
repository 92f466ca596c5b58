import type { Trajectory } from "@sera/core";
import { loadChatTemplate, type ChatTemplate } from "./chat-template.js";
import { defaultThinkTags, type ThinkMode, type ThinkTags } from "./assistant-turn.js";
import { defaultRoleLine, type RenderOptions, type SftFormat } from "./sample.js";
import { inferTools, type OpenAiTool } from "./tools.js";

export interface ResolvedRenderOptions {
  format: SftFormat;
  tools: readonly OpenAiTool[];
  keepThinking: boolean;
  thinkMode: ThinkMode;
  thinkTags: ThinkTags;
  trainKey: boolean;
  toolJson: boolean;
  enforceSubmit: boolean;
  roleLine: string | undefined;
  defaultRoleLine: string;
  workdir: string;
  chatTemplate: ChatTemplate;
}

export function resolveRenderOptions(trajectory: Trajectory, options: RenderOptions = {}): ResolvedRenderOptions {
  const format = options.format ?? "hermes";
  return {
    format,
    tools: options.tools ?? inferTools(trajectory),
    keepThinking: options.keepThinking ?? true,
    thinkMode: options.thinkMode ?? (format === "hermes" ? "keepOnlyThink" : "keepBoth"),
    thinkTags: options.thinkTags ?? defaultThinkTags,
    trainKey: options.trainKey ?? true,
    toolJson: options.toolJson ?? true,
    enforceSubmit: options.enforceSubmit ?? true,
    roleLine: options.roleLine,
    defaultRoleLine,
    workdir: options.workdir ?? "/testbed",
    chatTemplate: options.chatTemplate ?? loadChatTemplate(),
  };
}
