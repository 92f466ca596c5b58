import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { patchRecall } from "@sera/rollout";
import { repoRoot } from "./engine.js";

/**
 * Soft verification beside its peer: the reference's algorithm (str.splitlines, a list used as a
 * multiset with list.remove; packages/rollout/test/support/reference_recall.py) under the
 * system python3, timed inside Python so interpreter start-up is not counted. Inputs are real
 * diffs from this repository's own history, one file's change per patch, grouped by size.
 */

const REPEATS = 5;
/** Debian's interpreter, the one a user of the reference would run. */
const PYTHON = "/usr/bin/python3";
const referenceScript = path.join(repoRoot, "packages/rollout/test/support/reference_recall.py");

interface FileDiff {
  file: string;
  patch: string;
  changed: number;
}

/** Every file's diff in the last `commits` commits, with its count of changed lines. */
function historyDiffs(commits: number): FileDiff[] {
  const log = execFileSync("git", ["log", "--no-merges", "--format=%H", "-n", String(commits)], { cwd: repoRoot, encoding: "utf8" })
    .trim()
    .split("\n");
  const diffs: FileDiff[] = [];
  for (const commit of log) {
    const text = execFileSync("git", ["show", "--format=", "--no-color", "--no-ext-diff", "-U3", commit], {
      cwd: repoRoot,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    for (const part of text.split(/^(?=diff --git )/m)) {
      const header = /^diff --git a\/(\S+)/.exec(part);
      if (!header || part.includes("\nBinary files ")) continue;
      const changed = part.split("\n").filter((line) => /^[+-]/.test(line) && !/^(\+\+\+|---) /.test(line)).length;
      if (changed > 0) diffs.push({ file: header[1], patch: part, changed });
    }
  }
  return diffs;
}

/** Pairs as verification sees them: the same file changed in two commits, and a patch against itself. */
function pairsOf(diffs: readonly FileDiff[], limit: number): Array<[string, string]> {
  const byFile = new Map<string, FileDiff[]>();
  for (const diff of diffs) byFile.set(diff.file, [...(byFile.get(diff.file) ?? []), diff]);
  const pairs: Array<[string, string]> = [];
  for (const group of byFile.values()) {
    for (let i = 0; i < group.length && pairs.length < limit; i++) {
      pairs.push([group[i].patch, group[i].patch]);
      if (i + 1 < group.length) pairs.push([group[i].patch, group[i + 1].patch]);
    }
  }
  return pairs.slice(0, limit);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function measureBand(name: string, slicedPairs: Array<[string, string]>, targetPairs: number) {
  const rounds = Math.max(1, Math.ceil(targetPairs / slicedPairs.length));
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "sera-bench-verify-")), "pairs.json");
  writeFileSync(file, JSON.stringify(slicedPairs));
  // Both sides read the same file. Patches reach verification parsed from JSON records, as flat
  // strings; the slices git's output was cut into would cost every string search an extra
  // indirection that no real run pays.
  const pairs = JSON.parse(readFileSync(file, "utf8")) as Array<[string, string]>;
  // Same answers first: the comparison is only meaningful if both compute the same thing.
  const reference = JSON.parse(execFileSync(PYTHON, [referenceScript, file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })) as (number | null)[];
  const ours = pairs.map(([p1, p2]) => patchRecall(p1, p2, { mode: "legacy" }).recall);
  const disagreements = ours.filter((value, index) => value !== reference[index]).length;
  const rates = { legacy: [] as number[], "header-aware": [] as number[], reference: [] as number[] };
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    // Interleaved: ours (both modes), then the peer, in every repeat, so drift in machine load hits all.
    for (const mode of ["legacy", "header-aware"] as const) {
      const started = performance.now();
      for (let round = 0; round < rounds; round++) for (const [p1, p2] of pairs) patchRecall(p1, p2, { mode, threshold: 0.5 });
      rates[mode].push((rounds * pairs.length) / ((performance.now() - started) / 1000));
    }
    const timed = JSON.parse(execFileSync(PYTHON, [referenceScript, file, "--time", String(rounds)], { encoding: "utf8" })) as {
      seconds: number;
      pairs: number;
    };
    rates.reference.push(timed.pairs / timed.seconds);
  }
  // Rates: the median repeat, and the best one (the min of the times).
  const summary = (values: number[]) => ({ medianPairsPerSecond: median(values), bestPairsPerSecond: Math.max(...values) });
  return {
    band: name,
    pairs: pairs.length,
    pairsPerRepeat: rounds * pairs.length,
    repeats: REPEATS,
    seraLegacy: summary(rates.legacy),
    seraHeaderAware: summary(rates["header-aware"]),
    reference: summary(rates.reference),
    speedupLegacy: median(rates.legacy) / median(rates.reference),
    speedupHeaderAware: median(rates["header-aware"]) / median(rates.reference),
    legacyDisagreements: disagreements,
  };
}

const agentRun = "fixtures/real/mini-swe-agent/output/deepseek_bench1/preds.json";

/**
 * Patches a real coding agent wrote: mini-swe-agent 2.2.7 with deepseek-chat on 100 SWE-bench
 * Lite instances (fixtures/real, see its SOURCES.md). Each is paired with itself (a second
 * rollout that reproduced it) and with the next instance's (one that did not).
 */
function agentPatchPairs(): Array<[string, string]> {
  const predictions = JSON.parse(readFileSync(path.join(repoRoot, agentRun), "utf8")) as Record<string, { model_patch?: string }>;
  const patches = Object.values(predictions)
    .map((prediction) => prediction.model_patch ?? "")
    .filter((patch) => patch.length > 0);
  return patches.flatMap((patch, i): Array<[string, string]> => [
    [patch, patch],
    [patch, patches[(i + 1) % patches.length]],
  ]);
}

export function softVerification() {
  const diffs = historyDiffs(400);
  const agentSized = diffs.filter((d) => d.changed <= 40);
  const medium = diffs.filter((d) => d.changed > 40 && d.changed <= 400);
  const large = diffs.filter((d) => d.changed > 400);
  return {
    inputs: `per-file diffs from the last 400 commits of this repository (git show -U3): ${diffs.length} patches`,
    peer: "the reference algorithm (str.splitlines, list as multiset, list.remove) under the system python3, timed in-process",
    bands: [
      measureBand("≤ 40 changed lines (agent-sized)", pairsOf(agentSized, 6000), 60_000),
      measureBand("41–400 changed lines", pairsOf(medium, 600), 3_000),
      measureBand("> 400 changed lines", pairsOf(large, 60), 120),
      {
        ...measureBand("real agent patches (SWE-bench Lite)", agentPatchPairs(), 60_000),
        inputs: `${agentRun}: the model patches of 100 mini-swe-agent + deepseek-chat runs, each against itself and against the next`,
      },
    ],
  };
}
