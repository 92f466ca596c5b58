import fs from "node:fs";
import {
  alreadyExistsMessage,
  ambiguousMatchMessage,
  createdMessage,
  directoryViewHeader,
  editedMessage,
  NO_OUTPUT_NOTE,
  notVerbatimMessage,
  numberLines,
  splitLines,
  undoneMessage,
  viewHeader,
} from "@sera/rollout";
import { stripReminders } from "./anthropic.js";
import type { PathMap } from "./paths.js";
import type { CallContext } from "./tool-calls.js";

/** What Claude Code sent back for one tool use. */
export interface ClientToolResult {
  text: string;
  isError: boolean;
}

/**
 * Claude Code's tool results in the form the SERA model saw during training (SWE-agent's
 * observations as generation's tools write them): `cat -n` numbering, "Edited … with a snippet",
 * the editor's refusal texts, bash output without Claude Code's exit-code line, /testbed paths.
 */
export function formatObservation(context: CallContext, result: ClientToolResult, paths: PathMap): string {
  const text = stripReminders(result.text).replace(/\s+$/, "");
  const notice = stripReminders(result.text) === "" ? result.text : "";
  const shown = context.shownPath ?? "";
  const readDisk = () => readOrUndefined(context.realPath);
  switch (context.kind) {
    case "bash":
      return bashObservation(text, result.isError, paths);
    case "view-directory": {
      if (result.isError) return genericError(text, paths);
      const entries = directoryOrder(
        splitLines(text)
          .filter((line) => line !== "")
          .map((line) => paths.toShown(line.replace(/\/$/, "")) + (line.endsWith("/") ? "/" : "")),
      );
      return `${directoryViewHeader(shown)}\n${entries.length === 0 ? "(empty)" : entries.join("\n")}`;
    }
    case "view-file":
      return viewObservation(shown, text, notice, result.isError, readDisk(), paths);
    case "create":
      if (result.isError && /has not been read yet/i.test(text)) return `Error: ${alreadyExistsMessage(shown)}`;
      if (result.isError) return genericError(text, paths);
      return createdMessage(shown, readDisk() ?? "");
    case "str_replace":
    case "insert": {
      if (result.isError) return editError(context, text, paths);
      const updated = readDisk() ?? "";
      const snippet = context.snippet ?? { first: 1, last: 1 };
      return editedMessage(shown, updated, snippet.first, snippet.last);
    }
    case "undo_edit":
      if (result.isError) return genericError(text, paths);
      return undoneMessage(shown, readDisk() ?? "");
  }
}

function readOrUndefined(realPath: string | undefined): string | undefined {
  if (!realPath) return undefined;
  try {
    return fs.readFileSync(realPath, "utf8");
  } catch {
    return undefined;
  }
}

function genericError(text: string, paths: PathMap): string {
  const body = paths.textToShown(text.replace(/^<tool_use_error>|<\/tool_use_error>$/g, "").trim());
  return `Error: ${body}`;
}

function bashObservation(text: string, isError: boolean, paths: PathMap): string {
  let output = text;
  // Claude Code leads a failed command's output with "Exit code N"; generation's bash tool shows only the output.
  if (isError) output = output.replace(/^Exit code -?\d+\n?/, "");
  if (output === "" || /^\(Bash completed with no output\)$/.test(output)) return NO_OUTPUT_NOTE;
  return paths.textToShown(output);
}

/** Read answers `N→line` (or `N\tline`, by version); the editor shows `cat -n` numbering and a header. */
const numberedLine = /^\s*(\d+)(?:\u2192|\t)(.*)$/;

function viewObservation(shown: string, text: string, notice: string, isError: boolean, disk: string | undefined, paths: PathMap): string {
  if (isError) {
    if (/does not exist/i.test(text)) return `Error: ${shown} does not exist.`;
    return genericError(text, paths);
  }
  const total = disk === undefined ? undefined : splitLines(disk).length;
  if (total === 0 || /empty contents/i.test(notice)) return viewHeader(shown, 0, 0, 0);
  const shorter = /shorter than the provided offset \((\d+)\)/.exec(notice);
  if (shorter) return `Error: view_range starts at ${shorter[1]}, but ${shown} has lines 1 to ${total ?? "?"}.`;
  const lines: string[] = [];
  let first: number | undefined;
  for (const line of text.split("\n")) {
    const match = numberedLine.exec(line);
    if (!match) continue;
    first ??= Number(match[1]);
    lines.push(match[2]);
  }
  if (first === undefined) return genericError(text, paths);
  const last = first + lines.length - 1;
  return `${viewHeader(shown, first, last, total ?? last)}\n${numberLines(lines, first)}`;
}

function editError(context: CallContext, text: string, paths: PathMap): string {
  const shown = context.shownPath ?? "";
  if (/String to replace not found/i.test(text)) return `Error: ${notVerbatimMessage(shown)}`;
  if (/Found \d+ matches of the string to replace/i.test(text)) {
    const count = Number(/Found (\d+) matches/.exec(text)?.[1] ?? 2);
    const lines = context.matchLines && context.matchLines.length === count ? context.matchLines : Array.from({ length: count }, () => 0);
    return `Error: ${ambiguousMatchMessage(shown, lines)}`;
  }
  if (/File does not exist/i.test(text)) return `Error: ${shown} does not exist. Use create to make a new file.`;
  return genericError(text, paths);
}

/** The order of the editor's two-level listing: each directory's entries sorted, children right after their parent. */
function directoryOrder(entries: string[]): string[] {
  const key = (entry: string) => entry.replace(/\/$/, "").split("/");
  return [...entries].sort((a, b) => {
    const left = key(a);
    const right = key(b);
    for (let i = 0; i < Math.min(left.length, right.length); i++) {
      if (left[i] !== right[i]) return left[i] < right[i] ? -1 : 1;
    }
    return left.length - right.length;
  });
}
