import type { ReportConfig } from "@sera/core";
import { median } from "../stats/descriptive.js";
import { detectableEffect, PAPER_SEED_TABLE, paperSeedRule, planSeeds } from "../stats/seed-planner.js";

export interface SeedPlanRow {
  effect: number;
  /** (2σ/δ)², the paper's rule of thumb for SNR ≥ 2, unrounded. */
  snrRule: number;
  /** The rule rounded up, at least 2. */
  snrRuleSeeds: number;
  /** Two-sided test at α = 0.05 with 80 % power, seeds per arm. */
  testSeeds: number;
  /** Table 10's count, when the paper's tables are requested. */
  published: number | null;
  publishedVerdictAtThree: string | null;
}

export interface SeedSection {
  sd: number;
  sdSource: string;
  /** SDs of every condition with 2+ seeds that the estimate used. */
  sdsUsed: number[];
  rows: SeedPlanRow[];
  /** Smallest effect a 3-seed comparison detects at α = 0.05 with 80 % power. */
  detectableAtThree: number;
  /** σ that reproduces the published counts with the SNR rule, when the paper's tables are requested. */
  publishedImpliedSd: number | null;
}

/**
 * How many seeds an effect needs, from a configured σ or the median per-condition SD measured in
 * this experiment (the paper's "median 1.2 pp" is the same statistic over its 78 conditions).
 */
export function planSeedSection(report: ReportConfig, conditionSds: readonly number[]): SeedSection | null {
  if (!report.seedPlan) return null;
  const sdsUsed = conditionSds.filter((sd) => sd > 0);
  let sd: number;
  let sdSource: string;
  if (report.seedPlan.sd !== undefined) {
    sd = report.seedPlan.sd;
    sdSource = "configured in report.seedPlan.sd";
  } else if (sdsUsed.length > 0) {
    sd = median(sdsUsed);
    sdSource = `median SD of ${sdsUsed.length} condition(s) with 2+ seeds in this experiment`;
  } else {
    return null;
  }
  const published = report.paperTables ? PAPER_SEED_TABLE : [];
  const rows = report.seedPlan.effects.map((effect) => {
    const snrRule = paperSeedRule(effect, sd);
    const entry = published.find((row) => row.effectPp === effect);
    return {
      effect,
      snrRule,
      snrRuleSeeds: Math.max(2, Math.ceil(snrRule - 1e-9)),
      testSeeds: planSeeds({ delta: effect, sd }).seedsPerArm,
      published: entry?.publishedSeeds ?? null,
      publishedVerdictAtThree: entry?.verdictAtThreeSeeds ?? null,
    };
  });
  // Table 10 says ~15 seeds for 1 pp: (2σ/1)² = 15 gives σ = √15/2.
  const publishedImpliedSd = report.paperTables ? (Math.sqrt(PAPER_SEED_TABLE[0].publishedSeeds) / 2) * PAPER_SEED_TABLE[0].effectPp : null;
  return { sd, sdSource, sdsUsed, rows, detectableAtThree: detectableEffect(3, sd), publishedImpliedSd };
}
