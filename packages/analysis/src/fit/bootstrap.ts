import { createSeededRandom, type RandomSeed } from "../random/seeded-random.js";
import { percentileInterval } from "../stats/percentile.js";
import { distinctCount } from "./goodness.js";
import { createRefitter, fullParameterVector } from "./refitters.js";
import type { CurveFit, FitWarning } from "./types.js";

export type BootstrapScheme = "seeds" | "points";

export interface BootstrapOptions {
  /**
   * "seeds": keep every x, resample the seed replicates within each point and
   * refit to the resampled means (seed-to-seed noise only).
   * "points": resample whole points with replacement (also reflects which
   * budgets were measured; degenerate draws with too few distinct x are dropped).
   */
  scheme: BootstrapScheme;
  /** Seed replicates per fitted point, in the order of fit.x; required for "seeds". */
  seedValues?: readonly (readonly number[])[];
  seed: RandomSeed;
  replicates?: number;
  level?: number;
  /** x values at which to report a band for the fitted curve (default: the fit's x). */
  bandX?: readonly number[];
  /** Target y values to invert, x(y). */
  inverseY?: readonly number[];
}

export interface ParameterInterval {
  estimate: number;
  lower: number;
  upper: number;
}

export interface BandPoint extends ParameterInterval {
  x: number;
}

export interface InverseInterval {
  y: number;
  /** x at y on the full-data fit; null when that curve never reaches y. */
  estimate: number | null;
  /** Percentile bounds; +Infinity when enough replicates never reach y. */
  lower: number;
  upper: number;
  /** Share of replicate curves that never reach y (their x counts as +∞). */
  unreachableShare: number;
}

export interface BootstrapResult {
  scheme: BootstrapScheme;
  level: number;
  requested: number;
  /** Replicates that produced finite parameters (used for every interval). */
  succeeded: number;
  failed: number;
  /** Replicates kept although the optimizer hit its iteration limit. */
  notConverged: number;
  parameters: Record<string, ParameterInterval>;
  /** Band for the fitted mean curve (not a prediction interval for a new seed). */
  band: BandPoint[];
  inverses: InverseInterval[];
  /** Parameter vectors of the successful replicates, for downstream intervals. */
  replicateParams: number[][];
  warnings: FitWarning[];
}

function meanOf(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

function checkSeedValues(fit: CurveFit, seedValues: readonly (readonly number[])[] | undefined): readonly (readonly number[])[] {
  if (!seedValues) throw new RangeError('the "seeds" scheme needs seedValues (the replicates behind each point)');
  if (seedValues.length !== fit.x.length) throw new RangeError("seedValues needs one list per fitted point");
  for (const values of seedValues) {
    if (values.length === 0) throw new RangeError("every point needs at least one seed value");
  }
  return seedValues;
}

/** Percentile bootstrap of a fitted curve; deterministic for a given seed. */
export function bootstrapFit(fit: CurveFit, options: BootstrapOptions): BootstrapResult {
  const requested = options.replicates ?? 1000;
  const level = options.level ?? 0.95;
  if (!(Number.isInteger(requested) && requested >= 1)) throw new RangeError("replicates must be a positive integer");
  const bandX = options.bandX ?? fit.x;
  const inverseY = options.inverseY ?? [];
  const seedValues = options.scheme === "seeds" ? checkSeedValues(fit, options.seedValues) : null;
  const warnings: FitWarning[] = [];
  if (seedValues) {
    const span = Math.max(...fit.y) - Math.min(...fit.y) || 1;
    const mismatch = seedValues.some((values, i) => Math.abs(meanOf(values) - fit.y[i]) > 1e-6 * span);
    if (mismatch) {
      warnings.push({
        code: "bootstrap-y-mismatch",
        message: "the fitted y values are not exactly the means of the seed values (rounded means?); replicates use the seed means.",
      });
    }
  }

  const refitter = createRefitter(fit);
  const paramCount = refitter.parameterNames.length;
  const pointCount = fit.x.length;
  const random = createSeededRandom(options.seed);
  const params = new Float64Array(paramCount);
  const paramDraws = new Float64Array(requested * paramCount);
  let succeeded = 0;
  let failed = 0;
  let notConverged = 0;

  for (let replicate = 0; replicate < requested; replicate++) {
    refitter.count = pointCount;
    if (seedValues) {
      for (let i = 0; i < pointCount; i++) {
        const values = seedValues[i];
        let sum = 0;
        for (let k = 0; k < values.length; k++) sum += values[random.nextIndex(values.length)];
        refitter.x[i] = fit.x[i];
        refitter.y[i] = sum / values.length;
        if (refitter.weights && fit.weights) refitter.weights[i] = fit.weights[i];
      }
    } else {
      for (let i = 0; i < pointCount; i++) {
        const source = random.nextIndex(pointCount);
        refitter.x[i] = fit.x[source];
        refitter.y[i] = fit.y[source];
        if (refitter.weights && fit.weights) refitter.weights[i] = fit.weights[source];
      }
      if (distinctCount(refitter.x, pointCount) < refitter.freeParameterCount) {
        failed++;
        continue;
      }
    }
    const status = refitter.refit(params);
    if (status === "failed") {
      failed++;
      continue;
    }
    if (status === "not-converged") notConverged++;
    paramDraws.set(params, succeeded * paramCount);
    succeeded++;
  }
  if (succeeded === 0) throw new Error("every bootstrap refit failed");

  const replicateParams: number[][] = [];
  for (let r = 0; r < succeeded; r++) {
    replicateParams.push(Array.from(paramDraws.subarray(r * paramCount, (r + 1) * paramCount)));
  }
  const estimates = fullParameterVector(fit);
  const column = new Float64Array(succeeded);
  const parameters: Record<string, ParameterInterval> = {};
  refitter.parameterNames.forEach((name, j) => {
    for (let r = 0; r < succeeded; r++) column[r] = paramDraws[r * paramCount + j];
    parameters[name] = { estimate: estimates[j], ...percentileInterval(column, level) };
  });
  const fullParams = Float64Array.from(estimates);
  const band = bandX.map((at) => {
    for (let r = 0; r < succeeded; r++) column[r] = refitter.evaluate(paramDraws.subarray(r * paramCount, (r + 1) * paramCount), at);
    return { x: at, estimate: refitter.evaluate(fullParams, at), ...percentileInterval(column, level) };
  });
  const inverses = inverseY.map((target) => {
    let unreachable = 0;
    for (let r = 0; r < succeeded; r++) {
      column[r] = refitter.inverse(paramDraws.subarray(r * paramCount, (r + 1) * paramCount), target);
      if (column[r] === Infinity) unreachable++;
    }
    const estimate = refitter.inverse(fullParams, target);
    return {
      y: target,
      estimate: Number.isFinite(estimate) ? estimate : null,
      ...percentileInterval(column, level),
      unreachableShare: unreachable / succeeded,
    };
  });

  if (failed > 0) {
    warnings.push({
      code: "bootstrap-failures",
      message: `${failed} of ${requested} bootstrap refits were dropped (too few distinct x or non-finite parameters).`,
    });
  }
  if (notConverged > 0) {
    warnings.push({
      code: "not-converged",
      message: `${notConverged} of ${requested} bootstrap refits hit the iteration limit; they are kept, so intervals may be too narrow or too wide.`,
    });
  }
  if (fit.model === "power-law" && fit.fixedC === null) {
    const c = parameters.c;
    const span = Math.max(...fit.y) - Math.min(...fit.y);
    if (!(c.upper - c.lower <= 2 * span)) {
      warnings.push({
        code: "asymptote-not-identified",
        message: `the ${Math.round(level * 100)}% bootstrap interval for c, [${c.lower.toPrecision(4)}, ${c.upper.toPrecision(4)}], is wider than twice the range of the data: c is not pinned down.`,
      });
    }
  }
  return { scheme: options.scheme, level, requested, succeeded, failed, notConverged, parameters, band, inverses, replicateParams, warnings };
}
