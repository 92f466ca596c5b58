import { fitLogLinear } from "../fit/log-linear.js";
import { fitPowerLaw, type PowerLawOptions } from "../fit/power-law.js";
import type { CurveFit, PowerLawBounds } from "../fit/types.js";
import type { FitConfig } from "./fit-section.js";

/** A report fit's settings as solver options; the sensitivity variants start from these and change one. */
export function powerLawOptions(config: FitConfig): PowerLawOptions {
  let bounds: Partial<PowerLawBounds> | undefined;
  if (config.bounds) {
    bounds = {};
    for (const name of ["a", "b", "c"] as const) {
      const range = config.bounds[name];
      if (range) bounds[name] = [range[0] ?? -Infinity, range[1] ?? Infinity];
    }
  }
  return {
    fixedC: config.fixedC,
    bounds,
    loss: config.loss === "huber" ? { kind: "huber", delta: config.huberDelta } : { kind: "squared" },
  };
}

/** The curve a report fit asks for, through the points (x already scaled). */
export function fitCurve(config: FitConfig, x: readonly number[], y: readonly number[]): CurveFit {
  return config.model === "log-linear" ? fitLogLinear(x, y) : fitPowerLaw(x, y, powerLawOptions(config));
}
