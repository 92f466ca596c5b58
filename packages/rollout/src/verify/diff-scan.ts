/**
 * Walks a unified diff (as produced by `git diff`) and reports every changed `+`/`-` line with
 * the file it belongs to. Two readings are supported:
 *
 * - "header-aware": file headers are only recognised between hunks; inside a hunk exactly the
 *   line counts declared by `@@ -a,b +c,d @@` are consumed, so a removed line `---x` or an added
 *   line `+++i` is content, not a header.
 * - "legacy": the reference's prefix filter — any line starting with `diff`, `---`, `+++` or `@@`
 *   is a header wherever it appears — over Python's line breaks (`\r`, `\x0b`, U+2028, …) and
 *   Python's whitespace. Kept so numbers can be compared with published ones.
 */

import { blankAfterSign, PYTHON_LINE_BREAK, pythonBlankAfterSign } from "./countable-lines.js";

export type DiffParseMode = "header-aware" | "legacy";

/** One `+` or `-` line of a patch. `text` keeps the sign and every whitespace character. */
export interface ScannedLine {
  text: string;
  sign: "+" | "-";
  /** Path inside the repository (new side, or old side for deletions); null when the patch has no file headers. */
  file: string | null;
  /** True when the content after the sign is empty once trimmed. */
  blank: boolean;
}

export interface ScannedFile {
  path: string;
  /** The patch creates this file (`new file mode` or `--- /dev/null`). */
  isNew: boolean;
  isDeleted: boolean;
}

export interface DiffScan {
  lines: ScannedLine[];
  files: ScannedFile[];
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** Undo git's C-style quoting of unusual path names (`"a/caf\303\251.py"`). */
function unquoteGitPath(raw: string): string {
  if (!(raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"'))) return raw;
  const bytes: number[] = [];
  const body = raw.slice(1, -1);
  const simpleEscapes: Record<string, number> = { n: 10, t: 9, r: 13, b: 8, f: 12, v: 11, a: 7, '"': 34, "\\": 92 };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== "\\" || i + 1 >= body.length) {
      bytes.push(...Buffer.from(ch, "utf8"));
      continue;
    }
    const next = body[i + 1];
    const octal = /^[0-7]{3}/.exec(body.slice(i + 1, i + 4));
    if (octal) {
      bytes.push(parseInt(octal[0], 8));
      i += 3;
    } else {
      bytes.push(simpleEscapes[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** Path from a `---`/`+++` header: drop a trailing tab-separated timestamp and the `a/`/`b/` prefix. */
function headerPath(rest: string, prefix: "a/" | "b/"): string | null {
  const withoutStamp = rest.startsWith('"') ? rest.trimEnd() : rest.split("\t")[0].trimEnd();
  const unquoted = unquoteGitPath(withoutStamp);
  if (unquoted === "/dev/null") return null;
  return unquoted.startsWith(prefix) ? unquoted.slice(prefix.length) : unquoted;
}

/** Best guess of the new-side path from `diff --git a/X b/Y` (ambiguous when paths hold spaces). */
function pathFromDiffGit(rest: string): string | null {
  const quoted = /^(?:"(?:[^"\\]|\\.)*"|\S+) ("(?:[^"\\]|\\.)*")$/.exec(rest);
  if (quoted) return headerPath(quoted[1], "b/");
  // Unrenamed files: "a/P b/P" has both halves the same length.
  const half = (rest.length - 1) / 2;
  if (Number.isInteger(half) && rest.slice(0, half).slice(2) === rest.slice(half + 1).slice(2)) {
    return headerPath(rest.slice(half + 1), "b/");
  }
  const split = rest.lastIndexOf(" b/");
  return split >= 0 ? rest.slice(split + 3) : null;
}

/** Mutable bookkeeping for the file whose headers are being read. */
interface FileState {
  diffGitPath: string | null;
  oldPath: string | null;
  newPath: string | null;
  renameTo: string | null;
  isNew: boolean;
  isDeleted: boolean;
  /** Once a hunk of this file started, `---`/`+++` lines can no longer be its headers (legacy mode). */
  sawHunk: boolean;
}

function emptyFileState(): FileState {
  return { diffGitPath: null, oldPath: null, newPath: null, renameTo: null, isNew: false, isDeleted: false, sawHunk: false };
}

function currentPath(state: FileState): string | null {
  return state.newPath ?? state.renameTo ?? state.oldPath ?? state.diffGitPath;
}

/** Interprets a line that sits outside any hunk as a file header, updating `state`. */
function readHeaderLine(line: string, state: FileState): "new-file-section" | "header" | "other" {
  if (line.startsWith("diff ")) return "new-file-section";
  if (line.startsWith("--- ")) {
    const raw = line.slice(4);
    const path = headerPath(raw, "a/");
    state.oldPath = path;
    if (path === null) state.isNew = true;
    return "header";
  }
  if (line.startsWith("+++ ")) {
    const path = headerPath(line.slice(4), "b/");
    state.newPath = path;
    if (path === null) state.isDeleted = true;
    return "header";
  }
  if (line.startsWith("new file mode")) {
    state.isNew = true;
    return "header";
  }
  if (line.startsWith("deleted file mode")) {
    state.isDeleted = true;
    return "header";
  }
  if (line.startsWith("rename to ")) {
    state.renameTo = unquoteGitPath(line.slice("rename to ".length));
    return "header";
  }
  return "other";
}

/** Collects scanned lines and per-file records while a patch is walked. */
class ScanCollector {
  readonly lines: ScannedLine[] = [];
  readonly files: ScannedFile[] = [];
  private state: FileState = emptyFileState();
  private record: ScannedFile | null = null;

  /**
   * @param dashHeaderStartsFile whether a `---` line after a hunk opens the next file. True only
   *   when the caller knows the line is outside a hunk; the legacy prefix filter cannot tell a
   *   removed `--x` content line from a header, so there it must not move the attribution.
   */
  private readonly dashHeaderStartsFile: boolean;
  private readonly isBlank: (line: string) => boolean;

  constructor(dashHeaderStartsFile: boolean, isBlank: (line: string) => boolean) {
    this.dashHeaderStartsFile = dashHeaderStartsFile;
    this.isBlank = isBlank;
  }

  startFileSection(diffLine: string | null): void {
    this.state = emptyFileState();
    this.record = null;
    if (diffLine !== null && diffLine.startsWith("diff --git ")) {
      this.state.diffGitPath = pathFromDiffGit(diffLine.slice("diff --git ".length));
    }
  }

  header(line: string): "new-file-section" | "header" | "other" {
    if (this.state.sawHunk && (line.startsWith("--- ") || line.startsWith("+++ "))) {
      // Concatenated plain `diff -u` output has no `diff` lines: a later `---` header starts the next file.
      if (!this.dashHeaderStartsFile || line.startsWith("+++ ")) return "header";
      this.startFileSection(null);
    }
    return readHeaderLine(line, this.state);
  }

  enterHunk(): void {
    this.state.sawHunk = true;
  }

  add(text: string): void {
    const file = this.fileRecord();
    this.lines.push({
      text,
      sign: text[0] === "+" ? "+" : "-",
      file: file?.path ?? null,
      blank: this.isBlank(text),
    });
  }

  /** Registers the current file once its first hunk line is seen (headers are complete by then). */
  fileRecord(): ScannedFile | null {
    if (this.record) return this.record;
    const path = currentPath(this.state);
    if (path === null) return null;
    this.record = { path, isNew: this.state.isNew, isDeleted: this.state.isDeleted };
    this.files.push(this.record);
    return this.record;
  }
}

function splitLines(patch: string): string[] {
  const lines = patch.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function scanHeaderAware(patch: string): DiffScan {
  const out = new ScanCollector(true, blankAfterSign);
  let oldLeft = 0;
  let newLeft = 0;
  const inHunk = () => oldLeft > 0 || newLeft > 0;

  for (const line of splitLines(patch)) {
    if (inHunk()) {
      const first = line[0];
      if (first === "\\") continue; // "\ No newline at end of file" consumes nothing
      if (line === "" || first === " ") {
        // Some tools strip the single space of a blank context line, leaving it empty.
        if (oldLeft > 0 && newLeft > 0) {
          oldLeft--;
          newLeft--;
          continue;
        }
      } else if (first === "-" && oldLeft > 0) {
        oldLeft--;
        out.add(line);
        continue;
      } else if (first === "+" && newLeft > 0) {
        newLeft--;
        out.add(line);
        continue;
      }
      // The hunk declared more lines than it holds: treat it as closed and re-read this line.
      oldLeft = 0;
      newLeft = 0;
    }

    const hunk = HUNK_HEADER.exec(line);
    if (hunk) {
      oldLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
      newLeft = hunk[4] === undefined ? 1 : Number(hunk[4]);
      out.enterHunk();
      out.fileRecord();
      continue;
    }
    if (out.header(line) === "new-file-section") out.startFileSection(line);
  }
  return { lines: out.lines, files: out.files };
}

function scanLegacy(patch: string): DiffScan {
  // The reference splits with Python's str.splitlines() and tests blanks with str.strip().
  const out = new ScanCollector(false, pythonBlankAfterSign);
  for (const line of patch.split(PYTHON_LINE_BREAK)) {
    if (line.startsWith("diff")) {
      if (line.startsWith("diff ")) out.startFileSection(line);
      continue;
    }
    if (line.startsWith("---") || line.startsWith("+++")) {
      out.header(line);
      continue;
    }
    if (line.startsWith("@@")) {
      out.enterHunk();
      out.fileRecord();
      continue;
    }
    if (line.startsWith("+") || line.startsWith("-")) {
      out.add(line);
      continue;
    }
    if (line.startsWith("new file mode") || line.startsWith("deleted file mode") || line.startsWith("rename to ")) {
      out.header(line);
    }
  }
  return { lines: out.lines, files: out.files };
}

/** Every changed line of `patch` (blank ones flagged, not dropped) and the files it touches. */
export function scanDiff(patch: string, mode: DiffParseMode = "header-aware"): DiffScan {
  return mode === "legacy" ? scanLegacy(patch) : scanHeaderAware(patch);
}
