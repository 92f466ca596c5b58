import type { CurveFit } from "../fit/types.js";

/**
 * When a paper prints dollars read off a power law it does not print (a and b unknown, c fixed),
 * two of those dollar figures pin the curve down: ln(c − y) = ln a − b·ln x through both. Comparing
 * that implied curve with the least-squares optimum on the same points shows how far the published
 * figures sit from what the data support, and the rounding of the printed dollars bounds b.
 */
export interface ImpliedCurve {
  a: number;
  b: number;
  /** b when each printed dollar figure is moved by ±0.5 (it was rounded to the dollar). */
  bRange: [number, number];
  /** Sum of squared residuals of the implied curve on the fitted points, and of our optimum. */
  sse: number;
  optimumSse: number;
  from: { score: number; usd: number }[];
}

function throughTwo(c: number, first: { y: number; x: number }, second: { y: number; x: number }): { a: number; b: number } {
  const b = -(Math.log(c - first.y) - Math.log(c - second.y)) / (Math.log(first.x) - Math.log(second.x));
  return { a: (c - first.y) * first.x ** b, b };
}

function sumSquares(fit: CurveFit, value: (x: number) => number): number {
  let sum = 0;
  fit.x.forEach((x, i) => {
    sum += (fit.y[i] - value(x)) ** 2;
  });
  return sum;
}

export function impliedPowerLaw(fit: CurveFit, published: readonly { score: number; usd: number }[], xScale: number): ImpliedCurve | null {
  if (fit.model !== "power-law" || fit.fixedC === null) return null;
  const c = fit.fixedC;
  const optimum = fit.params;
  const usable = published.filter((entry) => entry.score < c);
  const distinct = usable.filter((entry, i) => usable.findIndex((other) => other.score === entry.score) === i);
  if (distinct.length < 2) return null;
  const [first, second] = distinct;
  const at = (entry: { score: number; usd: number }, shift: number) => ({ y: entry.score, x: (entry.usd + shift) * xScale });
  const { a, b } = throughTwo(c, at(first, 0), at(second, 0));
  const corners = [-0.5, 0.5].flatMap((s1) => [-0.5, 0.5].map((s2) => throughTwo(c, at(first, s1), at(second, s2)).b));
  return {
    a,
    b,
    bRange: [Math.min(...corners), Math.max(...corners)],
    sse: sumSquares(fit, (x) => c - a * x ** -b),
    optimumSse: sumSquares(fit, (x) => optimum.c - optimum.a * x ** -optimum.b),
    from: [first, second],
  };
}
