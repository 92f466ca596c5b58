import { regularizedIncompleteBeta } from "./beta-function.js";
import { regularizedGammaQ } from "./gamma-functions.js";

/** Complementary error function through erfc(z) = Q(1/2, z²) for z ≥ 0. */
export function erfc(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z >= 0) return regularizedGammaQ(0.5, z * z);
  return 2 - regularizedGammaQ(0.5, z * z);
}

export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

// Acklam's rational approximation (relative error ~1e-9), polished below by one
// Halley step against normalCdf, which brings it to double precision.
const CENTRAL_NUMERATOR = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const CENTRAL_DENOMINATOR = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const TAIL_NUMERATOR = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const TAIL_DENOMINATOR = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const TAIL_SPLIT = 0.02425;

function polynomial(coefficients: readonly number[], x: number): number {
  let value = 0;
  for (const coefficient of coefficients) value = value * x + coefficient;
  return value;
}

function tailApproximation(p: number): number {
  const q = Math.sqrt(-2 * Math.log(p));
  return polynomial(TAIL_NUMERATOR, q) / (polynomial(TAIL_DENOMINATOR, q) * q + 1);
}

/** Inverse of the standard normal CDF. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`normalQuantile needs 0 <= p <= 1, got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  let x: number;
  if (p < TAIL_SPLIT) {
    x = tailApproximation(p);
  } else if (p > 1 - TAIL_SPLIT) {
    x = -tailApproximation(1 - p);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = (polynomial(CENTRAL_NUMERATOR, r) * q) / (polynomial(CENTRAL_DENOMINATOR, r) * r + 1);
  }
  const error = normalCdf(x) - p;
  const u = error * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** P(|T| ≥ |t|) for Student's t with df degrees of freedom (df may be fractional). */
export function studentTTwoSidedP(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`t distribution needs df > 0, got ${df}`);
  if (Number.isNaN(t)) return NaN;
  if (!Number.isFinite(t)) return 0;
  return regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** P(F ≥ f) for the F distribution with (d1, d2) degrees of freedom. */
export function fSurvival(f: number, d1: number, d2: number): number {
  if (!(d1 > 0) || !(d2 > 0)) throw new RangeError(`F distribution needs d1, d2 > 0, got ${d1}, ${d2}`);
  if (f <= 0) return 1;
  if (!Number.isFinite(f)) return 0;
  return regularizedIncompleteBeta(d2 / (d2 + d1 * f), d2 / 2, d1 / 2);
}

/** P(X ≥ x) for a chi-square variable with k degrees of freedom. */
export function chiSquareSurvival(x: number, k: number): number {
  if (!(k > 0)) throw new RangeError(`chi-square needs k > 0, got ${k}`);
  if (x <= 0) return 1;
  return regularizedGammaQ(k / 2, x / 2);
}
