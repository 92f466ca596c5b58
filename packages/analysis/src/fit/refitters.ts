import { createLmSolver } from "./levenberg-marquardt.js";
import { logLinearInverse, logLinearValue, solveLogLinear } from "./log-linear.js";
import { powerLawInverse, powerLawSettings, powerLawValue } from "./power-law.js";
import { createPowerLawWorkspace } from "./power-law-problem.js";
import type { CurveFit, LogLinearFit, PowerLawFit } from "./types.js";

export type RefitStatus = "ok" | "not-converged" | "failed";

/**
 * Refits a model on points written into `x`, `y`, `weights` (first `count`
 * entries), warm-started from the full-data fit. Refitters own all their
 * buffers, so a bootstrap loop allocates nothing per replicate.
 */
export interface CurveRefitter {
  readonly parameterNames: readonly string[];
  /** How many of the parameters are estimated (fewer distinct x than this is degenerate). */
  readonly freeParameterCount: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly weights: Float64Array | null;
  count: number;
  /** Writes the full parameter vector into `out` (power law: a, b, c; log-linear: α, β). */
  refit(out: Float64Array): RefitStatus;
  evaluate(params: Float64Array, x: number): number;
  /** x reaching y, or +Infinity when the curve never gets there. */
  inverse(params: Float64Array, y: number): number;
}

function powerLawRefitter(fit: PowerLawFit): CurveRefitter {
  const capacity = fit.x.length;
  const workspace = createPowerLawWorkspace(capacity, fit.fixedC);
  // Refits start next to the answer, so 200 iterations is ample; a refit that
  // needs more is counted as not converged rather than slowing the loop.
  const settings = powerLawSettings(fit.fixedC, fit.bounds, fit.loss, 200);
  const solver = createLmSolver(capacity, settings.freeParameters.length);
  const warm = Float64Array.from(fit.fixedC === null ? [fit.params.a, fit.params.b, fit.params.c] : [fit.params.a, fit.params.b]);
  const vector = new Float64Array(warm.length);
  const x = new Float64Array(capacity);
  const y = new Float64Array(capacity);
  const weights = fit.weights ? new Float64Array(capacity) : null;
  const refitter: CurveRefitter = {
    parameterNames: ["a", "b", "c"],
    freeParameterCount: warm.length,
    x,
    y,
    weights,
    count: capacity,
    refit(out) {
      workspace.count = refitter.count;
      for (let i = 0; i < refitter.count; i++) {
        workspace.lnX[i] = Math.log(x[i]);
        workspace.y[i] = y[i];
        workspace.sqrtWeights[i] = weights ? Math.sqrt(weights[i]) : 1;
      }
      vector.set(warm);
      const outcome = solver.solve(workspace.problem, vector, settings.lmSettings);
      out[0] = vector[0];
      out[1] = vector[1];
      out[2] = fit.fixedC ?? vector[2];
      if (!Number.isFinite(outcome.cost) || !Number.isFinite(out[0] + out[1] + out[2])) return "failed";
      return outcome.converged ? "ok" : "not-converged";
    },
    evaluate: (params, at) => powerLawValue({ a: params[0], b: params[1], c: params[2] }, at),
    inverse(params, target) {
      const result = powerLawInverse({ a: params[0], b: params[1], c: params[2] }, target);
      return result.reachable ? result.x : Infinity;
    },
  };
  return refitter;
}

function logLinearRefitter(fit: LogLinearFit): CurveRefitter {
  const capacity = fit.x.length;
  const lnX = new Float64Array(capacity);
  const x = new Float64Array(capacity);
  const y = new Float64Array(capacity);
  const weights = fit.weights ? new Float64Array(capacity) : null;
  const refitter: CurveRefitter = {
    parameterNames: ["alpha", "beta"],
    freeParameterCount: 2,
    x,
    y,
    weights,
    count: capacity,
    refit(out) {
      for (let i = 0; i < refitter.count; i++) lnX[i] = Math.log(x[i]);
      return solveLogLinear(lnX, y, weights, refitter.count, out) ? "ok" : "failed";
    },
    evaluate: (params, at) => logLinearValue({ alpha: params[0], beta: params[1] }, at),
    inverse(params, target) {
      const result = logLinearInverse({ alpha: params[0], beta: params[1] }, target);
      return result.reachable ? result.x : Infinity;
    },
  };
  return refitter;
}

export function createRefitter(fit: CurveFit): CurveRefitter {
  return fit.model === "power-law" ? powerLawRefitter(fit) : logLinearRefitter(fit);
}

export function fullParameterVector(fit: CurveFit): number[] {
  return fit.model === "power-law" ? [fit.params.a, fit.params.b, fit.params.c] : [fit.params.alpha, fit.params.beta];
}
