import { logGamma } from "./gamma-functions.js";

/**
 * Regularized incomplete beta I_x(a, b) via its continued fraction (modified
 * Lentz). The fraction converges quickly for x < (a + 1)/(a + b + 2); beyond
 * that the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) is used instead.
 */

const MAX_TERMS = 10_000;
const EPSILON = 1e-16;
const TINY = 1e-300;

function continuedFraction(a: number, b: number, x: number): number {
  const sumAB = a + b;
  const aPlusOne = a + 1;
  const aMinusOne = a - 1;
  let c = 1;
  let d = 1 - (sumAB * x) / aPlusOne;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_TERMS; m++) {
    const twoM = 2 * m;
    // Even step of the fraction.
    let coefficient = (m * (b - m) * x) / ((aMinusOne + twoM) * (a + twoM));
    d = 1 + coefficient * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + coefficient / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    // Odd step.
    coefficient = (-(a + m) * (sumAB + m) * x) / ((a + twoM) * (aPlusOne + twoM));
    d = 1 + coefficient * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + coefficient / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return h;
}

export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`incomplete beta needs a, b > 0, got ${a}, ${b}`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`incomplete beta needs 0 <= x <= 1, got ${x}`);
  if (x === 0) return 0;
  if (x === 1) return 1;
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b);
  if (x < (a + 1) / (a + b + 2)) {
    return (Math.exp(logFront) * continuedFraction(a, b, x)) / a;
  }
  return 1 - (Math.exp(logFront) * continuedFraction(b, a, 1 - x)) / b;
}
