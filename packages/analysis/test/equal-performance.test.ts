import { describe, expect, it } from "vitest";
import {
  PAPER_BASELINES,
  PAPER_HEADLINE_MULTIPLES,
  PAPER_SCALING_POINTS,
  PAPER_USD_PER_TRAJECTORY,
  bootstrapFit,
  costAtEqualPerformance,
  fitPowerLaw,
  mean,
  powerLawInverse,
  rescalePowerLawX,
} from "../src/index.js";
import { expectClose } from "./reference-values.js";

const printedMeans = PAPER_SCALING_POINTS.map((point) => point.printedMean);
const xFor = (usdPerSample: number) => PAPER_SCALING_POINTS.map((point) => (point.samples * usdPerSample) / 1000);
const vllm = fitPowerLaw(xFor(PAPER_USD_PER_TRAJECTORY.vllm), printedMeans, { fixedC: 70 });
const zai = fitPowerLaw(xFor(PAPER_USD_PER_TRAJECTORY.zai), printedMeans, { fixedC: 70 });
const skyRl = { kind: "gpu-hours", ...PAPER_BASELINES.skyRlAgent } as const;
const sweSmith = { kind: "point", label: PAPER_BASELINES.sweSmith.label, score: 32.6, usd: PAPER_BASELINES.sweSmith.usd } as const;

describe("cost at equal performance (c = 70 fit of Table 11 against $K)", () => {
  it("by hand: a point baseline against a known curve", () => {
    // y = 60 − 20·x^(−1/2) with x in $K: y = 50 at x = (20/10)² = 4 → $4,000; baseline $10,000 → 2.5×.
    const fit = fitPowerLaw([1, 4, 16, 64], [40, 50, 55, 57.5], { fixedC: 60 });
    const result = costAtEqualPerformance({ fit, usdPerX: 1000, baseline: { kind: "point", score: 50, usd: 10_000 } });
    expectClose(result.ourUsd as number, 4000, 1e-8);
    expectClose(result.ratio as number, 2.5, 1e-8);
    expect(result.extrapolation).toBeNull();
  });

  it("SkyRL-Agent at 39.4%: fit gives $355 vLLM / $174 z.ai, i.e. 26× and 53× as published", () => {
    const ours = costAtEqualPerformance({ fit: vllm, usdPerX: 1000, baseline: skyRl });
    expect(ours.baselineUsd).toBe(9202);
    expect(Math.round(ours.ourUsd as number)).toBe(355);
    expect(Math.round(ours.ratio as number)).toBe(PAPER_HEADLINE_MULTIPLES.skyRlAgent.ratioVllm);
    const zaiResult = costAtEqualPerformance({ fit: zai, usdPerX: 1000, baseline: skyRl });
    expect(Math.round(zaiResult.ourUsd as number)).toBe(174);
    expect(Math.round(zaiResult.ratio as number)).toBe(PAPER_HEADLINE_MULTIPLES.skyRlAgent.ratioZai);
    // The published $352 / $173 also give 26× / 53×.
    expect(Math.round(9202 / PAPER_HEADLINE_MULTIPLES.skyRlAgent.seraUsdVllm)).toBe(26);
    expect(Math.round(9202 / PAPER_HEADLINE_MULTIPLES.skyRlAgent.seraUsdZai)).toBe(53);
  });

  it("SWE-smith at 32.6%: fit gives $61 / $30 (56× / 113×); the published $60 / $29 give 57× / 117×, not 115×", () => {
    const ours = costAtEqualPerformance({ fit: vllm, usdPerX: 1000, baseline: sweSmith });
    expect(Math.round(ours.ourUsd as number)).toBe(61);
    expect(Math.round(ours.ratio as number)).toBe(56);
    expect(ours.extrapolation).toBe("below-data");
    expect(ours.notes.join(" ")).toMatch(/extrapolation/);
    const zaiResult = costAtEqualPerformance({ fit: zai, usdPerX: 1000, baseline: sweSmith });
    expect(Math.round(zaiResult.ourUsd as number)).toBe(30);
    expect(Math.round(zaiResult.ratio as number)).toBe(113);
    expect(Math.round(3395 / PAPER_HEADLINE_MULTIPLES.sweSmith.seraUsdVllm)).toBe(57);
    expect(Math.round(3395 / PAPER_HEADLINE_MULTIPLES.sweSmith.seraUsdZai)).toBe(117);
    // $60 at vLLM pricing is about 326 samples, below the smallest measured point (400).
    expect(Math.round((1000 * (ours.ourUsd as number)) / 1000 / PAPER_USD_PER_TRAJECTORY.vllm)).toBe(326);
  });

  it("matches the 'Fit' columns of the inversion table and DeepSWE's 42.2% at about $824", () => {
    const at = (fit: typeof vllm, y: number) => 1000 * (powerLawInverse(fit.params, y).x as number);
    expect(Math.round(at(vllm, 42.2))).toBe(824);
    expect((at(vllm, 50.0) / 1000).toFixed(1)).toBe("14.8");
    expect((at(vllm, 50.5) / 1000).toFixed(1)).toBe("18.5");
    expect((at(zai, 50.0) / 1000).toFixed(1)).toBe("7.3");
    expect((at(zai, 50.5) / 1000).toFixed(1)).toBe("9.1");
  });

  it("at equal score, costs under two pricings differ by exactly the price ratio", () => {
    const ratio = (powerLawInverse(vllm.params, 39.4).x as number) / (powerLawInverse(zai.params, 39.4).x as number);
    expectClose(ratio, PAPER_USD_PER_TRAJECTORY.vllm / PAPER_USD_PER_TRAJECTORY.zai, 1e-7);
  });

  it("bootstrap interval on our cost and the ratio brackets the point estimate", () => {
    const seeds = PAPER_SCALING_POINTS.map((point) => [...point.seeds]);
    const fit = fitPowerLaw(
      xFor(PAPER_USD_PER_TRAJECTORY.vllm),
      seeds.map((values) => mean(values)),
      { fixedC: 70 },
    );
    const bootstrap = bootstrapFit(fit, { scheme: "seeds", seedValues: seeds, seed: 2026, replicates: 500 });
    const result = costAtEqualPerformance({ fit, usdPerX: 1000, baseline: skyRl, bootstrap });
    const ourInterval = result.ourUsdInterval as { lower: number; upper: number };
    const ratioInterval = result.ratioInterval as { lower: number; upper: number };
    expect(ourInterval.lower).toBeLessThan(result.ourUsd as number);
    expect(ourInterval.upper).toBeGreaterThan(result.ourUsd as number);
    // The ratio is baseline / ours, so its bounds are the reciprocal ends of ours.
    expectClose(ratioInterval.lower, 9202 / ourInterval.upper, 1e-3);
    expectClose(ratioInterval.upper, 9202 / ourInterval.lower, 1e-3);
    expect(result).toEqual(costAtEqualPerformance({ fit, usdPerX: 1000, baseline: skyRl, bootstrap }));
  });

  it("a curve baseline is read at the given score", () => {
    // A baseline that pays 3× per sample: its x is 3·ours, so a_b = a·3^b and it costs exactly 3× at every score.
    const pricier = { ...vllm, params: rescalePowerLawX(vllm.params, 3) };
    const result = costAtEqualPerformance({
      fit: vllm,
      usdPerX: 1000,
      baseline: { kind: "curve", score: 42, fit: pricier, usdPerX: 1000 },
    });
    expectClose(result.ratio as number, 3, 1e-9);
  });

  it("a score at or above our asymptote has no cost", () => {
    const result = costAtEqualPerformance({ fit: vllm, usdPerX: 1000, baseline: { kind: "point", score: 72, usd: 1000 } });
    expect(result.ourUsd).toBeNull();
    expect(result.ratio).toBeNull();
    expect(result.notes[0]).toMatch(/never reaches/);
  });
});
