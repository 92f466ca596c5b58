import { reportSchema } from "@sera/core";
import { describe, expect, it } from "vitest";
import { impliedPowerLaw } from "../src/index.js";
import { analyseComparison, sameLevel } from "../src/report/compare-section.js";
import { analyseFit } from "../src/report/fit-section.js";
import { analyseInstances } from "../src/report/instance-section.js";
import { planSeedSection } from "../src/report/seed-section.js";
import { expectClose } from "./reference-values.js";

// y = 60 − 20·x^(−1/2) exactly at x = 1, 4, 16, 64 (in $K): 40, 50, 55, 57.5.
const exactCurve = [1, 4, 16, 64].map((k) => ({ x: k * 1000, y: 60 - 20 / Math.sqrt(k) }));

function rowsFor(points: { x: number; y: number }[], seedOffsets: number[]) {
  return points.flatMap((point, p) =>
    seedOffsets.map((offset, s) => ({ run_id: `r${p}-${s}`, seed: s + 1, cell: `{"n":${p}}`, x: point.x, y: point.y + offset })),
  );
}

describe("fit section", () => {
  const report = reportSchema.parse({
    baselines: [
      { id: "point", label: "Point", score: 50, usd: 10_000 },
      { id: "gpu", label: "GPU", score: 55, gpuHours: 8000, usdPerGpuHour: 2 },
      { id: "high", label: "Too high", score: 65, usd: 1 },
    ],
    fits: [
      {
        name: "f",
        x: "cost",
        xScale: 0.001,
        fixedC: 60,
        bootstrap: { replicates: 300, seed: 7 },
        compareTo: [{ baseline: "point", publishedUsd: 4100, publishedRatio: 2.4 }, { baseline: "gpu" }, { baseline: "high" }],
        predict: [100_000],
      },
    ],
  });

  it("by hand: recovers the exact curve, prices each baseline and keeps the seeds of each cell together", () => {
    const section = analyseFit(report.fits[0], report, rowsFor(exactCurve, [-0.5, 0, 0.5]));
    expect(section.cells.map((cell) => cell.seeds.length)).toEqual([3, 3, 3, 3]);
    expect(section.cells.map((cell) => cell.sd)).toEqual([0.5, 0.5, 0.5, 0.5]);
    const fit = section.fit;
    if (fit?.model !== "power-law") throw new Error("expected a power-law fit");
    expectClose(fit.params.a, 20, 1e-8);
    expectClose(fit.params.b, 0.5, 1e-8);
    // y = 50 at x = (20/10)² = 4 → $4,000 against $10,000: 2.5×.
    const [point, gpu, high] = section.comparisons;
    expectClose(point.result.ourUsd as number, 4000, 1e-7);
    expectClose(point.result.ratio as number, 2.5, 1e-7);
    // y = 55 at x = (20/5)² = 16 → $16,000 against 8,000 h × $2 = $16,000: 1×.
    expectClose(gpu.result.ourUsd as number, 16_000, 1e-7);
    expectClose(gpu.result.ratio as number, 1, 1e-7);
    expect(high.result.ourUsd).toBeNull();
    expect(section.reach[2]).toMatchObject({ x: null, extrapolated: false });
    // Published $4,100 at 2.4×; 10,000 / 4,100 = 2.439.
    expectClose(point.ratioOfPublishedUsd as number, 10_000 / 4100, 1e-12);
    expect(typeof point.publishedInsideInterval).toBe("boolean");
    // x = 100,000 → 100 $K: 60 − 20/10 = 58, an extrapolation beyond $64K.
    expect(section.predictions).toHaveLength(1);
    expectClose(section.predictions[0].estimate, 58, 1e-7);
    expect(section.predictions[0].extrapolated).toBe(true);
    // The band brackets the fitted curve everywhere it is drawn.
    for (const at of section.curve) {
      expect(at.lower as number).toBeLessThanOrEqual(at.estimate + 1e-9);
      expect(at.upper as number).toBeGreaterThanOrEqual(at.estimate - 1e-9);
    }
  });

  it("fewer than three points: no fit, and the section says why", () => {
    const section = analyseFit(report.fits[0], report, rowsFor(exactCurve.slice(0, 2), [0]));
    expect(section.fit).toBeNull();
    expect(section.problems.join(" ")).toMatch(/2 measured point\(s\) so far; a fit needs at least 3/);
  });

  it("runs without cost are left out and counted", () => {
    const rows = rowsFor(exactCurve, [0]);
    rows.push({ run_id: "free", seed: 1, cell: "{}", x: null as unknown as number, y: 50 });
    const section = analyseFit(report.fits[0], report, rows);
    expect(section.points).toHaveLength(4);
    expect(section.problems[0]).toBe("1 run(s) left out: no cost-ledger dollars.");
  });
});

describe("implied curve from published dollars", () => {
  it("by hand: two dollar figures on y = 60 − 20·x^(−1/2) give back a = 20, b = 0.5", () => {
    const fit = analyseFit(
      reportSchema.parse({ fits: [{ name: "f", x: "cost", xScale: 0.001, fixedC: 60, bootstrap: { replicates: 10 } }] }).fits[0],
      reportSchema.parse({}),
      rowsFor(exactCurve, [0]),
    ).fit;
    const implied = impliedPowerLaw(
      fit as NonNullable<typeof fit>,
      [
        { score: 50, usd: 4000 },
        { score: 55, usd: 16_000 },
      ],
      0.001,
    );
    expect(implied).not.toBeNull();
    expectClose(implied?.a as number, 20, 1e-12);
    expectClose(implied?.b as number, 0.5, 1e-12);
    expect(implied?.sse as number).toBeLessThan(1e-12);
    const [low, high] = implied?.bRange as [number, number];
    expect(low).toBeLessThan(0.5);
    expect(high).toBeGreaterThan(0.5);
    expect(impliedPowerLaw(fit as NonNullable<typeof fit>, [{ score: 50, usd: 4000 }], 0.001)).toBeNull();
  });
});

describe("comparison section", () => {
  const rows = [
    ...[40, 41, 42].map((y, i) => ({ run_id: `a${i}`, seed: i + 1, level: 1, y })),
    ...[42, 43, 44].map((y, i) => ({ run_id: `b${i}`, seed: i + 1, level: 0.5, y })),
    ...[46, 47, 48].map((y, i) => ({ run_id: `c${i}`, seed: i + 1, level: 0.25, y })),
  ];

  it("by hand: Δ, pooled SD, SNR bands and the within-noise flag", () => {
    const config = reportSchema.parse({ compare: [{ name: "c", by: "ratio", reference: 1 }] });
    const section = analyseComparison(config.compare[0], config, rows);
    expect(section.reference).toBe("1");
    const [half, quarter] = section.contrasts;
    // Means 43 vs 41, both SD 1: pooled SD 1, SNR 2 — on the edge, so borderline and within noise.
    expect(half).toMatchObject({ label: "0.5", delta: 2, noiseSd: 1, noiseSource: "pooled", snr: 2, verdict: "borderline", withinNoise: true });
    expect(quarter).toMatchObject({ label: "0.25", delta: 6, snr: 6, verdict: "likely real", withinNoise: false });
    // Welch t for 43 vs 41 with SD 1 and n 3: 2 / sqrt(2/3) = 2.449, df 4.
    expectClose(half.welch?.t as number, 2 / Math.sqrt(2 / 3), 1e-12);
    expectClose(half.welch?.df as number, 4, 1e-12);
    expect(section.anova?.dfBetween).toBe(2);
    expect(section.kruskal?.df).toBe(2);
  });

  it("a configured noise SD replaces the pooled one", () => {
    const config = reportSchema.parse({ compare: [{ name: "c", by: "ratio", reference: 1 }], noise: { sd: 4 } });
    const [half] = analyseComparison(config.compare[0], config, rows).contrasts;
    expect(half).toMatchObject({ noiseSd: 4, noiseSource: "configured", snr: 0.5, verdict: "not trustworthy", withinNoise: true });
  });

  it("a reference with no runs is reported, not guessed", () => {
    const config = reportSchema.parse({ compare: [{ name: "c", by: "ratio", reference: 0.9 }] });
    const section = analyseComparison(config.compare[0], config, rows);
    expect(section.contrasts).toEqual([]);
    expect(section.problems[0]).toMatch(/reference ratio = 0.9 has no succeeded runs/);
  });

  it("levels match loosely across YAML and SQL types", () => {
    expect(sameLevel(1, "1")).toBe(true);
    expect(sameLevel("1.0", 1)).toBe(false);
    expect(sameLevel(0.95, 0.95)).toBe(true);
    expect(sameLevel(true, "true")).toBe(true);
  });
});

describe("instances and seeds", () => {
  it("pairs instances by id and flags a difference whose interval contains 0", () => {
    const means = ["a", "b"].flatMap((level) =>
      Array.from({ length: 40 }, (_, i) => ({
        level,
        instance_id: `i${i}`,
        repository: `repo${i % 4}`,
        repositories: 1,
        resolved: level === "b" && i % 4 === 0 ? 1 : i % 2,
      })),
    );
    const section = analyseInstances({ sql: "x", by: "condition", reference: "a" }, [], means);
    expect(section.reference).toBe("a");
    const [contrast] = section.contrasts;
    // b resolves the 10 repo0 instances that a leaves unresolved: +25 pp, all from one repository.
    // A third of the repository resamples leave repo0 out, so the interval reaches 0: within noise.
    expect(contrast.bootstrap.difference).toBeCloseTo(25, 12);
    expect(contrast.bootstrap.repositories).toBe(4);
    expect(contrast.bootstrap.lower).toBe(0);
    expect(contrast.withinNoise).toBe(true);
  });

  it("seed plan: (2σ/δ)² with σ measured as the median condition SD", () => {
    const report = reportSchema.parse({ seedPlan: { effects: [1, 2] }, paperTables: true });
    const section = planSeedSection(report, [1, 1.2, 3]);
    expect(section?.sd).toBe(1.2);
    expectClose(section?.rows[0].snrRule as number, 5.76, 1e-12);
    expect(section?.rows.map((row) => row.snrRuleSeeds)).toEqual([6, 2]);
    expect(section?.rows.map((row) => row.published)).toEqual([15, 4]);
    expectClose(section?.publishedImpliedSd as number, Math.sqrt(15) / 2, 1e-12);
    expect(planSeedSection(reportSchema.parse({}), [1])).toBeNull();
  });
});
