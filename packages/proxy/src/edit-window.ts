import { occurrenceOffsets } from "@sera/rollout";

/**
 * Claude Code's Edit tool only replaces text: it has no "insert after line N" and no undo. The
 * proxy expresses those editor commands as a replacement of the smallest run of whole lines that
 * covers the change and occurs exactly once in the file, which Edit accepts.
 */
export interface ReplacementWindow {
  oldString: string;
  newString: string;
}

function lineStart(text: string, offset: number): number {
  return offset <= 0 ? 0 : text.lastIndexOf("\n", offset - 1) + 1;
}

function lineEnd(text: string, offset: number): number {
  const newline = text.indexOf("\n", offset);
  return newline === -1 ? text.length : newline + 1;
}

/** The replacement turning `before` into `after`; undefined when they are equal or `before` is empty. */
export function replacementWindow(before: string, after: string): ReplacementWindow | undefined {
  if (before === after || before === "") return undefined;
  let prefix = 0;
  const shorter = Math.min(before.length, after.length);
  while (prefix < shorter && before[prefix] === after[prefix]) prefix++;
  let suffix = 0;
  while (suffix < shorter - prefix && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) suffix++;
  let start = lineStart(before, prefix);
  let end = lineEnd(before, Math.max(start, before.length - suffix));
  const unique = () => end > start && occurrenceOffsets(before, before.slice(start, end)).length === 1;
  while (!unique() && (start > 0 || end < before.length)) {
    start = lineStart(before, start - 1);
    end = lineEnd(before, end);
  }
  // The same run of lines in `after`: what precedes `start` and follows `end` is unchanged.
  const tail = before.length - end;
  return { oldString: before.slice(start, end), newString: after.slice(start, after.length - tail) };
}
