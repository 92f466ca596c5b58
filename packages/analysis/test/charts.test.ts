import { reportSchema } from "@sera/core";
import { describe, expect, it } from "vitest";
import {
  PAPER_SCALING_POINTS,
  PAPER_TRUNCATION_RATIO_SEEDS,
  ablationChartSpec,
  chartFontFile,
  costChartSpec,
  renderChart,
  repositoryChartSpec,
  scalingChartSpec,
  sensitivityChartSpec,
  svgToPng,
} from "../src/index.js";
import { analyseComparison } from "../src/report/compare-section.js";
import { analyseFit } from "../src/report/fit-section.js";
import type { InstanceSection } from "../src/report/instance-section.js";

const report = reportSchema.parse({
  baselines: [
    { id: "rl", label: "SkyRL-Agent", score: 39.4, gpuHours: 4601, usdPerGpuHour: 2 },
    { id: "smith", label: "SWE-smith", score: 32.6, usd: 3395 },
  ],
  fits: [
    {
      name: "cost",
      x: "cost",
      xScale: 0.001,
      fixedC: 70,
      bootstrap: { replicates: 200 },
      sensitivity: { fixedC: [65, 75] },
      compareTo: [{ baseline: "rl", publishedUsd: 352, publishedRatio: 26 }, { baseline: "smith" }],
    },
  ],
  compare: [{ name: "ratio", by: "ratio", reference: 1 }],
});
const pointRows = PAPER_SCALING_POINTS.flatMap((point) =>
  point.seeds.map((y, i) => ({ run_id: `run-${point.samples}-${i}`, seed: i + 1, cell: `{"samples":${point.samples}}`, x: point.samples * 0.1867, y })),
);
const fitSection = analyseFit(report.fits[0], report, pointRows);
const compareSection = analyseComparison(
  report.compare[0],
  report,
  Object.entries(PAPER_TRUNCATION_RATIO_SEEDS).flatMap(([ratio, seeds]) =>
    seeds.map((y, i) => ({ run_id: `t-${ratio}-${i}`, seed: i + 1, level: Number(ratio), y })),
  ),
);
const instances: InstanceSection = {
  by: "condition",
  conditions: ["a", "b"],
  reference: "a",
  contrasts: [],
  problems: [],
  repositories: ["django/django", "sympy/sympy", "astropy/astropy"].flatMap((repository, i) =>
    ["a", "b"].map((condition, j) => ({ condition, repository, instances: 10 + i, evaluations: 30 + 3 * i, resolveRate: 30 + 10 * i + 5 * j })),
  ),
};

/** Marks of one kind in a vega SVG (vega writes class="mark-<type> role-mark ..."). */
function markCount(svg: string, type: string): number {
  return (svg.match(new RegExp(`class="mark-${type} role-mark`, "g")) ?? []).length;
}

/** The drawn items (paths) of each mark group of one kind; those groups hold no nested groups. */
function itemsPerMark(svg: string, type: string): number[] {
  const groups = svg.matchAll(new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>([\\s\\S]*?)</g>`, "g"));
  return [...groups].map((group) => (group[1].match(/<path /g) ?? []).length);
}

describe("charts: Vega-Lite specs rendered offline", () => {
  it("scaling curve: seeds, means, fitted line, band and baselines all become marks", async () => {
    const { svg, vega } = await renderChart(scalingChartSpec(fitSection));
    expect(svg.startsWith("<svg")).toBe(true);
    expect(markCount(svg, "area")).toBe(1);
    // Below, inside and above the measured range: the SWE-smith score is reached below $75, SkyRL's cost lies above $2,987.
    expect(markCount(svg, "line")).toBe(3);
    // Symbol layers: baselines (2), reach crosses (2), every seed (21), means (7).
    expect(itemsPerMark(svg, "symbol")).toEqual([2, 2, 21, 7]);
    expect(svg).toContain("SkyRL-Agent $9,202");
    expect(svg).toContain(">$355<");
    expect(JSON.stringify(vega)).toContain('"type":"log"');
  });

  it("cost comparison: one bar per baseline, ours and published, labelled with the multiple", async () => {
    const spec = costChartSpec(fitSection);
    expect(spec).not.toBeNull();
    const { svg } = await renderChart(spec as object as Record<string, unknown>);
    expect(itemsPerMark(svg, "rect")).toEqual([5]);
    expect(svg).toContain("$352 → 26×");
    expect(svg).toMatch(/\$355 → 25\.9×/);
  });

  it("sensitivity: a dot per refit and baseline, hollow where the refit did not converge, the published figure dashed", async () => {
    const spec = sensitivityChartSpec(fitSection);
    expect(spec).not.toBeNull();
    const { svg } = await renderChart(spec as object as Record<string, unknown>);
    // Variants: configured, c = 65, c = 75, c estimated, Huber, 1/SD², every seed, log-linear — × 2 baselines.
    expect(fitSection.sensitivity).toHaveLength(8);
    expect(itemsPerMark(svg, "symbol")).toEqual([16]);
    // One band per baseline from the bootstrap, one dashed rule for the one published figure.
    expect(itemsPerMark(svg, "rect")).toEqual([2]);
    const rules = /<g class="mark-rule role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/.exec(svg)?.[1] ?? "";
    expect((rules.match(/<line /g) ?? []).length).toBe(1);
    // c left free does not settle: its two dots, and only those, are white inside.
    const symbols = /<g class="mark-symbol role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/.exec(svg)?.[1] ?? "";
    const hollow = [...symbols.matchAll(/<path aria-label="[^"]*variant: ([^;]*);[^"]*"[^>]*fill="(?:white|#fff|#ffffff)"/gi)].map((m) => m[1]);
    expect(hollow).toEqual(["asymptote c estimated", "asymptote c estimated"]);
    expect(svg).toContain("asymptote c estimated");
  });

  it("ablation: a dot per seed, whiskers, and the verdict written beside each condition", async () => {
    const { svg } = await renderChart(ablationChartSpec(compareSection) as Record<string, unknown>);
    expect(svg).toContain("ref · mean 40.60");
    // No noise SD configured: SNR uses the pooled SD of the pair, sqrt((1.93² + 0.69²)/2) = 1.45.
    expect(svg).toContain("△ borderline · Δ +2.40, SNR 1.7");
    expect(itemsPerMark(svg, "symbol")[0]).toBe(9);
    expect(markCount(svg, "rule")).toBeGreaterThanOrEqual(2);
  });

  it("per-repository bars: one bar per repository and condition, largest repository first", async () => {
    const { svg } = await renderChart(repositoryChartSpec(instances) as Record<string, unknown>);
    expect(itemsPerMark(svg, "rect")).toEqual([6]);
    expect(svg.indexOf("astropy/astropy (12)")).toBeLessThan(svg.indexOf("django/django (10)"));
  });

  it("PNG output carries the text: removing every <text> element changes the image", async () => {
    const { svg } = await renderChart(scalingChartSpec(fitSection));
    const withText = await svgToPng(svg, 1);
    const withoutText = await svgToPng(svg.replace(/<text[\s\S]*?<\/text>/g, ""), 1);
    expect(withText.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(Buffer.compare(withText, withoutText)).not.toBe(0);
  });

  it("a missing font is an error rather than a PNG without labels", async () => {
    const previous = process.env.SERA_CHART_FONT;
    process.env.SERA_CHART_FONT = "/nonexistent/font.ttf";
    try {
      expect(() => chartFontFile()).toThrow(/SERA_CHART_FONT=\/nonexistent\/font.ttf: no such file/);
      await expect(svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')).rejects.toThrow(/no such file/);
    } finally {
      if (previous === undefined) delete process.env.SERA_CHART_FONT;
      else process.env.SERA_CHART_FONT = previous;
    }
  });
});
