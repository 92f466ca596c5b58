import fs from "node:fs";
import { editorArgumentsSchema, lineNumberAt, occurrenceOffsets, splitLines, textAfterInsert, type EditorArguments } from "@sera/rollout";
import { replacementWindow } from "./edit-window.js";
import type { PathMap } from "./paths.js";

/** One tool call as the SERA model made it (OpenAI chat-completions shape). */
export interface SeraToolCall {
  id: string;
  name: string;
  argumentsText: string;
}

/** A Claude Code tool invocation the proxy asks for. */
export interface ClientToolUse {
  type: "tool_use";
  id: string;
  name: "Bash" | "Read" | "Edit" | "Write";
  input: Record<string, unknown>;
}

export type CallKind = "bash" | "view-file" | "view-directory" | "create" | "str_replace" | "insert" | "undo_edit";

/** What the observation needs to know about the call, fixed when the call was translated. */
export interface CallContext {
  kind: CallKind;
  shownPath?: string;
  realPath?: string;
  /** Lines the "edited" snippet shows, worked out on the file as it was before the edit. */
  snippet?: { first: number; last: number };
  /** Lines where old_str started in the file before a str_replace. */
  matchLines?: number[];
}

export type CallTranslation =
  | { kind: "client"; toolUses: ClientToolUse[]; context: CallContext }
  /** Answered by the proxy without Claude Code: a refusal the editor would give before touching anything. */
  | { kind: "local"; observation: string };

/**
 * Claude Code refuses to Edit or Write an existing file it has not Read in this conversation. The
 * model may have read it with `cat` or `sed`, so every edit is preceded by a one-line Read in the
 * same reply; these reads are the proxy's, so they are left out when the history goes back to the model.
 */
export const PREREAD_SUFFIX = "_sera_read";

export function clientToolId(callId: string): string {
  return `toolu_${callId.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

export function isPreread(toolUseId: string): boolean {
  return toolUseId.endsWith(PREREAD_SUFFIX);
}

/** File contents before each confirmed edit, per file, so `undo_edit` can step back. */
export class EditHistory {
  private readonly pending = new Map<string, { realPath: string; before: string }>();
  private readonly confirmed = new Map<string, string[]>();

  propose(toolUseId: string, realPath: string, before: string): void {
    this.pending.set(toolUseId, { realPath, before });
  }

  /** Called when Claude Code reports the edit as done. */
  confirm(toolUseId: string): void {
    const entry = this.pending.get(toolUseId);
    if (!entry) return;
    this.pending.delete(toolUseId);
    const stack = this.confirmed.get(entry.realPath) ?? [];
    stack.push(entry.before);
    this.confirmed.set(entry.realPath, stack);
  }

  takeLast(realPath: string): string | undefined {
    return this.confirmed.get(realPath)?.pop();
  }
}

function readText(realPath: string): string | undefined {
  try {
    const stat = fs.statSync(realPath);
    return stat.isFile() ? fs.readFileSync(realPath, "utf8") : undefined;
  } catch {
    return undefined;
  }
}

function isDirectory(realPath: string): boolean {
  try {
    return fs.statSync(realPath).isDirectory();
  } catch {
    return false;
  }
}

const shellWord = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** Non-hidden entries two levels deep, directories with a trailing slash: the editor's directory view. */
export function listingCommand(realDir: string): string {
  return `find ${shellWord(realDir)} -mindepth 1 -maxdepth 2 -name '.*' -prune -o \\( -type d -printf '%p/\\n' -o -printf '%p\\n' \\)`;
}

function parseArguments(call: SeraToolCall): Record<string, unknown> | string {
  try {
    const parsed: unknown = call.argumentsText.trim() === "" ? {} : JSON.parse(call.argumentsText);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    return `Error: the arguments of ${call.name} must be a JSON object.`;
  } catch {
    return `Error: the arguments of ${call.name} are not valid JSON: ${call.argumentsText.slice(0, 200)}`;
  }
}

/** SERA's `bash` and `str_replace_editor` as Claude Code tools. `submit` never gets here: it ends the turn. */
export function translateToolCall(call: SeraToolCall, paths: PathMap, history: EditHistory): CallTranslation {
  const args = parseArguments(call);
  if (typeof args === "string") return { kind: "local", observation: args };
  const id = clientToolId(call.id);
  if (call.name === "bash") {
    if (typeof args.command !== "string" || args.command.trim() === "") return { kind: "local", observation: "Error: bash needs a non-empty `command`." };
    return {
      kind: "client",
      toolUses: [{ type: "tool_use", id, name: "Bash", input: { command: paths.commandToReal(args.command) } }],
      context: { kind: "bash" },
    };
  }
  if (call.name !== "str_replace_editor") {
    return { kind: "local", observation: `Error: there is no tool named ${call.name}; the tools are bash, str_replace_editor and submit.` };
  }
  const parsed = editorArgumentsSchema.safeParse(args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: "local", observation: `Error: ${issue.path.join(".") || "arguments"}: ${issue.message}` };
  }
  return translateEditorCall(parsed.data, id, paths, history);
}

function translateEditorCall(args: EditorArguments, id: string, paths: PathMap, history: EditHistory): CallTranslation {
  const shownPath = args.path;
  const realPath = paths.toReal(shownPath);
  const base = { shownPath, realPath };
  const preread: ClientToolUse = { type: "tool_use", id: `${id}${PREREAD_SUFFIX}`, name: "Read", input: { file_path: realPath, limit: 1 } };
  const local = (observation: string): CallTranslation => ({ kind: "local", observation: `Error: ${observation}` });
  switch (args.command) {
    case "view": {
      if (isDirectory(realPath)) {
        if (args.view_range) return local(`view_range only applies to files, and ${shownPath} is a directory.`);
        return {
          kind: "client",
          toolUses: [{ type: "tool_use", id, name: "Bash", input: { command: listingCommand(realPath) } }],
          context: { kind: "view-directory", ...base },
        };
      }
      const input: Record<string, unknown> = { file_path: realPath };
      if (args.view_range) {
        const [start, end] = args.view_range;
        input.offset = start;
        if (end !== -1) input.limit = Math.max(1, end - start + 1);
      }
      return { kind: "client", toolUses: [{ type: "tool_use", id, name: "Read", input }], context: { kind: "view-file", ...base } };
    }
    case "create":
      if (args.file_text === undefined) return local("create needs file_text, the full content of the new file.");
      return {
        kind: "client",
        toolUses: [{ type: "tool_use", id, name: "Write", input: { file_path: realPath, content: args.file_text } }],
        context: { kind: "create", ...base },
      };
    case "str_replace": {
      if (args.old_str === undefined || args.old_str === "") return local("str_replace needs old_str: the exact, non-empty text to replace.");
      const text = readText(realPath);
      const edit: ClientToolUse = {
        type: "tool_use",
        id,
        name: "Edit",
        input: { file_path: realPath, old_string: args.old_str, new_string: args.new_str ?? "" },
      };
      if (text === undefined) return { kind: "client", toolUses: [edit], context: { kind: "str_replace", ...base } };
      const offsets = occurrenceOffsets(text, args.old_str);
      const context: CallContext = { kind: "str_replace", ...base, matchLines: offsets.map((offset) => lineNumberAt(text, offset)) };
      if (offsets.length === 1) {
        const newStr = args.new_str ?? "";
        const updated = text.slice(0, offsets[0]) + newStr + text.slice(offsets[0] + args.old_str.length);
        const first = lineNumberAt(updated, offsets[0]);
        context.snippet = { first, last: first + Math.max(0, newStr.replace(/\n$/, "").split("\n").length - 1) };
        history.propose(id, realPath, text);
      }
      return { kind: "client", toolUses: [preread, edit], context };
    }
    case "insert": {
      if (args.insert_line === undefined) return local("insert needs insert_line: the line after which to insert (0 for the top).");
      if (args.new_str === undefined) return local("insert needs new_str: the text to insert.");
      const text = readText(realPath);
      if (text === undefined) return local(`${shownPath} does not exist. Use create to make a new file.`);
      const lineCount = splitLines(text).length;
      if (args.insert_line < 0 || args.insert_line > lineCount) {
        return local(`insert_line must be between 0 and ${lineCount} (the number of lines in ${shownPath}); got ${args.insert_line}.`);
      }
      const updated = textAfterInsert(text, args.insert_line, args.new_str);
      const snippet = { first: args.insert_line + 1, last: args.insert_line + Math.max(1, splitLines(args.new_str).length) };
      history.propose(id, realPath, text);
      return { kind: "client", toolUses: [preread, rewrite(id, realPath, text, updated)], context: { kind: "insert", ...base, snippet } };
    }
    case "undo_edit": {
      const previous = history.takeLast(realPath);
      const current = readText(realPath);
      if (previous === undefined || current === undefined) return local(`There is no earlier edit of ${shownPath} to undo.`);
      return { kind: "client", toolUses: [preread, rewrite(id, realPath, current, previous)], context: { kind: "undo_edit", ...base } };
    }
  }
}

/** An Edit covering the change from `before` to `after`, or a Write when no replacement can express it. */
function rewrite(id: string, realPath: string, before: string, after: string): ClientToolUse {
  const window = replacementWindow(before, after);
  if (!window) return { type: "tool_use", id, name: "Write", input: { file_path: realPath, content: after } };
  return { type: "tool_use", id, name: "Edit", input: { file_path: realPath, old_string: window.oldString, new_string: window.newString } };
}
