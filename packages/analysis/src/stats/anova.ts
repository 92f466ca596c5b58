import { fSurvival } from "../special/distributions.js";
import { mean, sampleVariance } from "./descriptive.js";
import type { GroupSummary } from "./t-test.js";

export interface AnovaResult {
  f: number;
  dfBetween: number;
  dfWithin: number;
  p: number;
  sumSquaresBetween: number;
  sumSquaresWithin: number;
  /** η² = SS_between / SS_total. */
  etaSquared: number;
}

/** One-way ANOVA from per-group summaries (mean, sample SD, n). */
export function oneWayAnovaFromSummaries(groups: readonly GroupSummary[]): AnovaResult {
  if (groups.length < 2) throw new RangeError("ANOVA needs at least 2 groups");
  let total = 0;
  let count = 0;
  for (const group of groups) {
    if (!(group.n >= 1)) throw new RangeError(`every group needs n >= 1, got ${group.n}`);
    total += group.mean * group.n;
    count += group.n;
  }
  const grandMean = total / count;
  let sumSquaresBetween = 0;
  let sumSquaresWithin = 0;
  for (const group of groups) {
    sumSquaresBetween += group.n * (group.mean - grandMean) ** 2;
    sumSquaresWithin += (group.n - 1) * group.sd ** 2;
  }
  const dfBetween = groups.length - 1;
  const dfWithin = count - groups.length;
  if (dfWithin < 1) throw new RangeError("ANOVA needs more observations than groups");
  const f = sumSquaresBetween / dfBetween / (sumSquaresWithin / dfWithin);
  return {
    f,
    dfBetween,
    dfWithin,
    p: Number.isNaN(f) ? NaN : fSurvival(f, dfBetween, dfWithin),
    sumSquaresBetween,
    sumSquaresWithin,
    etaSquared: sumSquaresBetween / (sumSquaresBetween + sumSquaresWithin),
  };
}

export function oneWayAnova(groups: readonly (readonly number[])[]): AnovaResult {
  return oneWayAnovaFromSummaries(
    groups.map((values) => ({
      mean: mean(values),
      sd: values.length >= 2 ? Math.sqrt(sampleVariance(values)) : 0,
      n: values.length,
    })),
  );
}
