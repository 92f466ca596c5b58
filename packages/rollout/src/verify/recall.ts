import { changedLines, hasAnyChange, type ChangedLine, type DiffParseMode } from "./changed-lines.js";
import { countableLines } from "./countable-lines.js";

export interface PatchRecallOptions {
  /** Pass iff recall ≥ threshold. 1 = "hard" (every P1 line found), 0 = any non-empty P2. Default 0.5. */
  threshold?: number;
  mode?: DiffParseMode;
  /** Match a line only against lines of the same file. */
  perFile?: boolean;
  /** Collapse whitespace runs and trim each line's content before matching (the sign is kept). */
  normalizeWhitespace?: boolean;
  /** Ignore files that either patch creates, e.g. leftover reproduction scripts. */
  excludeUntracked?: boolean;
}

export type RecallVerdict = "pass" | "fail" | "no-target" | "no-candidate";

export interface PatchRecall {
  /** matched / targetLines; null when the target has no countable lines. */
  recall: number | null;
  matched: number;
  targetLines: number;
  candidateLines: number;
  /** matched / candidateLines; null when either side has no countable lines. */
  precision: number | null;
  f1: number | null;
  verdict: RecallVerdict;
}

export const DEFAULT_RECALL_THRESHOLD = 0.5;

function matchKey(line: ChangedLine, options: PatchRecallOptions): string {
  const text = options.normalizeWhitespace === true ? line.sign + line.text.slice(1).trim().replace(/\s+/g, " ") : line.text;
  // NUL never occurs in a diff line, so it cannot make two different pairs collide.
  return options.perFile === true ? `${line.file ?? ""}\u0000${text}` : text;
}

/**
 * Soft verification: the share of the first rollout's changed lines (P1, the target) that the
 * second rollout's patch (P2, the candidate) reproduces. Lines are a multiset: each P2
 * occurrence can satisfy one P1 line. Order and (unless `perFile`) file do not matter, extra
 * P2 lines cost nothing, and an empty or missing P2 never passes, not even at threshold 0.
 */
export function patchRecall(target: string, candidate: string | null | undefined, options: PatchRecallOptions = {}): PatchRecall {
  const threshold = options.threshold ?? DEFAULT_RECALL_THRESHOLD;
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new RangeError(`recall threshold must lie in [0, 1], got ${threshold}`);
  }
  if (options.perFile !== true && options.excludeUntracked !== true && options.normalizeWhitespace !== true) {
    return plainRecall(target, candidate, options.mode ?? "header-aware", threshold);
  }
  const parse = { mode: options.mode, excludeUntracked: options.excludeUntracked };
  const targetLines = changedLines(target, parse).lines;
  const candidateLines = candidate == null ? [] : changedLines(candidate, parse).lines;

  const available = new Map<string, number>();
  for (const line of candidateLines) {
    const key = matchKey(line, options);
    available.set(key, (available.get(key) ?? 0) + 1);
  }
  let matched = 0;
  for (const line of targetLines) {
    const key = matchKey(line, options);
    const left = available.get(key) ?? 0;
    if (left > 0) {
      matched++;
      available.set(key, left - 1);
    }
  }

  const candidateChanges = candidate != null && hasAnyChange(candidate, parse);
  return summarise(matched, targetLines.length, candidateLines.length, candidateChanges, threshold);
}

/**
 * The common case (no per-file matching, no exclusions, exact text): the lines come from the
 * allocation-light reader, and the multiset is a map from line to how many P2 copies are left.
 */
function plainRecall(target: string, candidate: string | null | undefined, mode: DiffParseMode, threshold: number): PatchRecall {
  const targetLines = countableLines(target, mode).lines;
  const scanned = candidate == null ? null : countableLines(candidate, mode);
  const matched = scanned === null ? 0 : multisetMatches(targetLines, scanned.lines);
  return summarise(matched, targetLines.length, scanned?.lines.length ?? 0, scanned?.anyChange ?? false, threshold);
}

/**
 * How many target lines find an unused equal candidate line. Agent-sized patches have a few dozen
 * lines, where a scan over an array (string equality fails fast on length) beats hashing every
 * line into a map; larger ones use the map so the cost stays linear.
 */
function multisetMatches(targetLines: readonly string[], candidateLines: readonly string[]): number {
  let matched = 0;
  if (targetLines.length === 0 || candidateLines.length === 0) return 0;
  if (targetLines.length * candidateLines.length <= 4096) {
    const used = new Uint8Array(candidateLines.length);
    for (const line of targetLines) {
      for (let i = 0; i < candidateLines.length; i++) {
        if (used[i] === 0 && candidateLines[i] === line) {
          used[i] = 1;
          matched++;
          break;
        }
      }
    }
    return matched;
  }
  const available = new Map<string, number>();
  for (const line of candidateLines) available.set(line, (available.get(line) ?? 0) + 1);
  for (const line of targetLines) {
    const left = available.get(line);
    if (left !== undefined && left > 0) {
      matched++;
      available.set(line, left - 1);
    }
  }
  return matched;
}

function summarise(matched: number, targetCount: number, candidateCount: number, candidateChanges: boolean, threshold: number): PatchRecall {
  const recall = targetCount === 0 ? null : matched / targetCount;
  const precision = recall === null || candidateCount === 0 ? null : matched / candidateCount;
  const f1 = recall === null || precision === null ? null : recall + precision === 0 ? 0 : (2 * recall * precision) / (recall + precision);
  let verdict: RecallVerdict;
  if (recall === null) verdict = "no-target";
  else if (!candidateChanges) verdict = "no-candidate";
  else verdict = recall >= threshold ? "pass" : "fail";
  return { recall, matched, targetLines: targetCount, candidateLines: candidateCount, precision, f1, verdict };
}
