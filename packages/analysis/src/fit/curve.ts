import { logLinearInverse, logLinearValue } from "./log-linear.js";
import { powerLawInverse, powerLawValue } from "./power-law.js";
import type { CurveFit, CurveInverse } from "./types.js";

/** Value of a fitted curve at x. */
export function curveValue(fit: CurveFit, x: number): number {
  return fit.model === "power-law" ? powerLawValue(fit.params, x) : logLinearValue(fit.params, x);
}

/** x at which a fitted curve reaches y, or the reason it never does. */
export function curveInverse(fit: CurveFit, y: number): CurveInverse {
  return fit.model === "power-law" ? powerLawInverse(fit.params, y) : logLinearInverse(fit.params, y);
}

/**
 * Inverse from a bootstrap parameter vector (power law: a, b, c; log-linear:
 * α, β); +Infinity when that replicate never reaches y.
 */
export function inverseFromVector(model: CurveFit["model"], vector: readonly number[], y: number): number {
  const result =
    model === "power-law" ? powerLawInverse({ a: vector[0], b: vector[1], c: vector[2] }, y) : logLinearInverse({ alpha: vector[0], beta: vector[1] }, y);
  return result.reachable ? result.x : Infinity;
}

/** Smallest and largest x the curve was fitted on. */
export function fittedXRange(fit: CurveFit): { min: number; max: number } {
  return { min: Math.min(...fit.x), max: Math.max(...fit.x) };
}
