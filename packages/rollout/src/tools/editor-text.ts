import fs from "node:fs";
import path from "node:path";

/** Lines of ± this many around an edit are echoed back. */
export const SNIPPET_CONTEXT_LINES = 4;

/**
 * Splits file text into lines without their terminators. A trailing newline
 * ends the last line rather than starting an empty one, so "a\nb\n" has two
 * lines, like `cat -n` would show.
 */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (text.endsWith("\n")) lines.pop();
  return lines;
}

/** `cat -n` layout: right-aligned 6-wide line number, a tab, the line. */
export function numberLines(lines: readonly string[], firstLineNumber: number): string {
  return lines.map((line, index) => `${String(firstLineNumber + index).padStart(6)}\t${line}`).join("\n");
}

/** 1-based line number of the character at `offset`. */
export function lineNumberAt(text: string, offset: number): number {
  let line = 1;
  for (let index = text.indexOf("\n"); index !== -1 && index < offset; index = text.indexOf("\n", index + 1)) line += 1;
  return line;
}

/** Every start offset of `needle` in `text`, overlapping matches included. */
export function occurrenceOffsets(text: string, needle: string): number[] {
  const offsets: number[] = [];
  for (let index = text.indexOf(needle); index !== -1; index = text.indexOf(needle, index + 1)) offsets.push(index);
  return offsets;
}

/** Numbered lines from `firstChanged - 4` to `lastChanged + 4` (1-based, clamped to the file). */
export function snippetAround(text: string, firstChanged: number, lastChanged: number): string {
  const lines = splitLines(text);
  const start = Math.max(1, firstChanged - SNIPPET_CONTEXT_LINES);
  const end = Math.min(lines.length, Math.max(lastChanged, firstChanged) + SNIPPET_CONTEXT_LINES);
  if (end < start) return "(the file is now empty)";
  return numberLines(lines.slice(start - 1, end), start);
}

/** Text looks binary when it has NUL characters; such files are neither shown nor edited. */
export function looksBinary(content: Buffer): boolean {
  return content.subarray(0, 8192).includes(0);
}

/**
 * Non-hidden entries up to two levels below `hostDir`, shown with their
 * sandbox paths, directories marked with a trailing slash, sorted.
 */
export function listDirectoryTwoLevels(hostDir: string, shownDir: string): string[] {
  const shown: string[] = [];
  const visit = (hostPath: string, shownPath: string, depth: number): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(hostPath, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const childShown = path.posix.join(shownPath, entry.name);
      shown.push(entry.isDirectory() ? `${childShown}/` : childShown);
      if (entry.isDirectory() && depth < 2) visit(path.join(hostPath, entry.name), childShown, depth + 1);
    }
  };
  visit(hostDir, shownDir, 1);
  return shown;
}

/*
 * The observation texts the editor answers with. Training data holds exactly these strings, so
 * anything that shows a SERA model an editor result (the Claude Code proxy included) builds them here.
 */

/** Header of a file view: the shown line range and the file's length. */
export function viewHeader(shownPath: string, first: number, last: number, total: number): string {
  return total === 0 ? `${shownPath} is empty.` : `${shownPath}, lines ${first}-${last} of ${total}:`;
}

/** Title line of a directory view. */
export function directoryViewHeader(shownPath: string): string {
  return `Files and directories in ${shownPath}, two levels deep, hidden entries left out:`;
}

export function notVerbatimMessage(shownPath: string): string {
  return `No change made: old_str does not appear verbatim in ${shownPath}. Check whitespace and indentation, or view the file first.`;
}

export function ambiguousMatchMessage(shownPath: string, lineNumbers: readonly number[]): string {
  return (
    `No change made: old_str appears ${lineNumbers.length} times in ${shownPath} (starting on lines ${lineNumbers.join(", ")}). ` +
    `Include more surrounding lines so it matches exactly once.`
  );
}

export function editedMessage(shownPath: string, updated: string, firstLine: number, lastLine: number): string {
  return (
    `Edited ${shownPath}. The changed region with ${SNIPPET_CONTEXT_LINES} lines of context:\n` +
    `${snippetAround(updated, firstLine, lastLine)}\n` +
    `Check that this is what you meant; edit again or use undo_edit if not.`
  );
}

export function createdMessage(shownPath: string, fileText: string): string {
  return `Created ${shownPath} (${splitLines(fileText).length} lines).`;
}

export function alreadyExistsMessage(shownPath: string): string {
  return `${shownPath} already exists; create only makes new files. Use str_replace or insert to change it.`;
}

export function undoneMessage(shownPath: string, restored: string): string {
  return `Undid the last edit of ${shownPath}. It now reads:\n${numberLines(splitLines(restored), 1)}`;
}

/** The file text after `insert`: `newStr` goes after line `insertLine` (0 = top), as whole lines. */
export function textAfterInsert(text: string, insertLine: number, newStr: string): string {
  let offset = 0;
  for (let line = 0; line < insertLine; line += 1) {
    const newline = text.indexOf("\n", offset);
    offset = newline === -1 ? text.length : newline + 1;
  }
  let block = newStr.endsWith("\n") ? newStr : `${newStr}\n`;
  // Appending after a last line that has no newline: end that line first.
  if (offset === text.length && text !== "" && !text.endsWith("\n")) block = `\n${newStr}`;
  return text.slice(0, offset) + block + text.slice(offset);
}
