import { describe, expect, it } from "vitest";
import { PAPER_SCALING_POINTS, PAPER_USD_PER_TRAJECTORY, bootstrapFit, fitLogLinear, fitPowerLaw, mean, type BootstrapResult } from "../src/index.js";
import { expectClose, readReference } from "./reference-values.js";

const reference = readReference("fits.json").bootstrap;
const seedValues = PAPER_SCALING_POINTS.map((point) => [...point.seeds]);
const seedMeans = seedValues.map((values) => mean(values));
const vllmK = PAPER_SCALING_POINTS.map((point) => (point.samples * PAPER_USD_PER_TRAJECTORY.vllm) / 1000);

function expectIntervalsMatch(result: BootstrapResult, expected: any): void {
  expect(result.succeeded).toBe(expected.succeeded);
  expect(result.failed).toBe(expected.failed);
  for (const name of ["a", "b", "c"]) {
    expectClose(result.parameters[name].lower, expected[name][0], 1e-3);
    expectClose(result.parameters[name].upper, expected[name][1], 1e-3);
  }
  result.inverses.forEach((inverse, i) => {
    expectClose(inverse.lower, expected.inverses[i].interval[0], 1e-3);
    expectClose(inverse.upper, expected.inverses[i].interval[1], 1e-3);
  });
  result.band.forEach((point, i) => {
    expectClose(point.lower, expected.band[i].interval[0], 1e-3);
    expectClose(point.upper, expected.band[i].interval[1], 1e-3);
  });
}

describe("bootstrap against the scipy port with the same random stream (fits.json)", () => {
  const c70 = fitPowerLaw(vllmK, seedMeans, { fixedC: 70 });
  const freeC = fitPowerLaw(vllmK, seedMeans, { bounds: { c: [0, 100] } });

  it("full-data fits on the seed means agree first", () => {
    expectClose(c70.params.a, reference.fullFitC70.a, 1e-6);
    expectClose(c70.params.b, reference.fullFitC70.b, 1e-6);
    expectClose(freeC.params.a, reference.fullFitFreeC.a, 1e-6);
    expectClose(freeC.params.b, reference.fullFitFreeC.b, 1e-6);
  });

  it("c = 70, resampling seeds within each point", () => {
    const expected = reference.c70Seeds;
    const result = bootstrapFit(c70, {
      scheme: "seeds",
      seedValues,
      seed: expected.seed,
      replicates: expected.replicates,
      inverseY: [32.6, 39.4],
    });
    expect(result.warnings).toEqual([]);
    expectIntervalsMatch(result, expected);
  });

  it("c = 70, resampling points", () => {
    const expected = reference.c70Points;
    const result = bootstrapFit(c70, { scheme: "points", seed: expected.seed, replicates: expected.replicates, inverseY: [32.6, 39.4] });
    expectIntervalsMatch(result, expected);
  });

  it("c free in [0, 100], resampling seeds", () => {
    const expected = reference.freeCSeeds;
    const result = bootstrapFit(freeC, {
      scheme: "seeds",
      seedValues,
      seed: expected.seed,
      replicates: expected.replicates,
      inverseY: [39.4],
    });
    expectIntervalsMatch(result, expected);
    expect(result.warnings.map((warning) => warning.code)).toContain("asymptote-not-identified");
  });
});

describe("bootstrap behaviour", () => {
  const c70 = fitPowerLaw(vllmK, seedMeans, { fixedC: 70 });

  it("same seed gives the same intervals; another seed gives different ones", () => {
    const run = (seed: number) => bootstrapFit(c70, { scheme: "seeds", seedValues, seed, replicates: 300, inverseY: [39.4] });
    expect(run(11)).toEqual(run(11));
    expect(run(11).parameters.b.lower).not.toBe(run(12).parameters.b.lower);
  });

  it("an unreachable target gives an infinite upper bound and its share", () => {
    const result = bootstrapFit(c70, { scheme: "seeds", seedValues, seed: 1, replicates: 100, inverseY: [69.9, 70] });
    expect(result.inverses[1]).toMatchObject({ estimate: null, lower: Infinity, upper: Infinity, unreachableShare: 1 });
    expect(result.inverses[0].unreachableShare).toBe(0);
  });

  it("warns when the fitted y are rounded means rather than the seed means", () => {
    const rounded = fitPowerLaw(
      vllmK,
      PAPER_SCALING_POINTS.map((point) => point.printedMean),
      { fixedC: 70 },
    );
    const result = bootstrapFit(rounded, { scheme: "seeds", seedValues, seed: 1, replicates: 20 });
    expect(result.warnings.map((warning) => warning.code)).toEqual(["bootstrap-y-mismatch"]);
  });

  it("works for the log-linear model, and a seeds scheme with one seed per point is degenerate", () => {
    const fit = fitLogLinear(vllmK, seedMeans);
    const result = bootstrapFit(fit, { scheme: "seeds", seedValues, seed: 2, replicates: 200, inverseY: [50] });
    expect(Object.keys(result.parameters)).toEqual(["alpha", "beta"]);
    expect(result.parameters.beta.lower).toBeLessThan(fit.params.beta);
    expect(result.parameters.beta.upper).toBeGreaterThan(fit.params.beta);
    const single = bootstrapFit(fit, { scheme: "seeds", seedValues: seedMeans.map((value) => [value]), seed: 2, replicates: 10 });
    expectClose(single.parameters.beta.lower, fit.params.beta, 1e-12);
    expectClose(single.parameters.beta.upper, fit.params.beta, 1e-12);
  });

  it("requires seed values for the seeds scheme", () => {
    expect(() => bootstrapFit(c70, { scheme: "seeds", seed: 1 })).toThrow(/seedValues/);
  });

  it("timing: one fit + 1,000 refits (printed, not asserted)", () => {
    // Warm the JIT once so the print reflects steady-state cost.
    bootstrapFit(c70, { scheme: "seeds", seedValues, seed: 0, replicates: 200 });
    const started = performance.now();
    const fit = fitPowerLaw(vllmK, seedMeans, { fixedC: 70 });
    const seeds = bootstrapFit(fit, { scheme: "seeds", seedValues, seed: 99, replicates: 1000, inverseY: [39.4] });
    const middle = performance.now();
    const free = fitPowerLaw(vllmK, seedMeans, { bounds: { c: [0, 100] } });
    const points = bootstrapFit(free, { scheme: "points", seed: 99, replicates: 1000, inverseY: [39.4] });
    const finished = performance.now();
    console.log(
      `[timing] fit + 1000 refits: c = 70 seeds scheme ${(middle - started).toFixed(0)} ms; ` + `c free points scheme ${(finished - middle).toFixed(0)} ms`,
    );
    expect(seeds.succeeded + points.succeeded).toBeGreaterThan(1900);
  });
});
