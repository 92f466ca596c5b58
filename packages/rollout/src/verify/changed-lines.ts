import { scanDiff, type DiffParseMode, type ScannedFile } from "./diff-scan.js";

export type { DiffParseMode } from "./diff-scan.js";

/** A countable changed line: sign and all whitespace kept, never blank. */
export interface ChangedLine {
  text: string;
  sign: "+" | "-";
  /** Repository path the line belongs to; null when the patch carries no file headers. */
  file: string | null;
}

export type PatchFile = ScannedFile;

export interface ChangedLines {
  lines: ChangedLine[];
  /** Files with at least one hunk, in patch order. */
  files: PatchFile[];
  added: number;
  removed: number;
}

export interface ChangedLinesOptions {
  /** Default "header-aware"; "legacy" reproduces the reference's prefix filter exactly. */
  mode?: DiffParseMode;
  /** Leave out files the patch creates (e.g. a repro script the agent forgot to delete). */
  excludeUntracked?: boolean;
}

/**
 * The changed lines soft verification compares: `+`/`-` lines with their sign and whitespace,
 * minus blank ones. Context, `index`, mode lines, "\ No newline" notes and binary notices never count.
 */
export function changedLines(patch: string, options: ChangedLinesOptions = {}): ChangedLines {
  const scan = scanDiff(patch, options.mode ?? "header-aware");
  const newFiles = new Set(scan.files.filter((f) => f.isNew).map((f) => f.path));
  const skipFile = (file: string | null) => options.excludeUntracked === true && file !== null && newFiles.has(file);

  const lines: ChangedLine[] = [];
  let added = 0;
  let removed = 0;
  for (const line of scan.lines) {
    if (line.blank || skipFile(line.file)) continue;
    lines.push({ text: line.text, sign: line.sign, file: line.file });
    if (line.sign === "+") added++;
    else removed++;
  }
  const files = scan.files.filter((f) => !skipFile(f.path));
  return { lines, files, added, removed };
}

/** Whether the patch changes any line at all (blank ones included), after the same exclusions. */
export function hasAnyChange(patch: string, options: ChangedLinesOptions = {}): boolean {
  const scan = scanDiff(patch, options.mode ?? "header-aware");
  if (options.excludeUntracked !== true) return scan.lines.length > 0;
  const newFiles = new Set(scan.files.filter((f) => f.isNew).map((f) => f.path));
  return scan.lines.some((line) => line.file === null || !newFiles.has(line.file));
}

export interface PatchSizeOptions {
  /** Default "header-aware"; "legacy" is the reference's filter rule (prefix test on `---`/`+++`). */
  mode?: DiffParseMode;
}

/**
 * Changed-line count for the patch-size filter: every `+` and `-` line, blank ones included
 * (unlike recall, which ignores blank lines).
 */
export function patchSize(patch: string, options: PatchSizeOptions = {}): number {
  return scanDiff(patch, options.mode ?? "header-aware").lines.length;
}

/** What the `patches` and foreign-trajectory rows hold about a patch. */
export interface PatchStatistics {
  filesChanged: number;
  linesAdded: number;
  linesRemoved: number;
}

/**
 * The one count of a patch's size for the tables: files with a hunk, and every added and removed
 * line, blank ones included (as `git diff --numstat` counts them; recall's `changedLines` leaves
 * blank lines out because they carry no evidence).
 */
export function patchStatistics(patch: string, options: PatchSizeOptions = {}): PatchStatistics {
  const scan = scanDiff(patch, options.mode ?? "header-aware");
  let added = 0;
  for (const line of scan.lines) if (line.sign === "+") added++;
  return { filesChanged: scan.files.length, linesAdded: added, linesRemoved: scan.lines.length - added };
}
