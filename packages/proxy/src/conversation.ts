import fs from "node:fs";
import { AGENT_SYSTEM_PROMPT, lineNumberAt, renderInstanceTask } from "@sera/rollout";
import { blocksText, isText, isToolResult, isToolUse, stripReminders, type ContentBlock, type MessagesRequest, type ToolUseBlock } from "./anthropic.js";
import { formatObservation } from "./observations.js";
import { PathMap, workdirFromSystem } from "./paths.js";
import { EditHistory, isPreread, type CallContext, type CallKind } from "./tool-calls.js";

/** OpenAI chat-completions messages, as the SERA model was trained on them. */
export interface ChatToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}
export type ChatMessage =
  | { role: "system" | "user"; content: string }
  /** `reasoning_content` is kept for the recording only; it is not sent back to the model. */
  | { role: "assistant"; content: string; tool_calls?: ChatToolCall[]; reasoning_content?: string }
  | { role: "tool"; tool_call_id: string; content: string };
export type AssistantMessage = Extract<ChatMessage, { role: "assistant" }>;

/** What the proxy remembers about one tool use it asked Claude Code for. */
export interface CallRecord {
  /** The model's turn exactly as it came back, with its original tool-call id. */
  assistant: AssistantMessage;
  context: CallContext;
  /** Turns the proxy answered itself (refused calls) just before this one. */
  hiddenBefore: ChatMessage[];
  /**
   * The observation as first shown. Claude Code re-sends every old result with each request, but
   * files change, so an edit's snippet is built once and then reused: the model sees its history
   * exactly as it saw it.
   */
  observation?: string;
}

/** State shared by all requests the proxy serves. */
export class ProxyState {
  readonly calls = new Map<string, CallRecord>();
  readonly history = new EditHistory();
}

export interface TranslatedConversation {
  messages: ChatMessage[];
  paths: PathMap;
}

const blocksOf = (content: string | ContentBlock[]): ContentBlock[] => (typeof content === "string" ? [{ type: "text", text: content }] : content);

/**
 * Claude Code's conversation as the SERA model's: SERA's system prompt (Claude Code's own is only read
 * for the working directory), the first user text inside the instance prompt the model was trained
 * with, tool uses back as SERA tool calls, tool results as SWE-agent observations, the proxy's own
 * pre-edit reads left out, and mid-conversation `system` messages folded into the system prompt
 * (chat templates accept a system message only at the start).
 */
export function translateConversation(request: MessagesRequest, state: ProxyState, defaultWorkdir: string): TranslatedConversation {
  const paths = new PathMap(workdirFromSystem(blocksText(request.system)) ?? defaultWorkdir);
  const folded: string[] = [];
  const messages: ChatMessage[] = [];
  let seenUserText = false;
  for (const message of request.messages) {
    const blocks = blocksOf(message.content);
    const text = stripReminders(
      blocks
        .filter(isText)
        .map((block) => block.text)
        .join("\n"),
    ).trim();
    if (message.role === "system") {
      if (text !== "") folded.push(text);
    } else if (message.role === "assistant") {
      const uses = blocks.filter(isToolUse).filter((use) => !isPreread(use.id));
      if (uses.length === 0 && text !== "") messages.push({ role: "assistant", content: text });
      for (const use of uses) {
        const record = state.calls.get(use.id);
        if (record) messages.push(...record.hiddenBefore, record.assistant);
        else messages.push({ role: "assistant", content: text, tool_calls: [reverseToolUse(use, paths)] });
      }
    } else {
      for (const result of blocks.filter(isToolResult)) {
        if (isPreread(result.tool_use_id)) continue;
        messages.push(toolMessage(result.tool_use_id, blocksText(result.content), result.is_error === true, request, state, paths));
      }
      if (text !== "") {
        messages.push({ role: "user", content: seenUserText ? text : renderInstanceTask(text) });
        seenUserText = true;
      }
    }
  }
  const system = [AGENT_SYSTEM_PROMPT, ...folded].join("\n\n");
  return { messages: [{ role: "system", content: system }, ...messages], paths };
}

function toolMessage(toolUseId: string, text: string, isError: boolean, request: MessagesRequest, state: ProxyState, paths: PathMap): ChatMessage {
  const record = state.calls.get(toolUseId);
  if (record) {
    if (record.observation === undefined) {
      record.observation = formatObservation(record.context, { text, isError }, paths);
      if (!isError) state.history.confirm(toolUseId);
    }
    return { role: "tool", tool_call_id: record.assistant.tool_calls?.[0]?.id ?? toolUseId, content: record.observation };
  }
  // A tool use from before this proxy started (or not the proxy's): format it by the tool's kind.
  const use = findToolUse(request, toolUseId);
  const kind: CallKind | undefined = use ? kindOfClientTool[use.name] : undefined;
  const filePath = typeof use?.input.file_path === "string" ? use.input.file_path : undefined;
  const context: CallContext | undefined = kind && { kind, shownPath: filePath && paths.toShown(filePath), realPath: filePath };
  if (context && use && kind === "str_replace" && typeof use.input.new_string === "string") context.snippet = snippetOnDisk(filePath, use.input.new_string);
  const content = context ? formatObservation(context, { text, isError }, paths) : paths.textToShown(stripReminders(text));
  return { role: "tool", tool_call_id: toolUseId, content };
}

/** Where an edit's new text sits in the file now: the best guess at its snippet without the proxy's record. */
function snippetOnDisk(realPath: string | undefined, newText: string): { first: number; last: number } | undefined {
  if (!realPath || newText === "") return undefined;
  try {
    const text = fs.readFileSync(realPath, "utf8");
    const offset = text.indexOf(newText);
    if (offset < 0) return undefined;
    const first = lineNumberAt(text, offset);
    return { first, last: first + (newText.replace(/\n$/, "").match(/\n/g)?.length ?? 0) };
  } catch {
    return undefined;
  }
}

const kindOfClientTool: Record<string, CallKind> = { Bash: "bash", Read: "view-file", Edit: "str_replace", Write: "create" };

function findToolUse(request: MessagesRequest, id: string): ToolUseBlock | undefined {
  for (const message of request.messages) {
    if (typeof message.content === "string") continue;
    for (const block of message.content) if (isToolUse(block) && block.id === id) return block;
  }
  return undefined;
}

/** A Claude Code tool use the proxy has no record of, written as the SERA call that would have produced it. */
export function reverseToolUse(use: ToolUseBlock, paths: PathMap): ChatToolCall {
  const input = use.input;
  const str = (key: string) => (typeof input[key] === "string" ? (input[key] as string) : "");
  const path = paths.toShown(str("file_path"));
  let name = "str_replace_editor";
  let args: Record<string, unknown>;
  switch (use.name) {
    case "Bash":
      name = "bash";
      args = { command: paths.textToShown(str("command")) };
      break;
    case "Read": {
      args = { command: "view", path };
      const offset = typeof input.offset === "number" ? input.offset : undefined;
      const limit = typeof input.limit === "number" ? input.limit : undefined;
      if (offset !== undefined || limit !== undefined) args.view_range = [offset ?? 1, limit === undefined ? -1 : (offset ?? 1) + limit - 1];
      break;
    }
    case "Edit":
      args = { command: "str_replace", path, old_str: str("old_string"), new_str: str("new_string") };
      break;
    case "Write":
      args = { command: "create", path, file_text: str("content") };
      break;
    default:
      name = use.name;
      args = input;
  }
  return { id: use.id, type: "function", function: { name, arguments: JSON.stringify(args) } };
}
