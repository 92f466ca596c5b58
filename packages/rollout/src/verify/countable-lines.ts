import type { DiffParseMode } from "./diff-scan.js";
import { hasWideRareLineBreak } from "./wide-line-breaks.js";

/**
 * The changed lines plain recall compares, and nothing else: no file attribution, no per-line
 * objects. Soft verification runs once per instance but is re-run over whole corpora when a
 * threshold or mode is studied, so this path is kept allocation-light; `scanDiff` stays the
 * full reader (files, renames, per-file matching) and the two are property-tested to agree.
 */
export interface CountableLines {
  /** `+`/`-` lines with sign and whitespace, blank ones left out. */
  lines: string[];
  /** Whether the patch changes any line at all, blank ones included. */
  anyChange: boolean;
}

const PLUS = 43;
const MINUS = 45;
const SPACE = 32;
const BACKSLASH = 92;
const NEWLINE = 10;

export function countableLines(patch: string, mode: DiffParseMode = "header-aware"): CountableLines {
  return mode === "legacy" ? legacyLines(patch) : headerAwareLines(patch);
}

/** JavaScript's trim() whitespace (its \s), as the header-aware reader's blank test uses it. */
export function blankAfterSign(line: string): boolean {
  for (let i = 1; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (code === SPACE || (code >= 9 && code <= 13)) continue;
    if (code < 128 || !/\s/.test(line[i])) return false;
  }
  return true;
}

const HUNK_HEADER = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/;

function headerAwareLines(patch: string): CountableLines {
  const lines: string[] = [];
  let anyChange = false;
  let oldLeft = 0;
  let newLeft = 0;
  let start = 0;
  const end = patch.length > 0 && patch.charCodeAt(patch.length - 1) === NEWLINE ? patch.length - 1 : patch.length;
  while (start <= end && end > 0) {
    let stop = patch.indexOf("\n", start);
    if (stop < 0 || stop > end) stop = end;
    const first = start < stop ? patch.charCodeAt(start) : -1;
    if (oldLeft > 0 || newLeft > 0) {
      if (first === BACKSLASH) {
        start = stop + 1;
        continue;
      }
      if (first === -1 || first === SPACE) {
        if (oldLeft > 0 && newLeft > 0) {
          oldLeft--;
          newLeft--;
          start = stop + 1;
          continue;
        }
      } else if ((first === MINUS && oldLeft > 0) || (first === PLUS && newLeft > 0)) {
        if (first === MINUS) oldLeft--;
        else newLeft--;
        anyChange = true;
        const line = patch.slice(start, stop);
        if (!blankAfterSign(line)) lines.push(line);
        start = stop + 1;
        continue;
      }
      // The hunk declared more lines than it holds: closed; this line is read again below.
      oldLeft = 0;
      newLeft = 0;
    }
    if (first === 64 && patch.startsWith("@@ -", start)) {
      const hunk = HUNK_HEADER.exec(patch.slice(start, stop));
      if (hunk) {
        oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1]);
        newLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
      }
    }
    start = stop + 1;
  }
  return { lines, anyChange };
}

/**
 * The reference's reading, exactly: Python's str.splitlines() separators, the prefix filter
 * (`diff`, `---`, `+++`, `@@` are headers wherever they stand) and Python's str.strip() whitespace
 * for blank lines (which, unlike JavaScript's trim, includes U+001C–U+001F and U+0085 and not U+FEFF).
 */
export const PYTHON_LINE_BREAK = /\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]/;
/** Every separator besides "\n" up to U+00FF: when none occurs (nearly always), a plain split gives the same lines. */
const LATIN1_RARE_LINE_BREAKS = ["\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85"];
/** A character V8 cannot store in one byte; only then can U+2028 or U+2029 occur. */
const WIDE_CHARACTER = /[^\x00-\xff]/;

/**
 * Whether any rare separator occurs. In a one-byte string, one indexOf per separator is a
 * vectorised memchr, about twice as fast on real patches as one pass of a character-class regex.
 * A string with wider characters (17% of this repository's diffs: `≤`, `→`) goes to the SIMD
 * scan, because there indexOf is slow for U+2028/U+2029 (see wide-line-breaks.ts); the regex
 * that routes it stops at the first wide character and costs nothing on one-byte strings.
 */
function hasRareLineBreak(patch: string): boolean {
  if (WIDE_CHARACTER.test(patch)) return hasWideRareLineBreak(patch);
  for (const separator of LATIN1_RARE_LINE_BREAKS) if (patch.indexOf(separator) >= 0) return true;
  return false;
}

function isPythonSpace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13) || (code >= 0x1c && code <= 0x1f);
  if (code < 0x85) return false;
  return (
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

/** Python's `not line[1:].strip()`: the text after the sign is empty or whitespace. */
export function pythonBlankAfterSign(line: string): boolean {
  for (let i = 1; i < line.length; i++) if (!isPythonSpace(line.charCodeAt(i))) return false;
  return true;
}

function legacyLines(patch: string): CountableLines {
  const lines: string[] = [];
  let anyChange = false;
  const take = (line: string) => {
    const first = line.charCodeAt(0);
    if (first !== PLUS && first !== MINUS) return;
    if (line.charCodeAt(1) === first && line.charCodeAt(2) === first) return; // `---` / `+++`: a header to the reference
    anyChange = true;
    if (!pythonBlankAfterSign(line)) lines.push(line);
  };
  if (hasRareLineBreak(patch)) {
    for (const line of patch.split(PYTHON_LINE_BREAK)) take(line);
    return { lines, anyChange };
  }
  // Only "\n" separates lines here; walk them without materialising the context lines.
  for (let start = 0; start < patch.length;) {
    let stop = patch.indexOf("\n", start);
    if (stop < 0) stop = patch.length;
    const first = patch.charCodeAt(start);
    if (first === PLUS || first === MINUS) take(patch.slice(start, stop));
    start = stop + 1;
  }
  return { lines, anyChange };
}
