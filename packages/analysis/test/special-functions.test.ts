import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  chiSquareSurvival,
  fSurvival,
  logGamma,
  normalCdf,
  normalQuantile,
  regularizedGammaP,
  regularizedGammaQ,
  regularizedIncompleteBeta,
  studentTTwoSidedP,
} from "../src/index.js";
import { expectClose, readReference } from "./reference-values.js";

const special = readReference("stats.json").special;

describe("special functions: hand-computed cases", () => {
  it("log-gamma of integers and one half", () => {
    expectClose(logGamma(5), Math.log(24), 1e-14); // Γ(5) = 4! = 24
    expectClose(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-14); // Γ(1/2) = √π
    expectClose(logGamma(1), 0, 0, 1e-14);
  });

  it("incomplete beta closed forms", () => {
    expectClose(regularizedIncompleteBeta(0.37, 1, 1), 0.37, 1e-14); // uniform CDF
    expectClose(regularizedIncompleteBeta(0.6, 3, 1), 0.6 ** 3, 1e-14); // I_x(a, 1) = x^a
    expectClose(regularizedIncompleteBeta(0.6, 1, 2), 1 - 0.4 ** 2, 1e-14); // I_x(1, b) = 1 − (1−x)^b
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
  });

  it("incomplete gamma closed forms", () => {
    expectClose(regularizedGammaP(1, 2.5), 1 - Math.exp(-2.5), 1e-14); // exponential CDF
    expectClose(regularizedGammaQ(2, 3), Math.exp(-3) * (1 + 3), 1e-14); // Q(2, x) = e^−x (1 + x)
  });

  it("distribution tails with closed forms", () => {
    expect(normalCdf(0)).toBe(0.5);
    // t with 1 df is Cauchy: P(|T| ≥ t) = 1 − 2·atan(t)/π; at t = 1 that is 1/2.
    expectClose(studentTTwoSidedP(1, 1), 0.5, 1e-14);
    expectClose(studentTTwoSidedP(3, 1), 1 - (2 * Math.atan(3)) / Math.PI, 1e-13);
    // chi-square with 2 df is exponential with mean 2.
    expectClose(chiSquareSurvival(4, 2), Math.exp(-2), 1e-14);
    // F(2, 2): P(F ≥ f) = 1 / (1 + f).
    expectClose(fSurvival(3, 2, 2), 0.25, 1e-13);
    expectClose(normalQuantile(0.975), 1.959963984540054, 1e-14);
  });

  it("rejects arguments outside the domain", () => {
    expect(() => regularizedIncompleteBeta(1.2, 1, 1)).toThrow(RangeError);
    expect(() => regularizedGammaP(-1, 1)).toThrow(RangeError);
    expect(() => normalQuantile(1.5)).toThrow(RangeError);
  });
});

describe("special functions against scipy (stats.json)", () => {
  it("log-gamma", () => {
    for (const c of special.logGamma) expectClose(logGamma(c.x), c.value, 1e-12, 1e-13);
  });
  it("regularized incomplete beta", () => {
    for (const c of special.incompleteBeta) expectClose(regularizedIncompleteBeta(c.x, c.a, c.b), c.value, 1e-10);
  });
  it("regularized incomplete gamma P and Q", () => {
    for (const c of special.gammaP) expectClose(regularizedGammaP(c.a, c.x), c.value, 1e-10);
    for (const c of special.gammaQ) expectClose(regularizedGammaQ(c.a, c.x), c.value, 1e-10);
  });
  it("normal CDF and quantile, including far tails", () => {
    for (const c of special.normalCdf) expectClose(normalCdf(c.x), c.value, 1e-10);
    for (const c of special.normalQuantile) expectClose(normalQuantile(c.p), c.value, 1e-10);
  });
  it("t, F and chi-square tail probabilities", () => {
    for (const c of special.tTwoSided) expectClose(studentTTwoSidedP(c.t, c.df), c.value, 1e-10);
    for (const c of special.fSurvival) expectClose(fSurvival(c.f, c.d1, c.d2), c.value, 1e-10);
    for (const c of special.chiSquareSurvival) expectClose(chiSquareSurvival(c.x, c.k), c.value, 1e-10);
  });
});

describe("special function identities (property tests)", () => {
  it("I_x(a, b) + I_{1−x}(b, a) = 1", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.double({ min: 0.1, max: 50, noNaN: true }),
        fc.double({ min: 0.1, max: 50, noNaN: true }),
        (x, a, b) => {
          const sum = regularizedIncompleteBeta(x, a, b) + regularizedIncompleteBeta(1 - x, b, a);
          return Math.abs(sum - 1) < 1e-10;
        },
      ),
    );
  });

  it("P(a, x) + Q(a, x) = 1 and the quantile inverts the CDF", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 200, noNaN: true }), fc.double({ min: 0, max: 400, noNaN: true }), (a, x) => {
        return Math.abs(regularizedGammaP(a, x) + regularizedGammaQ(a, x) - 1) < 1e-12;
      }),
    );
    fc.assert(
      fc.property(fc.double({ min: 1e-10, max: 1 - 1e-10, noNaN: true }), (p) => {
        return Math.abs(normalCdf(normalQuantile(p)) - p) <= 1e-12 * Math.max(p, 1e-3);
      }),
    );
  });
});
