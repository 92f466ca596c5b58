import { chiSquareSurvival } from "../special/distributions.js";

export interface KruskalWallisResult {
  /** H corrected for ties (divided by 1 − Σ(t³ − t)/(N³ − N)). */
  h: number;
  df: number;
  /** Upper tail of chi-square(df) at H. */
  p: number;
  tieCorrection: number;
  /** ε² = H / ((N² − 1)/(N + 1)) = H / (N − 1). */
  epsilonSquared: number;
  /**
   * η²_H = (H − k + 1)/(N − k). The paper's "ε² = .52" with H(3) = 7.19 over
   * 4 conditions × 3 seeds (N = 12) matches this formula: 4.19 / 8 = 0.52.
   */
  etaSquaredH: number;
}

/** Kruskal–Wallis H test across k ≥ 2 groups, mid-ranks for ties. */
export function kruskalWallis(groups: readonly (readonly number[])[]): KruskalWallisResult {
  if (groups.length < 2) throw new RangeError("Kruskal–Wallis needs at least 2 groups");
  const pooled: { value: number; group: number }[] = [];
  groups.forEach((values, group) => {
    if (values.length === 0) throw new RangeError(`group ${group} is empty`);
    for (const value of values) {
      if (!Number.isFinite(value)) throw new RangeError(`non-finite value ${value} in group ${group}`);
      pooled.push({ value, group });
    }
  });
  pooled.sort((left, right) => left.value - right.value);
  const total = pooled.length;
  const rankSums = new Float64Array(groups.length);
  let tieTerm = 0;
  for (let start = 0; start < total;) {
    let end = start + 1;
    while (end < total && pooled[end].value === pooled[start].value) end++;
    const tied = end - start;
    // Ranks start..end−1 (0-based) share the mid-rank (start + 1 + end) / 2 (1-based).
    const midRank = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) rankSums[pooled[i].group] += midRank;
    tieTerm += tied ** 3 - tied;
    start = end;
  }
  let statistic = 0;
  groups.forEach((values, group) => {
    statistic += rankSums[group] ** 2 / values.length;
  });
  statistic = (12 / (total * (total + 1))) * statistic - 3 * (total + 1);
  const tieCorrection = 1 - tieTerm / (total ** 3 - total);
  const h = tieCorrection > 0 ? statistic / tieCorrection : NaN;
  const df = groups.length - 1;
  return {
    h,
    df,
    p: Number.isNaN(h) ? NaN : chiSquareSurvival(h, df),
    tieCorrection,
    epsilonSquared: h / (total - 1),
    etaSquaredH: (h - groups.length + 1) / (total - groups.length),
  };
}
