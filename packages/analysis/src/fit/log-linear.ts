import { checkCurveInput, distinctCount, goodnessOfFit } from "./goodness.js";
import type { CurveInverse, FitWarning, LogLinearFit, LogLinearParams } from "./types.js";

export function logLinearValue(params: LogLinearParams, x: number): number {
  return params.alpha + params.beta * Math.log(x);
}

/** x = exp((y − α)/β); every y is reachable unless β = 0. */
export function logLinearInverse(params: LogLinearParams, y: number): CurveInverse {
  if (params.beta === 0) return { reachable: false, x: null, reason: "β = 0: the curve is flat" };
  return { reachable: true, x: Math.exp((y - params.alpha) / params.beta) };
}

/**
 * Weighted least-squares line through (ln x, y), writing α and β into `out`.
 * Returns false when fewer than two distinct x carry weight.
 */
export function solveLogLinear(lnX: ArrayLike<number>, y: ArrayLike<number>, weights: ArrayLike<number> | null, count: number, out: Float64Array): boolean {
  let weightSum = 0;
  let sumX = 0;
  let sumY = 0;
  for (let i = 0; i < count; i++) {
    const w = weights ? weights[i] : 1;
    weightSum += w;
    sumX += w * lnX[i];
    sumY += w * y[i];
  }
  const meanX = sumX / weightSum;
  const meanY = sumY / weightSum;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < count; i++) {
    const w = weights ? weights[i] : 1;
    const dx = lnX[i] - meanX;
    sxx += w * dx * dx;
    sxy += w * dx * (y[i] - meanY);
  }
  if (!(sxx > 1e-300)) return false;
  out[1] = sxy / sxx;
  out[0] = meanY - out[1] * meanX;
  return true;
}

/** Closed-form fit of y = α + β·ln x (the c → ∞ limit of the power law). */
export function fitLogLinear(x: readonly number[], y: readonly number[], options: { weights?: readonly number[] } = {}): LogLinearFit {
  checkCurveInput(x, y, options.weights);
  const solution = new Float64Array(2);
  if (!solveLogLinear(x.map(Math.log), y, options.weights ?? null, x.length, solution)) {
    throw new RangeError("log-linear fit needs at least two distinct x values");
  }
  const params = { alpha: solution[0], beta: solution[1] };
  const fitted = x.map((value) => logLinearValue(params, value));
  const residuals = y.map((value, i) => value - fitted[i]);
  const cost = 0.5 * residuals.reduce((sum, r, i) => sum + (options.weights ? options.weights[i] : 1) * r * r, 0);
  const warnings: FitWarning[] = [];
  const distinct = distinctCount(x, x.length);
  if (distinct <= 3) {
    warnings.push({
      code: "too-few-points",
      message: `${distinct} distinct x values for 2 parameters: at most one residual degree of freedom.`,
    });
  }
  return {
    model: "log-linear",
    params,
    x: [...x],
    y: [...y],
    weights: options.weights ? [...options.weights] : null,
    fitted,
    residuals,
    ...goodnessOfFit(y, fitted),
    convergence: { converged: true, reason: "closed-form", iterations: 0, cost },
    warnings,
  };
}
