import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  PAPER_FIXED_ASYMPTOTE,
  PAPER_SCALING_POINTS,
  PAPER_USD_PER_TRAJECTORY,
  fitLogLinear,
  fitPowerLaw,
  powerLawInverse,
  powerLawValue,
  rescalePowerLawX,
} from "../src/index.js";
import { expectClose, readReference } from "./reference-values.js";

const reference = readReference("fits.json");
const printedMeans = PAPER_SCALING_POINTS.map((point) => point.printedMean);
const samplesK = PAPER_SCALING_POINTS.map((point) => point.samples / 1000);
const vllmK = PAPER_SCALING_POINTS.map((point) => (point.samples * PAPER_USD_PER_TRAJECTORY.vllm) / 1000);
const zaiK = PAPER_SCALING_POINTS.map((point) => (point.samples * PAPER_USD_PER_TRAJECTORY.zai) / 1000);

describe("power law on exact synthetic data", () => {
  it("recovers known parameters (c free and c fixed)", () => {
    // y = 60 − 20·x^(−0.5) at x = 1, 4, 16, 64, 256 → 40, 50, 55, 57.5, 58.75.
    const x = [1, 4, 16, 64, 256];
    const y = [40, 50, 55, 57.5, 58.75];
    const free = fitPowerLaw(x, y);
    expectClose(free.params.a, 20, 1e-8);
    expectClose(free.params.b, 0.5, 1e-8);
    expectClose(free.params.c, 60, 1e-8);
    expect(free.convergence.converged).toBe(true);
    expectClose(free.rSquared, 1, 1e-12);
    const fixed = fitPowerLaw(x, y, { fixedC: 60 });
    expectClose(fixed.params.a, 20, 1e-9);
    expectClose(fixed.params.b, 0.5, 1e-9);
    expect(fixed.freeParameters).toEqual(["a", "b"]);
  });

  it("recovers random rising curves from noiseless points (property)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 50, noNaN: true }),
        fc.double({ min: 0.05, max: 1.5, noNaN: true }),
        fc.double({ min: 20, max: 90, noNaN: true }),
        (a, b, c) => {
          const x = [0.5, 1, 2, 4, 8, 16];
          const y = x.map((value) => powerLawValue({ a, b, c }, value));
          const fit = fitPowerLaw(x, y, { fixedC: c });
          return Math.abs(fit.params.a - a) <= 1e-6 * a && Math.abs(fit.params.b - b) <= 1e-6 * b;
        },
      ),
      { numRuns: 60 },
    );
  });

  it("inverse undoes the value and refuses targets at or above c", () => {
    const params = { a: 20, b: 0.5, c: 60 };
    const inverse = powerLawInverse(params, powerLawValue(params, 9));
    expect(inverse.reachable).toBe(true);
    expectClose(inverse.x as number, 9, 1e-12);
    // (a/(c − y))^(1/b) = (20/10)^2 = 4 at y = 50.
    expectClose(powerLawInverse(params, 50).x as number, 4, 1e-14);
    const never = powerLawInverse(params, 60);
    expect(never.reachable).toBe(false);
    expect(never.reachable ? "" : never.reason).toMatch(/asymptote/);
    expect(powerLawInverse(params, 75).reachable).toBe(false);
  });

  it("Huber loss down-weights an outlier that pulls the squared fit", () => {
    const x = [1, 2, 4, 8, 16, 32, 64];
    const y = x.map((value) => powerLawValue({ a: 20, b: 0.4, c: 60 }, value));
    y[3] += 6;
    const squared = fitPowerLaw(x, y, { fixedC: 60 });
    const huber = fitPowerLaw(x, y, { fixedC: 60, loss: { kind: "huber", delta: 0.5 } });
    expect(Math.abs(huber.params.b - 0.4)).toBeLessThan(Math.abs(squared.params.b - 0.4));
  });
});

describe("Table 11 fits against scipy least_squares (fits.json)", () => {
  it("c = 70 against $K at vLLM and z.ai pricing and against thousands of samples", () => {
    for (const [name, x] of [
      ["vllmThousands", vllmK],
      ["zaiThousands", zaiK],
      ["samplesThousands", samplesK],
    ] as const) {
      const expected = reference.fixedC70[name];
      const fit = fitPowerLaw(x, printedMeans, { fixedC: PAPER_FIXED_ASYMPTOTE });
      expectClose(fit.params.a, expected.a, 1e-6);
      expectClose(fit.params.b, expected.b, 1e-6);
      expectClose(fit.rSquared, expected.rSquared, 1e-9);
      expectClose(fit.mae, expected.mae, 1e-6);
      fit.residuals.forEach((residual, i) => expectClose(residual, expected.residuals[i], 1e-5, 1e-8));
      expect(fit.convergence.converged).toBe(true);
      for (const target of expected.inverses) {
        expectClose(powerLawInverse(fit.params, target.y).x as number, target.x, 1e-5);
      }
    }
  });

  it("matches the paper's table: a = 27.19 / 25.08 / 32.92, b = 0.1139, R² = 0.980, MAE 0.44 pp", () => {
    const vllm = fitPowerLaw(vllmK, printedMeans, { fixedC: 70 });
    const zai = fitPowerLaw(zaiK, printedMeans, { fixedC: 70 });
    const samples = fitPowerLaw(samplesK, printedMeans, { fixedC: 70 });
    expect([vllm.params.a, zai.params.a, samples.params.a].map((a) => a.toFixed(2))).toEqual(["27.19", "25.08", "32.92"]);
    for (const fit of [vllm, zai, samples]) {
      expect(fit.params.b.toFixed(4)).toBe("0.1139");
      expect(fit.rSquared.toFixed(3)).toBe("0.980");
      expect(fit.mae.toFixed(2)).toBe("0.44");
    }
    // Samples-fit predictions: 44.0 / 46.0 / 47.2 / 48.9 % at 8K / 16K / 25K / 50K.
    expect([8, 16, 25, 50].map((k) => powerLawValue(samples.params, k).toFixed(1))).toEqual(["44.0", "46.0", "47.2", "48.9"]);
  });

  it("b is shared across pricings: a_price = a_samples · p^b", () => {
    const samples = fitPowerLaw(samplesK, printedMeans, { fixedC: 70 });
    const vllm = fitPowerLaw(vllmK, printedMeans, { fixedC: 70 });
    const rescaled = rescalePowerLawX(samples.params, PAPER_USD_PER_TRAJECTORY.vllm);
    expectClose(rescaled.a, vllm.params.a, 1e-7);
    expectClose(rescaled.b, vllm.params.b, 1e-7);
  });

  it("c free with 0 ≤ c ≤ 100: matches scipy and warns that c sits on its bound", () => {
    const expected = reference.freeCBounded100Vllm;
    const fit = fitPowerLaw(vllmK, printedMeans, { bounds: { c: [0, 100] } });
    expectClose(fit.params.a, expected.a, 1e-6);
    expectClose(fit.params.b, expected.b, 1e-6);
    expectClose(fit.params.c, expected.c, 1e-9);
    expectClose(fit.rSquared, expected.rSquared, 1e-9);
    expect(fit.atBounds).toEqual([{ parameter: "c", side: "upper", value: 100 }]);
    const codes = fit.warnings.map((warning) => warning.code);
    expect(codes).toContain("parameter-at-bound");
    expect(codes).toContain("asymptote-not-identified");
  });

  it("c free without an upper bound does not converge: c keeps rising, as the paper reports", () => {
    const fit = fitPowerLaw(vllmK, printedMeans);
    expect(fit.convergence.converged).toBe(false);
    expect(fit.params.c).toBeGreaterThan(1000);
    const codes = fit.warnings.map((warning) => warning.code);
    expect(codes).toContain("not-converged");
    expect(codes).toContain("asymptote-not-identified");
  });

  it("Huber loss (δ = 0.5, 1) matches scipy least_squares(loss='huber', f_scale=δ)", () => {
    for (const [key, delta] of [
      ["0.5", 0.5],
      ["1.0", 1.0],
    ] as const) {
      const expected = reference.huberC70Vllm[key];
      const fit = fitPowerLaw(vllmK, printedMeans, { fixedC: 70, loss: { kind: "huber", delta } });
      expectClose(fit.params.a, expected.a, 1e-6);
      expectClose(fit.params.b, expected.b, 1e-6);
    }
  });

  it("log-linear fit matches numpy.polyfit on ln x", () => {
    const expected = reference.logLinearVllm;
    const fit = fitLogLinear(vllmK, printedMeans);
    expectClose(fit.params.alpha, expected.alpha, 1e-9);
    expectClose(fit.params.beta, expected.beta, 1e-9);
    expectClose(fit.rSquared, expected.rSquared, 1e-9);
    expectClose(fit.mae, expected.mae, 1e-9);
  });
});

describe("fit diagnostics", () => {
  it("c = 70 fixed: says c is assumed and the data are far from saturation", () => {
    const fit = fitPowerLaw(vllmK, printedMeans, { fixedC: 70 });
    expect(fit.warnings.map((warning) => warning.code)).toEqual(["asymptote-fixed", "far-from-saturation"]);
    // Fitted 33.5% at the cheapest point, 46.0% at the dearest: (46.0 − 33.5)/(70 − 33.5) ≈ 34% of the rise.
    expect(fit.warnings[1].message).toMatch(/34%/);
  });

  it("warns about too few points for the free parameters", () => {
    const fit = fitPowerLaw([1, 2, 4], [10, 14, 16]);
    expect(fit.warnings.map((warning) => warning.code)).toContain("too-few-points");
  });

  it("reports an optimum on a bound of b", () => {
    // Falling data cannot be fitted by a rising curve: b is pushed to its lower bound.
    const fit = fitPowerLaw([1, 2, 4, 8, 16], [50, 45, 41, 38, 36], { fixedC: 70, bounds: { b: [0.01, 5] } });
    expect(fit.atBounds.map((hit) => `${hit.parameter}:${hit.side}`)).toContain("b:lower");
    expect(fit.warnings.map((warning) => warning.code)).toContain("parameter-at-bound");
  });

  it("rejects invalid input", () => {
    expect(() => fitPowerLaw([1, 2], [1])).toThrow(RangeError);
    expect(() => fitPowerLaw([0, 1, 2], [1, 2, 3])).toThrow(RangeError);
    expect(() => fitPowerLaw([1, 2, 3], [1, 2, 3], { bounds: { b: [2, 1] } })).toThrow(RangeError);
  });
});
