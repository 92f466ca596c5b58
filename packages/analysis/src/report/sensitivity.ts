import { curveInverse, curveValue } from "../fit/curve.js";
import { fitLogLinear } from "../fit/log-linear.js";
import { fitPowerLaw, type PowerLawOptions } from "../fit/power-law.js";
import type { CurveFit, FitWarning } from "../fit/types.js";
import { powerLawOptions } from "./fit-config.js";
import type { BaselineConfig, FitCell, FitConfig } from "./fit-section.js";

/**
 * The same points refitted under other modelling choices, so a reader sees how much a headline
 * read off the curve (dollars at a baseline's score, the cost multiple) owes to each choice: the
 * fixed asymptote, the loss, the weighting, fitting means or seeds, and the curve's form. Every
 * variant changes one thing from the configured fit.
 */

export interface SensitivityRead {
  baseline: BaselineConfig;
  /** Unscaled x where the variant's curve reaches the baseline's score; null when it never does. */
  x: number | null;
  /** Baseline dollars ÷ ours, for cost fits. */
  ratio: number | null;
}

/** What the report keeps of a variant's fit (the full fit holds every residual; report.json need not). */
export interface VariantFit {
  model: CurveFit["model"];
  params: CurveFit["params"];
  rSquared: number;
  mae: number;
  warnings: FitWarning[];
}

export interface SensitivityVariant {
  label: string;
  /** True for the configured fit itself (the first row). */
  configured: boolean;
  fit: VariantFit | null;
  error: string | null;
  reads: SensitivityRead[];
  /** The variant's curve at each of the fit's `predict` x values (unscaled x → y). */
  predictions: { x: number; y: number }[];
}

/** Variants whose fit converged with an identified curve: the ones a range of readings is taken over. */
export function settledVariants(variants: readonly SensitivityVariant[]): SensitivityVariant[] {
  return variants.filter((variant) => variant.fit && !variant.fit.warnings.some((w) => w.code === "not-converged" || w.code === "asymptote-not-identified"));
}

interface VariantSpec {
  label: string;
  configured?: boolean;
  run: (x: number[], cells: readonly FitCell[]) => CurveFit;
}

function variantSpecs(config: FitConfig): VariantSpec[] {
  const settings = config.sensitivity;
  if (!settings) return [];
  const configured = powerLawOptions(config);
  const powerLaw =
    (overrides: PowerLawOptions = {}) =>
    (x: number[], cells: readonly FitCell[]) =>
      fitPowerLaw(
        x,
        cells.map((cell) => cell.mean),
        { ...configured, ...overrides },
      );
  const specs: VariantSpec[] = [];
  if (config.model === "log-linear") {
    specs.push({
      label: "as configured: y = α + β·ln x",
      configured: true,
      run: (x, cells) =>
        fitLogLinear(
          x,
          cells.map((cell) => cell.mean),
        ),
    });
  } else {
    const asymptote = config.fixedC === undefined ? "c estimated" : `c = ${config.fixedC}`;
    specs.push({
      label: `as configured: ${asymptote}, ${config.loss === "huber" ? `Huber δ = ${config.huberDelta}` : "squared loss"}`,
      configured: true,
      run: powerLaw(),
    });
    for (const c of settings.fixedC) specs.push({ label: `asymptote c = ${c}`, run: powerLaw({ fixedC: c }) });
    if (config.fixedC !== undefined && settings.alternatives) specs.push({ label: "asymptote c estimated", run: powerLaw({ fixedC: undefined }) });
  }
  if (!settings.alternatives) return specs;
  if (config.model === "power-law") {
    if (config.loss === "squared")
      specs.push({ label: `Huber loss, δ = ${config.huberDelta}`, run: powerLaw({ loss: { kind: "huber", delta: config.huberDelta } }) });
    else specs.push({ label: "squared loss", run: powerLaw({ loss: { kind: "squared" } }) });
    specs.push({
      label: "weights 1/SD² (noisier points count less)",
      run: (x, cells) => {
        if (cells.some((cell) => cell.sd === null || cell.sd <= 0)) throw new Error("needs an SD above 0 at every point");
        return powerLaw({ weights: cells.map((cell) => 1 / (cell.sd as number) ** 2) })(x, cells);
      },
    });
    specs.push({
      label: "every seed a point (not the means)",
      run: (x, cells) => {
        const xs = cells.flatMap((cell, i) => cell.seeds.map(() => x[i]));
        return fitPowerLaw(
          xs,
          cells.flatMap((cell) => cell.seeds),
          configured,
        );
      },
    });
  }
  specs.push({
    label: config.model === "log-linear" ? "power law, c estimated" : "log-linear form: y = α + β·ln x",
    run:
      config.model === "log-linear"
        ? powerLaw()
        : (x, cells) =>
            fitLogLinear(
              x,
              cells.map((cell) => cell.mean),
            ),
  });
  return specs;
}

export function fitSensitivity(
  config: FitConfig,
  cells: readonly FitCell[],
  baselines: readonly BaselineConfig[],
  baselineUsd: (baseline: BaselineConfig) => number,
): SensitivityVariant[] {
  const x = cells.map((cell) => cell.x * config.xScale);
  const isCost = config.x === "cost";
  return variantSpecs(config).map((spec) => {
    let fit: CurveFit;
    try {
      fit = spec.run(x, cells);
    } catch (error) {
      return { label: spec.label, configured: spec.configured ?? false, fit: null, error: (error as Error).message, reads: [], predictions: [] };
    }
    const reads = baselines.map((baseline) => {
      const inverse = curveInverse(fit, baseline.score);
      const at = inverse.reachable ? inverse.x / config.xScale : null;
      return { baseline, x: at, ratio: isCost && at !== null ? baselineUsd(baseline) / at : null };
    });
    const kept: VariantFit = { model: fit.model, params: fit.params, rSquared: fit.rSquared, mae: fit.mae, warnings: fit.warnings };
    const predictions = config.predict.map((at) => ({ x: at, y: curveValue(fit, at * config.xScale) }));
    return { label: spec.label, configured: spec.configured ?? false, fit: kept, error: null, reads, predictions };
  });
}
