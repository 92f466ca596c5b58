import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { elideMiddle } from "../sandbox/output-capture.js";
import type { Sandbox } from "../sandbox/sandbox.js";
import {
  alreadyExistsMessage,
  ambiguousMatchMessage,
  createdMessage,
  directoryViewHeader,
  editedMessage,
  lineNumberAt,
  listDirectoryTwoLevels,
  looksBinary,
  numberLines,
  occurrenceOffsets,
  notVerbatimMessage,
  splitLines,
  textAfterInsert,
  undoneMessage,
  viewHeader,
} from "./editor-text.js";
import { formatBytes, readHead, readLineWindow, WHOLE_FILE_BYTES, WINDOW_SCAN_BYTES } from "./large-file.js";

export const DEFAULT_EDITOR_MAX_OUTPUT_CHARS = 16_000;
export const EDITOR_COMMANDS = ["view", "create", "str_replace", "insert", "undo_edit"] as const;

/** Models sometimes send numbers as strings or a range as a JSON string; accept both. */
const lenientInteger = z
  .union([
    z.number(),
    z
      .string()
      .trim()
      .regex(/^-?\d+$/)
      .transform(Number),
  ])
  .pipe(z.number().int());
const lenientRange = z
  .union([
    z.array(z.unknown()),
    z.string().transform((text, context) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        context.addIssue({ code: "custom", message: "view_range must be a list of two integers" });
        return z.NEVER;
      }
    }),
  ])
  .pipe(z.tuple([lenientInteger, lenientInteger]));

const requiredText = (what: string) => z.string({ error: (issue) => (issue.input === undefined ? `missing; give ${what}` : "must be a string") });

export const editorArgumentsSchema = z.object({
  command: z.enum(EDITOR_COMMANDS, { error: () => `must be one of ${EDITOR_COMMANDS.join(", ")}` }),
  path: requiredText("the absolute path, e.g. /testbed/src/file.py").min(1),
  file_text: z.string().optional(),
  old_str: z.string().optional(),
  new_str: z.string().optional(),
  insert_line: lenientInteger.optional(),
  view_range: lenientRange.optional(),
});
export type EditorArguments = z.infer<typeof editorArgumentsSchema>;

class EditorRefusal extends Error {}

/**
 * The str_replace_editor tool: views and edits files of the sandbox copy from
 * the host side, addressed by their `/testbed/...` paths. Keeps per-file
 * history so `undo_edit` can step back through its own edits. Every outcome,
 * failures included, is returned as text for the model.
 */
export class FileEditor {
  private readonly sandbox: Sandbox;
  private readonly maxOutputChars: number;
  /** Previous contents per host path; null means the file did not exist. */
  private readonly history = new Map<string, Array<string | null>>();

  constructor(sandbox: Sandbox, options: { maxOutputChars?: number } = {}) {
    this.sandbox = sandbox;
    this.maxOutputChars = options.maxOutputChars ?? DEFAULT_EDITOR_MAX_OUTPUT_CHARS;
  }

  run(args: EditorArguments): string {
    try {
      const hostPath = this.sandbox.toHostPath(args.path);
      const text = this.dispatch(args, hostPath);
      return elideMiddle(text, this.maxOutputChars);
    } catch (error) {
      // System errors name host paths; the agent only knows the sandbox ones.
      const message = (error as Error).message.replaceAll(this.sandbox.hostPath, this.sandbox.workdir);
      return `Error: ${message}`;
    }
  }

  private dispatch(args: EditorArguments, hostPath: string): string {
    switch (args.command) {
      case "view":
        return this.view(args, hostPath);
      case "create":
        return this.create(args, hostPath);
      case "str_replace":
        return this.replace(args, hostPath);
      case "insert":
        return this.insert(args, hostPath);
      case "undo_edit":
        return this.undo(args, hostPath);
    }
  }

  private view(args: EditorArguments, hostPath: string): string {
    const stat = statOrUndefined(hostPath);
    if (!stat) throw new EditorRefusal(`${args.path} does not exist.`);
    if (stat.isDirectory()) {
      if (args.view_range) throw new EditorRefusal(`view_range only applies to files, and ${args.path} is a directory.`);
      const entries = listDirectoryTwoLevels(hostPath, args.path.replace(/\/+$/, "") || "/");
      const body = entries.length === 0 ? "(empty)" : entries.join("\n");
      return `${directoryViewHeader(args.path)}\n${body}`;
    }
    if (!stat.isFile()) throw new EditorRefusal(`${args.path} is neither a regular file nor a directory.`);
    if (stat.size > WHOLE_FILE_BYTES) return this.viewLarge(args, hostPath, stat.size);
    const text = readTextFile(hostPath, args.path);
    const lines = splitLines(text);
    let first = 1;
    let last = lines.length;
    if (args.view_range) {
      const [start, end] = args.view_range;
      if (lines.length === 0) throw new EditorRefusal(`${args.path} is empty, so there is no line range to show.`);
      if (start < 1 || start > lines.length) {
        throw new EditorRefusal(`view_range starts at ${start}, but ${args.path} has lines 1 to ${lines.length}.`);
      }
      if (end !== -1 && end < start) {
        throw new EditorRefusal(`view_range [${start}, ${end}] ends before it starts; use -1 as the end to read to the last line.`);
      }
      first = start;
      last = end === -1 ? lines.length : Math.min(end, lines.length);
    }
    const numbered = numberLines(lines.slice(first - 1, last), first);
    const header = viewHeader(args.path, first, last, lines.length);
    const shown = `${header}\n${numbered}`;
    if (shown.length <= this.maxOutputChars) return shown;
    return `(Too long to show in full; the middle is left out. Use view_range to read a part.)\n${shown}`;
  }

  /** A window of a file too large to read whole: its line count stays unknown, and the model is pointed at bash. */
  private viewLarge(args: EditorArguments, hostPath: string, size: number): string {
    if (looksBinary(readHead(hostPath, 8192))) throw new EditorRefusal(binaryMessage(args.path));
    const [start, end] = args.view_range ?? [1, -1];
    if (start < 1) throw new EditorRefusal(`view_range starts at ${start}, but lines are numbered from 1.`);
    if (end !== -1 && end < start) {
      throw new EditorRefusal(`view_range [${start}, ${end}] ends before it starts; use -1 as the end to read to the last line.`);
    }
    // The budget leaves room for the header, and each line's number and tab come out of it too.
    const window = readLineWindow(hostPath, start, end, this.maxOutputChars - 400, { lineOverhead: 8 });
    if (window.beyondScan) {
      throw new EditorRefusal(
        `${args.path} is ${formatBytes(size)}, and line ${start} lies beyond its first ${formatBytes(WINDOW_SCAN_BYTES)}, ` +
          `which is as far as str_replace_editor reads. Use bash instead, e.g. sed -n '${start},${start + 40}p' ${args.path}`,
      );
    }
    if (window.lines.length === 0) {
      throw new EditorRefusal(`view_range starts at ${start}, but ${args.path} has lines 1 to ${window.totalLines ?? 0}.`);
    }
    const lastShown = start + window.lines.length - 1;
    const ofTotal = window.totalLines === undefined ? "" : ` of ${window.totalLines}`;
    return (
      `${args.path} is a large file (${formatBytes(size)}); showing lines ${start}-${lastShown}${ofTotal}. ` +
      `Use view_range for other parts, or grep -n / sed -n through bash to search it:\n${numberLines(window.lines, start)}`
    );
  }

  private create(args: EditorArguments, hostPath: string): string {
    if (args.file_text === undefined) throw new EditorRefusal("create needs file_text, the full content of the new file.");
    if (lstatOrUndefined(hostPath)) {
      throw new EditorRefusal(alreadyExistsMessage(args.path));
    }
    const firstNewDir = fs.mkdirSync(path.dirname(hostPath), { recursive: true });
    fs.writeFileSync(hostPath, args.file_text, { flag: "wx" });
    this.handOver(hostPath, firstNewDir);
    this.remember(hostPath, null);
    return createdMessage(args.path, args.file_text);
  }

  private replace(args: EditorArguments, hostPath: string): string {
    if (args.old_str === undefined || args.old_str === "") {
      throw new EditorRefusal("str_replace needs old_str: the exact, non-empty text to replace.");
    }
    const text = readEditableFile(hostPath, args.path);
    const offsets = occurrenceOffsets(text, args.old_str);
    if (offsets.length === 0) {
      throw new EditorRefusal(notVerbatimMessage(args.path));
    }
    if (offsets.length > 1) {
      throw new EditorRefusal(
        ambiguousMatchMessage(
          args.path,
          offsets.map((offset) => lineNumberAt(text, offset)),
        ),
      );
    }
    const newStr = args.new_str ?? "";
    const offset = offsets[0];
    const updated = text.slice(0, offset) + newStr + text.slice(offset + args.old_str.length);
    this.write(hostPath, text, updated);
    const firstLine = lineNumberAt(updated, offset);
    const lastLine = firstLine + Math.max(0, countNewlines(newStr.replace(/\n$/, "")));
    return editedMessage(args.path, updated, firstLine, lastLine);
  }

  private insert(args: EditorArguments, hostPath: string): string {
    if (args.insert_line === undefined) throw new EditorRefusal("insert needs insert_line: the line after which to insert (0 for the top).");
    if (args.new_str === undefined) throw new EditorRefusal("insert needs new_str: the text to insert.");
    const text = readEditableFile(hostPath, args.path);
    const lineCount = splitLines(text).length;
    if (args.insert_line < 0 || args.insert_line > lineCount) {
      throw new EditorRefusal(`insert_line must be between 0 and ${lineCount} (the number of lines in ${args.path}); got ${args.insert_line}.`);
    }
    const updated = textAfterInsert(text, args.insert_line, args.new_str);
    this.write(hostPath, text, updated);
    const insertedLines = Math.max(1, splitLines(args.new_str).length);
    return editedMessage(args.path, updated, args.insert_line + 1, args.insert_line + insertedLines);
  }

  private undo(args: EditorArguments, hostPath: string): string {
    const previous = this.history.get(hostPath);
    if (!previous || previous.length === 0) throw new EditorRefusal(`There is no earlier edit of ${args.path} to undo.`);
    const content = previous.pop() as string | null;
    if (content === null) {
      fs.rmSync(hostPath, { force: true });
      return `Undid the creation of ${args.path}; the file is gone again.`;
    }
    fs.writeFileSync(hostPath, content);
    this.handOver(hostPath);
    return undoneMessage(args.path, content);
  }

  private write(hostPath: string, before: string, after: string): void {
    fs.writeFileSync(hostPath, after);
    this.handOver(hostPath);
    this.remember(hostPath, before);
  }

  /**
   * Under root, sandboxed commands run as the sandbox's own uid: a file (and any
   * directories) the editor makes from the host must belong to it, or the agent
   * could not change them with its next command.
   */
  private handOver(hostPath: string, firstNewDir?: string): void {
    const user = this.sandbox.commandUser;
    if (user === undefined) return;
    if (firstNewDir !== undefined) {
      const chain = path
        .relative(firstNewDir, path.dirname(hostPath))
        .split(path.sep)
        .filter((part) => part !== "");
      for (let depth = 0; depth <= chain.length; depth += 1) {
        fs.lchownSync(path.join(firstNewDir, ...chain.slice(0, depth)), user.uid, user.gid);
      }
    }
    fs.lchownSync(hostPath, user.uid, user.gid);
  }

  private remember(hostPath: string, previous: string | null): void {
    const stack = this.history.get(hostPath) ?? [];
    stack.push(previous);
    this.history.set(hostPath, stack);
  }
}

function countNewlines(text: string): number {
  let count = 0;
  for (const char of text) if (char === "\n") count += 1;
  return count;
}

function statOrUndefined(hostPath: string): fs.Stats | undefined {
  try {
    return fs.statSync(hostPath);
  } catch {
    return undefined;
  }
}

function lstatOrUndefined(hostPath: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(hostPath);
  } catch {
    return undefined;
  }
}

function binaryMessage(shownPath: string): string {
  return `${shownPath} looks like a binary file; it cannot be shown or edited here.`;
}

/** Whole-file reads are for files up to WHOLE_FILE_BYTES; callers check the size first, and this checks again. */
function readTextFile(hostPath: string, shownPath: string): string {
  const content = readHead(hostPath, WHOLE_FILE_BYTES + 1);
  if (content.length > WHOLE_FILE_BYTES) throw new EditorRefusal(tooLargeToEditMessage(shownPath, `over ${formatBytes(WHOLE_FILE_BYTES)}`));
  if (looksBinary(content)) throw new EditorRefusal(binaryMessage(shownPath));
  return content.toString("utf8");
}

function tooLargeToEditMessage(shownPath: string, size: string): string {
  return (
    `${shownPath} is ${size}, too large for str_replace_editor to edit ` +
    `(it edits files up to ${formatBytes(WHOLE_FILE_BYTES)}). Change it through bash instead, e.g. with sed -i or a short script.`
  );
}

function readEditableFile(hostPath: string, shownPath: string): string {
  const stat = statOrUndefined(hostPath);
  if (!stat) throw new EditorRefusal(`${shownPath} does not exist. Use create to make a new file.`);
  if (!stat.isFile()) throw new EditorRefusal(`${shownPath} is not a regular file.`);
  if (stat.size > WHOLE_FILE_BYTES) throw new EditorRefusal(tooLargeToEditMessage(shownPath, formatBytes(stat.size)));
  return readTextFile(hostPath, shownPath);
}
