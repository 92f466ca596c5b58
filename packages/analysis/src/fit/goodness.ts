import type { GoodnessOfFit } from "./types.js";

export function goodnessOfFit(observed: readonly number[], fitted: readonly number[]): GoodnessOfFit {
  const n = observed.length;
  let centre = 0;
  for (const value of observed) centre += value;
  centre /= n;
  let residualSquares = 0;
  let totalSquares = 0;
  let absolute = 0;
  for (let i = 0; i < n; i++) {
    const residual = observed[i] - fitted[i];
    residualSquares += residual * residual;
    totalSquares += (observed[i] - centre) ** 2;
    absolute += Math.abs(residual);
  }
  return {
    rSquared: totalSquares > 0 ? 1 - residualSquares / totalSquares : NaN,
    mae: absolute / n,
    rmse: Math.sqrt(residualSquares / n),
  };
}

export function checkCurveInput(x: readonly number[], y: readonly number[], weights?: readonly number[]): void {
  if (x.length !== y.length) throw new RangeError(`x has ${x.length} values but y has ${y.length}`);
  if (x.length === 0) throw new RangeError("no points to fit");
  for (let i = 0; i < x.length; i++) {
    if (!(x[i] > 0) || !Number.isFinite(x[i])) throw new RangeError(`x must be finite and > 0, got x[${i}] = ${x[i]}`);
    if (!Number.isFinite(y[i])) throw new RangeError(`y must be finite, got y[${i}] = ${y[i]}`);
  }
  if (weights) {
    if (weights.length !== x.length) throw new RangeError("weights must have one value per point");
    for (const weight of weights) {
      if (!(weight > 0) || !Number.isFinite(weight)) throw new RangeError(`weights must be finite and > 0, got ${weight}`);
    }
  }
}

/** Distinct values among the first `count` entries; quadratic but allocation-free, for bootstrap loops over few points. */
export function distinctCount(values: ArrayLike<number>, count: number): number {
  let distinct = 0;
  for (let i = 0; i < count; i++) {
    let seenBefore = false;
    for (let j = 0; j < i && !seenBefore; j++) seenBefore = values[j] === values[i];
    if (!seenBefore) distinct++;
  }
  return distinct;
}
