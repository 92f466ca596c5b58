import type { ReportConfig } from "@sera/core";
import { oneWayAnova, type AnovaResult } from "../stats/anova.js";
import { mean, pooledSd, sampleSd } from "../stats/descriptive.js";
import { kruskalWallis, type KruskalWallisResult } from "../stats/kruskal-wallis.js";
import { signalToNoise, snrVerdict, withinNoise, type SnrVerdict } from "../stats/noise.js";
import { welchTTest, type TTestResult } from "../stats/t-test.js";
import type { Row } from "./queries.js";

export type CompareConfig = ReportConfig["compare"][number];
export type Level = string | number | boolean | null;

export interface ConditionStats {
  label: string;
  level: Level;
  values: number[];
  runIds: string[];
  n: number;
  mean: number;
  sd: number | null;
}

/** A condition against the reference: Δ, SNR with the paper's bands, and Welch's t when both have 2+ seeds. */
export interface Contrast {
  label: string;
  reference: string;
  delta: number;
  noiseSd: number | null;
  noiseSource: "configured" | "pooled" | null;
  snr: number | null;
  verdict: SnrVerdict | null;
  withinNoise: boolean | null;
  welch: TTestResult | null;
}

export interface CompareSection {
  name: string;
  title: string;
  metric: string;
  by: string;
  conditions: ConditionStats[];
  reference: string | null;
  contrasts: Contrast[];
  anova: AnovaResult | null;
  kruskal: KruskalWallisResult | null;
  threshold: number;
  problems: string[];
}

export function levelLabel(level: Level): string {
  return level === null ? "(none)" : String(level);
}

/** Loose match so `reference: 1` in YAML finds a DOUBLE column's 1.0 and "1" finds 1. */
export function sameLevel(level: Level, wanted: string | number | boolean): boolean {
  return level === wanted || String(level) === String(wanted) || (typeof level === "number" && Number(wanted) === level);
}

export function groupConditions(rows: readonly Row[]): ConditionStats[] {
  const byLevel = new Map<string, { level: Level; values: number[]; runIds: string[] }>();
  for (const row of rows) {
    if (typeof row.y !== "number") continue;
    const level = (row.level ?? null) as Level;
    const label = levelLabel(level);
    const entry = byLevel.get(label) ?? { level, values: [], runIds: [] };
    entry.values.push(row.y);
    entry.runIds.push(String(row.run_id));
    byLevel.set(label, entry);
  }
  return [...byLevel].map(([label, entry]) => ({
    label,
    level: entry.level,
    values: entry.values,
    runIds: entry.runIds,
    n: entry.values.length,
    mean: mean(entry.values),
    sd: entry.values.length >= 2 ? sampleSd(entry.values) : null,
  }));
}

function contrast(condition: ConditionStats, reference: ConditionStats, configuredSd: number | undefined, threshold: number): Contrast {
  const delta = condition.mean - reference.mean;
  let noiseSd: number | null = configuredSd ?? null;
  let noiseSource: Contrast["noiseSource"] = configuredSd === undefined ? null : "configured";
  if (noiseSd === null && condition.sd !== null && reference.sd !== null) {
    noiseSd = pooledSd([
      { sd: condition.sd, n: condition.n },
      { sd: reference.sd, n: reference.n },
    ]);
    noiseSource = "pooled";
  }
  const snr = noiseSd === null ? null : signalToNoise(delta, noiseSd);
  const bothSpread = condition.sd !== null && reference.sd !== null && (condition.sd > 0 || reference.sd > 0);
  return {
    label: condition.label,
    reference: reference.label,
    delta,
    noiseSd,
    noiseSource,
    snr,
    verdict: snr === null ? null : snrVerdict(snr),
    withinNoise: noiseSd === null ? null : withinNoise(delta, noiseSd, threshold),
    welch: bothSpread ? welchTTest(condition.values, reference.values) : null,
  };
}

export function analyseComparison(config: CompareConfig, report: ReportConfig, rows: readonly Row[]): CompareSection {
  const conditions = groupConditions(rows);
  const problems: string[] = [];
  const section: CompareSection = {
    name: config.name,
    title: config.title ?? config.name,
    metric: config.metric ?? report.metric,
    by: config.by,
    conditions,
    reference: null,
    contrasts: [],
    anova: null,
    kruskal: null,
    threshold: report.noise.threshold,
    problems,
  };
  if (conditions.length === 0) {
    problems.push("no succeeded runs report this metric yet.");
    return section;
  }
  const wanted = config.reference;
  const reference = wanted === undefined ? conditions[0] : conditions.find((condition) => sameLevel(condition.level, wanted));
  if (!reference) {
    problems.push(`the reference ${config.by} = ${String(wanted)} has no succeeded runs yet.`);
    return section;
  }
  section.reference = reference.label;
  section.contrasts = conditions
    .filter((condition) => condition !== reference)
    .map((condition) => contrast(condition, reference, report.noise.sd, report.noise.threshold));
  if (conditions.length >= 2 && conditions.every((condition) => condition.n >= 2)) {
    try {
      section.anova = oneWayAnova(conditions.map((condition) => condition.values));
    } catch (error) {
      problems.push(`ANOVA not computed: ${(error as Error).message}`);
    }
  }
  if (conditions.length >= 2) {
    try {
      section.kruskal = kruskalWallis(conditions.map((condition) => condition.values));
    } catch (error) {
      problems.push(`Kruskal–Wallis not computed: ${(error as Error).message}`);
    }
  }
  if (conditions.some((condition) => condition.n < 2)) problems.push("some conditions have a single seed: no SD, so no SNR or t test for them.");
  return section;
}
