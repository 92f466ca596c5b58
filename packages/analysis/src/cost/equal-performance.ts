import { curveInverse, fittedXRange, inverseFromVector } from "../fit/curve.js";
import type { BootstrapResult } from "../fit/bootstrap.js";
import type { CurveFit } from "../fit/types.js";
import { percentileInterval, type PercentileInterval } from "../stats/percentile.js";

/**
 * What the comparison is against: a single published point (dollars or
 * GPU-hours at a price), or another fitted cost curve read at `score`.
 */
export type CostBaseline =
  | { kind: "point"; label?: string; score: number; usd: number }
  | { kind: "gpu-hours"; label?: string; score: number; gpuHours: number; usdPerGpuHour: number }
  | { kind: "curve"; label?: string; score: number; fit: CurveFit; usdPerX: number; bootstrap?: BootstrapResult };

export interface EqualPerformanceInput {
  /** Our fitted curve: y = score, x = cost in some unit. */
  fit: CurveFit;
  /** Dollars per unit of the fit's x (1000 when x is $K). */
  usdPerX: number;
  baseline: CostBaseline;
  /** Bootstrap of our fit, for intervals on our cost and on the ratio. */
  bootstrap?: BootstrapResult;
}

export interface EqualPerformanceResult {
  score: number;
  baselineUsd: number;
  /** Our cost to reach the baseline's score; null when our curve never gets there. */
  ourUsd: number | null;
  /** baselineUsd / ourUsd: how many times cheaper we are at equal score. */
  ratio: number | null;
  /** The ratio after rounding our cost to whole dollars, as headline numbers usually are. */
  ratioOfRoundedDollars: number | null;
  ourUsdInterval: PercentileInterval | null;
  ratioInterval: PercentileInterval | null;
  /** Where our cost falls relative to the x range our curve was fitted on. */
  extrapolation: "below-data" | "above-data" | null;
  notes: string[];
}

function baselineCost(baseline: CostBaseline): number {
  if (baseline.kind === "point") return baseline.usd;
  if (baseline.kind === "gpu-hours") return baseline.gpuHours * baseline.usdPerGpuHour;
  const inverse = curveInverse(baseline.fit, baseline.score);
  if (!inverse.reachable) throw new RangeError(`the baseline curve never reaches ${baseline.score}: ${inverse.reason}`);
  return inverse.x * baseline.usdPerX;
}

function formatUsd(value: number): string {
  return `$${Math.round(value).toLocaleString("en-US")}`;
}

/**
 * Cost our curve needs to match a baseline's score, and the multiple
 * baseline / ours. With a bootstrap the interval comes from re-reading every
 * replicate curve (and, for a curve baseline with its own bootstrap, pairing
 * replicate r with replicate r); a replicate that never reaches the score
 * counts as infinite cost, i.e. ratio 0.
 */
export function costAtEqualPerformance(input: EqualPerformanceInput): EqualPerformanceResult {
  const { fit, usdPerX, baseline } = input;
  if (!(usdPerX > 0)) throw new RangeError("usdPerX must be > 0");
  const score = baseline.score;
  const baselineUsd = baselineCost(baseline);
  const notes: string[] = [];
  const inverse = curveInverse(fit, score);
  const ourUsd = inverse.reachable ? inverse.x * usdPerX : null;
  if (!inverse.reachable) notes.push(`our curve never reaches ${score}: ${inverse.reason}`);
  let extrapolation: EqualPerformanceResult["extrapolation"] = null;
  if (inverse.reachable) {
    const range = fittedXRange(fit);
    if (inverse.x < range.min) extrapolation = "below-data";
    if (inverse.x > range.max) extrapolation = "above-data";
    if (extrapolation) {
      notes.push(
        `extrapolation: ${formatUsd(inverse.x * usdPerX)} lies ${extrapolation === "below-data" ? "below the cheapest" : "above the most expensive"} ` +
          `measured point (${formatUsd((extrapolation === "below-data" ? range.min : range.max) * usdPerX)}).`,
      );
    }
  }
  let ourUsdInterval: PercentileInterval | null = null;
  let ratioInterval: PercentileInterval | null = null;
  if (input.bootstrap) {
    const ours = input.bootstrap.replicateParams;
    const theirs = baseline.kind === "curve" ? baseline.bootstrap?.replicateParams : undefined;
    const count = theirs ? Math.min(ours.length, theirs.length) : ours.length;
    const ourCosts = new Float64Array(count);
    const ratios = new Float64Array(count);
    for (let r = 0; r < count; r++) {
      ourCosts[r] = inverseFromVector(fit.model, ours[r], score) * usdPerX;
      const theirCost = theirs && baseline.kind === "curve" ? inverseFromVector(baseline.fit.model, theirs[r], score) * baseline.usdPerX : baselineUsd;
      ratios[r] = ourCosts[r] === Infinity ? 0 : theirCost / ourCosts[r];
    }
    ourUsdInterval = percentileInterval(ourCosts, input.bootstrap.level);
    ratioInterval = percentileInterval(ratios, input.bootstrap.level);
  }
  if (baseline.kind === "gpu-hours") {
    notes.push("the baseline counts GPU-hours only; check that both sides count the same cost components.");
  }
  return {
    score,
    baselineUsd,
    ourUsd,
    ratio: ourUsd === null ? null : baselineUsd / ourUsd,
    ratioOfRoundedDollars: ourUsd === null || Math.round(ourUsd) === 0 ? null : baselineUsd / Math.round(ourUsd),
    ourUsdInterval,
    ratioInterval,
    extrapolation,
    notes,
  };
}
