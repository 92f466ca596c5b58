import type { FitConvergence, FitWarning, ParameterAtBound, PowerLawParams } from "./types.js";

/**
 * Plain-language warnings for a power-law fit. Thresholds:
 * - too few points: distinct x values ≤ free parameters + 1 (at most one
 *   residual degree of freedom, so R² and MAE say little);
 * - asymptote not identified (c free): c on a bound, b below 0.02 (the curve is
 *   then indistinguishable from a + b·ln x and c trades off against a), or the
 *   data span less than a quarter of the rise from the first fitted point to c;
 * - far from saturation (c fixed): the data span less than half of that rise.
 */

export interface PowerLawDiagnosticInput {
  params: PowerLawParams;
  fixedC: number | null;
  freeParameterCount: number;
  distinctX: number;
  x: readonly number[];
  convergence: FitConvergence;
  atBounds: readonly ParameterAtBound[];
}

function formatNumber(value: number): string {
  return Number.isFinite(value) ? Number(value.toPrecision(4)).toString() : String(value);
}

/** Share of the rise from the fitted value at the smallest x up to c that the data cover. */
export function saturationCoverage(params: PowerLawParams, x: readonly number[]): number {
  const smallest = Math.min(...x);
  const largest = Math.max(...x);
  const first = params.c - params.a * smallest ** -params.b;
  const last = params.c - params.a * largest ** -params.b;
  const rise = params.c - first;
  return rise !== 0 ? (last - first) / rise : NaN;
}

export function powerLawWarnings(input: PowerLawDiagnosticInput): FitWarning[] {
  const warnings: FitWarning[] = [];
  const { params } = input;
  if (input.distinctX <= input.freeParameterCount + 1) {
    warnings.push({
      code: "too-few-points",
      message:
        `${input.distinctX} distinct x values for ${input.freeParameterCount} free parameters: ` +
        `at most one residual degree of freedom, so the curve is pinned by the points and R²/MAE mean little.`,
    });
  }
  if (!input.convergence.converged) {
    const drifting = input.fixedC === null ? ` (c ended at ${formatNumber(params.c)} and may still be moving)` : "";
    warnings.push({
      code: "not-converged",
      message: `the optimizer stopped without converging (${input.convergence.reason} after ${input.convergence.iterations} iterations)${drifting}.`,
    });
  }
  for (const bound of input.atBounds) {
    warnings.push({
      code: "parameter-at-bound",
      message:
        `${bound.parameter} = ${formatNumber(bound.value)} sits on its ${bound.side} bound: the optimum lies on the ` +
        `constraint, so this value reflects the bound rather than the data.`,
    });
  }
  const coverage = saturationCoverage(params, input.x);
  if (input.fixedC === null) {
    const cAtBound = input.atBounds.some((bound) => bound.parameter === "c");
    const reasons: string[] = [];
    if (cAtBound) reasons.push("c is on its bound");
    if (params.b < 0.02) reasons.push(`b = ${formatNumber(params.b)} is near 0, so the curve is effectively α + β·ln x`);
    if (coverage < 0.25) reasons.push(`the data cover only ${Math.round(coverage * 100)}% of the rise to c`);
    if (reasons.length > 0) {
      warnings.push({
        code: "asymptote-not-identified",
        message:
          `the asymptote c = ${formatNumber(params.c)} is not identified by these points (${reasons.join("; ")}); ` +
          `fix c from outside knowledge or report c as unknown.`,
      });
    }
  } else {
    warnings.push({
      code: "asymptote-fixed",
      message: `c is fixed at ${formatNumber(input.fixedC)} by assumption, not estimated; intervals do not include uncertainty in c.`,
    });
    if (coverage < 0.5) {
      warnings.push({
        code: "far-from-saturation",
        message:
          `the data reach only ${Math.round(coverage * 100)}% of the way from the first point to c = ` +
          `${formatNumber(input.fixedC)}; predictions beyond the largest x are extrapolation that leans on the chosen c.`,
      });
    }
  }
  return warnings;
}
