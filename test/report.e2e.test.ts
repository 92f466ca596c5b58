import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, openReport } from "./support/browser.js";
import { repoRoot, sera, tempProject } from "./support/sera.js";

/**
 * The paper reproduced end to end: `sera run experiments/sera-paper.yaml` replays every published
 * seed through the spine, `sera report` fits and prices them, and the result is both checked
 * against the paper and independently computed values, and compared with the committed report.
 */

const references = JSON.parse(readFileSync(path.join(repoRoot, "packages/analysis/reference-values/fits.json"), "utf8"));
let cwd: string;
let report: any;
let browser: Browser | undefined;

const relativeClose = (actual: number, expected: number, tolerance: number) =>
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThanOrEqual(tolerance);

beforeAll(async () => {
  cwd = tempProject();
  mkdirSync(path.join(cwd, "experiments"));
  copyFileSync(path.join(repoRoot, "experiments/sera-paper.yaml"), path.join(cwd, "experiments/sera-paper.yaml"));
  const early = sera(["report", "experiments/sera-paper.yaml"], cwd);
  expect(early.code).toBe(2);
  expect(early.stderr.trim().split("\n")).toHaveLength(1);
  expect(early.stderr).toMatch(/no store yet; run the experiment first: sera run experiments\/sera-paper\.yaml/);
  const run = sera(["run", "experiments/sera-paper.yaml", "--concurrency", "4"], cwd);
  expect(run.code, run.stderr).toBe(0);
  const built = sera(["report", "experiments/sera-paper.yaml"], cwd);
  expect(built.code, built.stderr).toBe(0);
  expect(built.stdout).toContain("vs SkyRL-Agent at 39.4: $355 (25.9×); published $352 (26×)");
  report = JSON.parse(readFileSync(path.join(cwd, "reports/sera-paper/report.json"), "utf8"));
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

const fit = (name: string) => report.fits.find((section: { name: string }) => section.name === name);
const versus = (name: string, baseline: string) => fit(name).comparisons.find((comparison: any) => comparison.baseline.id === baseline);

describe("sera report experiments/sera-paper.yaml", () => {
  it("loads every seed of every published point, with costs, through the spine", () => {
    expect(report.runs).toEqual({ total: 51, succeeded: 51, unfinished: 0, failed: 0 });
    expect(fit("vllm").points).toHaveLength(21);
    expect(fit("zai").points).toHaveLength(21);
  });

  it("the c = 70 fits agree with the scipy reference values", () => {
    const vllm = fit("vllm").fit;
    const seedMeans = references.fixedC70SeedMeansVllm;
    relativeClose(vllm.params.a, seedMeans.a, 1e-6);
    relativeClose(vllm.params.b, seedMeans.b, 1e-6);
    relativeClose(vllm.rSquared, seedMeans.rSquared, 1e-6);
    // The reference fits z.ai and samples on the printed (2-decimal) means; seed means differ by < 0.004 pp.
    relativeClose(fit("zai").fit.params.a, references.fixedC70.zaiThousands.a, 1e-3);
    relativeClose(fit("samples").fit.params.a, references.fixedC70.samplesThousands.a, 1e-3);
    expect(fit("vllm").fit.rSquared).toBeGreaterThan(0.95);
    expect(fit("vllm").fit.mae).toBeCloseTo(0.44, 2);
  });

  it("headline multiples: refit $355 / $61 (vLLM) and $174 / $30 (z.ai) beside the published $352 / $60 / $173 / $29", () => {
    const cases: [string, string, number, number, number, number][] = [
      ["vllm", "skyrl", 355, 26, 352, 26],
      ["vllm", "swesmith", 61, 56, 60, 57],
      ["zai", "skyrl", 174, 53, 173, 53],
      ["zai", "swesmith", 30, 113, 29, 115],
    ];
    for (const [name, baseline, ours, ratio, publishedUsd, publishedRatio] of cases) {
      const comparison = versus(name, baseline);
      expect(Math.round(comparison.result.ourUsd), `${name} ${baseline}`).toBe(ours);
      expect(Math.round(comparison.result.ratio), `${name} ${baseline}`).toBe(ratio);
      expect(comparison.publishedUsd).toBe(publishedUsd);
      expect(comparison.publishedRatio).toBe(publishedRatio);
      expect(comparison.publishedInsideInterval, `${name} ${baseline}`).toBe(true);
    }
    expect(versus("vllm", "skyrl").result.baselineUsd).toBe(9202);
    // The published $29 gives 117×, not the published 115×.
    expect(Math.round(versus("zai", "swesmith").ratioOfPublishedUsd)).toBe(117);
    expect(versus("vllm", "swesmith").result.extrapolation).toBe("below-data");
    expect(Math.round(versus("vllm", "deepswe").result.ourUsd)).toBe(824);
  });

  it("Table 15 from prices and the token profile, and Table 11's cost column from the ledger, match to the printed digit", () => {
    for (const row of report.paper.table15) for (const cell of row.cells) expect(cell.matches, row.row).toBe(true);
    expect(report.paper.table11.map((table: any) => table.pricing)).toEqual(["vllm", "zai"]);
    for (const table of report.paper.table11) {
      expect(table.rows).toHaveLength(7);
      for (const row of table.rows) expect(row.matches, `${table.pricing} ${row.samples}`).toBe(true);
    }
  });

  it("the seeds-needed table uses σ = 1.2 and shows the published counts beside it", () => {
    expect(report.seeds.sd).toBe(1.2);
    expect(report.seeds.rows.map((row: any) => [row.effect, Number(row.snrRule.toFixed(1)), row.published])).toEqual([
      [1, 5.8, 15],
      [2, 1.4, 4],
      [3, 0.6, 2],
      [5, 0.2, 2],
    ]);
  });

  it("the truncation comparison flags +2.4 pp at SNR 2.0 as within noise", () => {
    const truncation = report.compares[0];
    const ordered = truncation.contrasts.find((contrast: any) => contrast.label === "0.95");
    expect(ordered.delta).toBeCloseTo(2.4, 10);
    expect(ordered.snr).toBeCloseTo(2.0, 10);
    expect(ordered.withinNoise).toBe(true);
    expect(readFileSync(path.join(cwd, "reports/sera-paper/report.md"), "utf8")).toContain("> **Warning:** Within noise (SNR ≤ 2)");
  });

  it("the committed reports/sera-paper is exactly what sera report produces", () => {
    for (const file of ["report.md", "report.json", "index.html", "sql/fit_vllm_points.sql", "charts/scaling-vllm.svg"]) {
      expect(readFileSync(path.join(cwd, "reports/sera-paper", file), "utf8"), file).toBe(
        readFileSync(path.join(repoRoot, "reports/sera-paper", file), "utf8"),
      );
    }
  });

  it("index.html renders every chart in headless Chromium with no console errors and no network", async () => {
    browser = await launchChromium();
    const screenshot = path.join(cwd, "sera-paper.png");
    const page = await openReport(browser, path.join(cwd, "reports/sera-paper/index.html"), screenshot);
    expect(Object.keys(page.charts).sort()).toEqual([
      "ablation-truncation-ratio",
      "cost-vllm",
      "cost-zai",
      "scaling-samples",
      "scaling-vllm",
      "scaling-zai",
      "sensitivity-samples",
      "sensitivity-vllm",
      "sensitivity-zai",
    ]);
    for (const [id, chart] of Object.entries(page.charts)) {
      expect(chart.rendered, id).toBe(true);
      expect(chart.marks, id).toBeGreaterThanOrEqual(3);
      expect(chart.items, id).toBeGreaterThan(10);
    }
    expect(page.errors).toEqual([]);
    expect(page.networkRequests).toEqual([]);
  });
});
