import type { LmStopReason } from "./levenberg-marquardt.js";

export type FitLoss = { kind: "squared" } | { kind: "huber"; delta: number };

export type FitWarningCode =
  | "too-few-points"
  | "not-converged"
  | "parameter-at-bound"
  | "asymptote-not-identified"
  | "asymptote-fixed"
  | "far-from-saturation"
  | "bootstrap-failures"
  | "bootstrap-y-mismatch";

export interface FitWarning {
  code: FitWarningCode;
  message: string;
}

export interface FitConvergence {
  converged: boolean;
  reason: LmStopReason | "closed-form";
  iterations: number;
  /** Final objective (Σ r²/2 or the Huber sum) on weighted residuals. */
  cost: number;
}

export interface GoodnessOfFit {
  /** 1 − SS_res/SS_tot on unweighted residuals. */
  rSquared: number;
  /** Mean absolute error, in y units. */
  mae: number;
  rmse: number;
}

export interface FitBase extends GoodnessOfFit {
  x: number[];
  y: number[];
  weights: number[] | null;
  fitted: number[];
  /** y − fitted. */
  residuals: number[];
  convergence: FitConvergence;
  warnings: FitWarning[];
}

export type PowerLawParameter = "a" | "b" | "c";

export interface PowerLawParams {
  a: number;
  b: number;
  c: number;
}

export interface PowerLawBounds {
  a: [number, number];
  b: [number, number];
  c: [number, number];
}

export interface ParameterAtBound {
  parameter: PowerLawParameter;
  side: "lower" | "upper";
  value: number;
}

/** y = c − a·x^(−b). */
export interface PowerLawFit extends FitBase {
  model: "power-law";
  params: PowerLawParams;
  /** The fixed asymptote, or null when c was estimated. */
  fixedC: number | null;
  freeParameters: PowerLawParameter[];
  bounds: PowerLawBounds;
  loss: FitLoss;
  start: PowerLawParams;
  atBounds: ParameterAtBound[];
}

export interface LogLinearParams {
  alpha: number;
  beta: number;
}

/** y = α + β·ln x. */
export interface LogLinearFit extends FitBase {
  model: "log-linear";
  params: LogLinearParams;
}

export type CurveFit = PowerLawFit | LogLinearFit;

/** Result of solving the fitted curve for x at a target y. */
export type CurveInverse = { reachable: true; x: number } | { reachable: false; x: null; reason: string };
