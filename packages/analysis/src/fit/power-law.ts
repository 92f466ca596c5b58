import { powerLawWarnings } from "./diagnostics.js";
import { checkCurveInput, distinctCount, goodnessOfFit } from "./goodness.js";
import { createLmSolver, DEFAULT_LM_SETTINGS, type LmSettings } from "./levenberg-marquardt.js";
import { createPowerLawWorkspace, type PowerLawWorkspace } from "./power-law-problem.js";
import { powerLawStart } from "./power-law-start.js";
import type { CurveInverse, FitLoss, ParameterAtBound, PowerLawBounds, PowerLawFit, PowerLawParameter, PowerLawParams } from "./types.js";

export interface PowerLawOptions {
  /** Hold c at this value (the paper fixes c = 70). */
  fixedC?: number;
  /** Box constraints; defaults a ∈ [0, ∞), b ∈ [0, ∞), c unbounded (a rising curve). */
  bounds?: Partial<PowerLawBounds>;
  loss?: FitLoss;
  /** Per-point weights (e.g. 1/SD²); the objective is Σ w·r². */
  weights?: readonly number[];
  /** Starting values; anything not given comes from the deterministic linearized start. */
  start?: Partial<PowerLawParams>;
  maxIterations?: number;
}

export const DEFAULT_POWER_LAW_BOUNDS: PowerLawBounds = {
  a: [0, Infinity],
  b: [0, Infinity],
  c: [-Infinity, Infinity],
};

export function powerLawValue(params: PowerLawParams, x: number): number {
  return params.c - params.a * x ** -params.b;
}

/**
 * Solves y = c − a·x^(−b) for x: x = (a/(c − y))^(1/b). A rising curve only
 * approaches c, so targets at or above c are never reached.
 */
export function powerLawInverse(params: PowerLawParams, y: number): CurveInverse {
  const { a, b, c } = params;
  if (!(b > 0)) return { reachable: false, x: null, reason: `b = ${b} is not positive: the curve is flat or not saturating` };
  if (a > 0 && y >= c) {
    return { reachable: false, x: null, reason: `target ${y} is at or above the asymptote c = ${c}; the curve never reaches it` };
  }
  if (a < 0 && y <= c) {
    return { reachable: false, x: null, reason: `target ${y} is at or below the asymptote c = ${c}; the curve never reaches it` };
  }
  if (a === 0) return { reachable: false, x: null, reason: "a = 0: the curve is constant at c" };
  return { reachable: true, x: (a / (c - y)) ** (1 / b) };
}

/**
 * Re-expresses a fit for x' = factor·x (e.g. samples → dollars): b and c are
 * unchanged and a' = a·factor^b, which is why fits against samples and against
 * cost share b.
 */
export function rescalePowerLawX(params: PowerLawParams, factor: number): PowerLawParams {
  if (!(factor > 0)) throw new RangeError("x scale factor must be > 0");
  return { a: params.a * factor ** params.b, b: params.b, c: params.c };
}

export interface PowerLawSettings {
  bounds: PowerLawBounds;
  lmSettings: LmSettings;
  freeParameters: PowerLawParameter[];
}

export function powerLawSettings(fixedC: number | null, bounds: PowerLawBounds, loss: FitLoss, maxIterations: number): PowerLawSettings {
  const freeParameters: PowerLawParameter[] = fixedC === null ? ["a", "b", "c"] : ["a", "b"];
  const lower = Float64Array.from(freeParameters.map((name) => bounds[name][0]));
  const upper = Float64Array.from(freeParameters.map((name) => bounds[name][1]));
  if (loss.kind === "huber" && !(loss.delta > 0)) throw new RangeError("Huber delta must be > 0");
  return {
    bounds,
    freeParameters,
    lmSettings: {
      ...DEFAULT_LM_SETTINGS,
      maxIterations,
      lower,
      upper,
      huberDelta: loss.kind === "huber" ? loss.delta : null,
    },
  };
}

function mergeBounds(partial: Partial<PowerLawBounds> | undefined): PowerLawBounds {
  const bounds = { ...DEFAULT_POWER_LAW_BOUNDS, ...partial };
  for (const name of ["a", "b", "c"] as const) {
    const [low, high] = bounds[name];
    if (!(low <= high)) throw new RangeError(`bounds for ${name} are empty: [${low}, ${high}]`);
  }
  return bounds;
}

function boundHits(params: PowerLawParams, free: readonly PowerLawParameter[], bounds: PowerLawBounds): ParameterAtBound[] {
  const hits: ParameterAtBound[] = [];
  for (const name of free) {
    const value = params[name];
    const [low, high] = bounds[name];
    const tolerance = 1e-9 * Math.max(1, Math.abs(value));
    if (Number.isFinite(low) && value - low <= tolerance) hits.push({ parameter: name, side: "lower", value });
    else if (Number.isFinite(high) && high - value <= tolerance) hits.push({ parameter: name, side: "upper", value });
  }
  return hits;
}

export function loadWorkspace(workspace: PowerLawWorkspace, x: readonly number[], y: readonly number[], weights: readonly number[] | undefined): void {
  workspace.count = x.length;
  for (let i = 0; i < x.length; i++) {
    workspace.lnX[i] = Math.log(x[i]);
    workspace.y[i] = y[i];
    workspace.sqrtWeights[i] = weights ? Math.sqrt(weights[i]) : 1;
  }
}

/** Nonlinear least-squares fit of y = c − a·x^(−b) (Levenberg–Marquardt with box constraints). */
export function fitPowerLaw(x: readonly number[], y: readonly number[], options: PowerLawOptions = {}): PowerLawFit {
  checkCurveInput(x, y, options.weights);
  const fixedC = options.fixedC ?? null;
  if (fixedC !== null && !Number.isFinite(fixedC)) throw new RangeError("fixedC must be finite");
  const bounds = mergeBounds(options.bounds);
  const loss: FitLoss = options.loss ?? { kind: "squared" };
  const settings = powerLawSettings(fixedC, bounds, loss, options.maxIterations ?? DEFAULT_LM_SETTINGS.maxIterations);
  const workspace = createPowerLawWorkspace(x.length, fixedC);
  loadWorkspace(workspace, x, y, options.weights);
  const start = powerLawStart(workspace, bounds, options.start ?? {});
  const vector = Float64Array.from(fixedC === null ? [start.a, start.b, start.c] : [start.a, start.b]);
  const outcome = createLmSolver(x.length, vector.length).solve(workspace.problem, vector, settings.lmSettings);
  const params: PowerLawParams = { a: vector[0], b: vector[1], c: fixedC ?? vector[2] };
  const fitted = x.map((value) => powerLawValue(params, value));
  const residuals = y.map((value, i) => value - fitted[i]);
  const convergence = {
    converged: outcome.converged,
    reason: outcome.reason,
    iterations: outcome.iterations,
    cost: outcome.cost,
  };
  const atBounds = boundHits(params, settings.freeParameters, bounds);
  const warnings = powerLawWarnings({
    params,
    fixedC,
    freeParameterCount: settings.freeParameters.length,
    distinctX: distinctCount(x, x.length),
    x,
    convergence,
    atBounds,
  });
  return {
    model: "power-law",
    params,
    fixedC,
    freeParameters: settings.freeParameters,
    bounds,
    loss,
    start,
    x: [...x],
    y: [...y],
    weights: options.weights ? [...options.weights] : null,
    fitted,
    residuals,
    ...goodnessOfFit(y, fitted),
    convergence,
    atBounds,
    warnings,
  };
}
