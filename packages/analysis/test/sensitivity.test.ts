import { reportSchema } from "@sera/core";
import { describe, expect, it } from "vitest";
import { analyseFit } from "../src/report/fit-section.js";
import { fitBlocks } from "../src/report/fit-blocks.js";
import { expectClose } from "./reference-values.js";

function rowsFor(points: { x: number; seeds: number[] }[]) {
  return points.flatMap((point, p) => point.seeds.map((y, s) => ({ run_id: `r${p}-${s}`, seed: s + 1, cell: `{"n":${p}}`, x: point.x, y })));
}

const variantLabels = (section: ReturnType<typeof analyseFit>) => section.sensitivity.map((variant) => variant.label);

describe("fit sensitivity", () => {
  it("by hand: on an exact curve with equal seed spreads every variant but the log-linear one reads the same dollars", () => {
    // y = 60 − 20·x^(−1/2) at x = 1, 4, 16, 64 $K, each with seeds at −0.5, 0, +0.5.
    const exact = [1, 4, 16, 64].map((k) => ({ x: k * 1000, seeds: [-0.5, 0, 0.5].map((offset) => 60 - 20 / Math.sqrt(k) + offset) }));
    const report = reportSchema.parse({
      baselines: [{ id: "point", label: "Point", score: 50, usd: 10_000 }],
      fits: [
        { name: "f", x: "cost", xScale: 0.001, fixedC: 60, bootstrap: { replicates: 10 }, sensitivity: { fixedC: [60] }, compareTo: [{ baseline: "point" }] },
      ],
    });
    const section = analyseFit(report.fits[0], report, rowsFor(exact));
    expect(variantLabels(section)).toEqual([
      "as configured: c = 60, squared loss",
      "asymptote c = 60",
      "asymptote c estimated",
      "Huber loss, δ = 1",
      "weights 1/SD² (noisier points count less)",
      "every seed a point (not the means)",
      "log-linear form: y = α + β·ln x",
    ]);
    // y = 50 at x = (20/10)² = 4 $K: $4,000 against $10,000, 2.5×, whichever way the exact curve is recovered.
    for (const variant of section.sensitivity.slice(0, 6)) {
      expect(variant.error).toBeNull();
      expectClose(variant.reads[0].x as number, 4000, 1e-6);
      expectClose(variant.reads[0].ratio as number, 2.5, 1e-6);
    }
    expect(section.sensitivity[0].configured).toBe(true);
    // The log-linear line through (ln x, mean), by the normal equations.
    const lnX = exact.map((p) => Math.log(p.x / 1000));
    const ys = exact.map((p) => p.seeds.reduce((sum, y) => sum + y, 0) / p.seeds.length);
    const mx = lnX.reduce((s, v) => s + v, 0) / lnX.length;
    const my = ys.reduce((s, v) => s + v, 0) / ys.length;
    const beta = lnX.reduce((s, v, i) => s + (v - mx) * (ys[i] - my), 0) / lnX.reduce((s, v) => s + (v - mx) ** 2, 0);
    const alpha = my - beta * mx;
    expectClose(section.sensitivity[6].reads[0].x as number, Math.exp((50 - alpha) / beta) * 1000, 1e-9);
  });

  it("the paper's Table 11 at vLLM prices: each variant matches scipy", () => {
    // Values from scipy 1.x: curve_fit for fixed c and for sigma = SD (weights 1/SD²), least_squares(loss="huber",
    // f_scale=1) for Huber (the same minimiser as Huber with δ = 1), numpy.polyfit on (ln x, mean) for log-linear.
    const samples = [400, 750, 1500, 3000, 4200, 7400, 16000];
    const seeds = [
      [34.4, 33, 33],
      [36.8, 35, 37.4],
      [38.2, 40.2, 38.2],
      [40.6, 37.8, 40.6],
      [40.6, 45.8, 39],
      [43.2, 45.4, 43.4],
      [47, 47, 45.8],
    ];
    const report = reportSchema.parse({
      baselines: [{ id: "skyrl", label: "SkyRL-Agent", score: 39.4, gpuHours: 4601, usdPerGpuHour: 2 }],
      fits: [
        {
          name: "vllm",
          x: "cost",
          xScale: 0.001,
          fixedC: 70,
          bootstrap: { replicates: 10 },
          sensitivity: { fixedC: [60, 65, 75, 80] },
          compareTo: [{ baseline: "skyrl" }],
          predict: [50_000 * 0.1867],
        },
      ],
    });
    const section = analyseFit(report.fits[0], report, rowsFor(samples.map((n, i) => ({ x: n * 0.1867, seeds: seeds[i] }))));
    const dollars = Object.fromEntries(section.sensitivity.map((variant) => [variant.label, variant.reads[0].x]));
    expectClose(dollars["asymptote c = 60"] as number, 341.2893873, 1e-6);
    expectClose(dollars["asymptote c = 65"] as number, 349.2442639, 1e-6);
    expectClose(dollars["asymptote c = 75"] as number, 358.784596, 1e-6);
    expectClose(dollars["asymptote c = 80"] as number, 361.8564839, 1e-6);
    expectClose(dollars["Huber loss, δ = 1"] as number, 349.9621634, 1e-6);
    expectClose(dollars["weights 1/SD² (noisier points count less)"] as number, 334.2623633, 1e-6);
    expectClose(dollars["log-linear form: y = α + β·ln x"] as number, 384.3422962, 1e-6);
    // Each variant's curve at the predicted x; the configured row is the section's own prediction.
    expectClose(section.sensitivity[0].predictions[0].y, section.predictions[0].estimate, 1e-12);
    const at50k = Object.fromEntries(section.sensitivity.map((variant) => [variant.label, variant.predictions[0].y]));
    // A higher asymptote lifts the far prediction: c = 60 < configured (70) < c = 80.
    expect(at50k["asymptote c = 60"]).toBeLessThan(at50k["as configured: c = 70, squared loss"]);
    expect(at50k["asymptote c = 80"]).toBeGreaterThan(at50k["as configured: c = 70, squared loss"]);
    // Three seeds at every point: fitting the seeds is fitting the means.
    expectClose(dollars["every seed a point (not the means)"] as number, dollars["as configured: c = 70, squared loss"] as number, 1e-9);
    // Left free, c runs away (the paper's "not identified"), and the report says so beside the row.
    const free = section.sensitivity.find((variant) => variant.label === "asymptote c estimated")!;
    expect(free.fit?.warnings.map((w) => w.code)).toContain("asymptote-not-identified");
    const table = fitBlocks(section).find((block) => block.kind === "table" && block.columns[0] === "fit");
    expect(table && table.kind === "table" && table.rows.find((row) => row[0] === "asymptote c estimated")?.at(-1)).toContain("c not identified");
  });

  it("a variant that cannot be fitted says why and the others still run; no sensitivity block without the setting", () => {
    const report = reportSchema.parse({
      baselines: [{ id: "p", label: "P", score: 50, usd: 10_000 }],
      fits: [
        {
          name: "one-seed",
          x: "cost",
          xScale: 0.001,
          fixedC: 60,
          bootstrap: { replicates: 10 },
          sensitivity: { fixedC: [], alternatives: true },
          compareTo: [{ baseline: "p" }],
        },
        { name: "plain", x: "cost", xScale: 0.001, fixedC: 60, bootstrap: { replicates: 10 }, compareTo: [{ baseline: "p" }] },
      ],
    });
    const points = [1, 4, 16, 64].map((k) => ({ x: k * 1000, seeds: [60 - 20 / Math.sqrt(k)] }));
    const section = analyseFit(report.fits[0], report, rowsFor(points));
    const weighted = section.sensitivity.find((variant) => variant.label.startsWith("weights"))!;
    expect(weighted).toMatchObject({ fit: null, error: "needs an SD above 0 at every point", reads: [] });
    expect(section.sensitivity.filter((variant) => variant.error === null).length).toBe(section.sensitivity.length - 1);
    const plain = analyseFit(report.fits[1], report, rowsFor(points));
    expect(plain.sensitivity).toEqual([]);
    expect(fitBlocks(plain).some((block) => block.kind === "heading" && block.text.startsWith("Sensitivity"))).toBe(false);
  });
});
