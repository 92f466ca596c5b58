import type { ReportConfig } from "@sera/core";
import { bootstrapFit, type BootstrapResult } from "../fit/bootstrap.js";
import { curveInverse, curveValue } from "../fit/curve.js";
import type { CurveFit } from "../fit/types.js";
import { costAtEqualPerformance, type CostBaseline, type EqualPerformanceResult } from "../cost/equal-performance.js";
import { mean, sampleSd } from "../stats/descriptive.js";
import { impliedPowerLaw, type ImpliedCurve } from "./implied-curve.js";
import { fitCurve } from "./fit-config.js";
import { fitSensitivity, type SensitivityVariant } from "./sensitivity.js";
import type { Row } from "./queries.js";

export type FitConfig = ReportConfig["fits"][number];
export type BaselineConfig = ReportConfig["baselines"][number];

/** The seeds of one sweep cell: one fitted point. */
export interface FitCell {
  cell: string;
  /** Unscaled x (dollars or the swept value), the mean over the cell's runs. */
  x: number;
  seeds: number[];
  runIds: string[];
  mean: number;
  sd: number | null;
}

export interface CurvePoint {
  /** Unscaled x. */
  x: number;
  estimate: number;
  lower: number | null;
  upper: number | null;
  /** Outside the measured x range. */
  extrapolated: boolean;
}

export interface FitComparison {
  baseline: BaselineConfig;
  result: EqualPerformanceResult;
  publishedUsd: number | null;
  publishedRatio: number | null;
  /** Baseline dollars over the published dollars, unrounded (what the published ratio should be). */
  ratioOfPublishedUsd: number | null;
  /** Whether the published dollars fall inside our bootstrap interval. */
  publishedInsideInterval: boolean | null;
}

/** Where our curve reaches a baseline's score, in unscaled x, with the bootstrap interval. */
export interface FitReach {
  baseline: BaselineConfig;
  x: number | null;
  lower: number | null;
  upper: number | null;
  /** Share of bootstrap curves that never reach the score. */
  unreachableShare: number | null;
  extrapolated: boolean;
}

export interface FitSection {
  name: string;
  title: string;
  metric: string;
  x: string;
  xLabel: string;
  xScale: number;
  isCost: boolean;
  points: { runId: string; seed: number | null; x: number; y: number }[];
  cells: FitCell[];
  fit: CurveFit | null;
  bootstrap: BootstrapResult | null;
  curve: CurvePoint[];
  predictions: CurvePoint[];
  reach: FitReach[];
  comparisons: FitComparison[];
  implied: ImpliedCurve | null;
  /** The configured fit and its variants (report.fits[].sensitivity), each read at the compared baselines. */
  sensitivity: SensitivityVariant[];
  problems: string[];
}

export function baselineUsd(baseline: BaselineConfig): number {
  return baseline.usd ?? (baseline.gpuHours as number) * (baseline.usdPerGpuHour as number);
}

function toCostBaseline(baseline: BaselineConfig): CostBaseline {
  return baseline.usd !== undefined
    ? { kind: "point", label: baseline.label, score: baseline.score, usd: baseline.usd }
    : {
        kind: "gpu-hours",
        label: baseline.label,
        score: baseline.score,
        gpuHours: baseline.gpuHours as number,
        usdPerGpuHour: baseline.usdPerGpuHour as number,
      };
}

function groupCells(points: FitSection["points"], rows: readonly Row[]): FitCell[] {
  const byCell = new Map<string, { xs: number[]; seeds: number[]; runIds: string[] }>();
  rows.forEach((row, i) => {
    const point = points[i];
    const key = String(row.cell);
    const entry = byCell.get(key) ?? { xs: [], seeds: [], runIds: [] };
    entry.xs.push(point.x);
    entry.seeds.push(point.y);
    entry.runIds.push(point.runId);
    byCell.set(key, entry);
  });
  return [...byCell]
    .map(([cell, entry]) => ({
      cell,
      x: mean(entry.xs),
      seeds: entry.seeds,
      runIds: entry.runIds,
      mean: mean(entry.seeds),
      sd: entry.seeds.length >= 2 ? sampleSd(entry.seeds) : null,
    }))
    .sort((left, right) => left.x - right.x);
}

/** Log-spaced x values covering the data and everything the report reads off the curve. */
function curveGrid(low: number, high: number, extra: readonly number[]): number[] {
  const count = 60;
  const grid = Array.from({ length: count }, (_, i) => Math.exp(Math.log(low) + ((Math.log(high) - Math.log(low)) * i) / (count - 1)));
  return [...new Set([...grid, ...extra])].sort((left, right) => left - right);
}

export function analyseFit(config: FitConfig, report: ReportConfig, rows: readonly Row[]): FitSection {
  const isCost = config.x === "cost";
  const problems: string[] = [];
  const usable = rows.filter((row) => typeof row.x === "number" && typeof row.y === "number" && (row.x as number) > 0);
  if (usable.length < rows.length) {
    problems.push(`${rows.length - usable.length} run(s) left out: ${isCost ? "no cost-ledger dollars" : "x missing or not positive"}.`);
  }
  const points = usable.map((row) => ({
    runId: String(row.run_id),
    seed: row.seed === null ? null : Number(row.seed),
    x: row.x as number,
    y: row.y as number,
  }));
  const cells = groupCells(points, usable);
  const section: FitSection = {
    name: config.name,
    title: config.title ?? config.name,
    metric: config.metric ?? report.metric,
    x: config.x,
    xLabel: config.xLabel ?? (isCost ? "cost (USD)" : config.x),
    xScale: config.xScale,
    isCost,
    points,
    cells,
    fit: null,
    bootstrap: null,
    curve: [],
    predictions: [],
    reach: [],
    comparisons: [],
    implied: null,
    sensitivity: [],
    problems,
  };
  if (cells.length < 3) {
    problems.push(`${cells.length} measured point(s) so far; a fit needs at least 3.`);
    return section;
  }
  const scaledX = cells.map((cell) => cell.x * config.xScale);
  let fit: CurveFit;
  try {
    fit = fitCurve(
      config,
      scaledX,
      cells.map((cell) => cell.mean),
    );
  } catch (error) {
    problems.push(`the fit failed: ${(error as Error).message}`);
    return section;
  }
  section.fit = fit;
  for (const warning of fit.warnings) problems.push(warning.message);

  const baselines = config.compareTo.map((entry) => report.baselines.find((baseline) => baseline.id === entry.baseline) as BaselineConfig);
  const reach = baselines.map((baseline) => curveInverse(fit, baseline.score)).flatMap((inverse) => (inverse.reachable ? [inverse.x] : []));
  const predictX = config.predict.map((value) => value * config.xScale);
  const extents = [...scaledX, ...reach, ...predictX, ...(isCost ? baselines.map((baseline) => baselineUsd(baseline) * config.xScale) : [])];
  const low = Math.min(...extents) / 1.25;
  const high = Math.max(...extents) * 1.25;
  const bandX = curveGrid(low, high, [...predictX, Math.min(...scaledX), Math.max(...scaledX)]);
  const hasSeeds = cells.some((cell) => cell.seeds.length > 1);
  const scheme = config.bootstrap.scheme === "seeds" && !hasSeeds ? "points" : config.bootstrap.scheme;
  if (scheme !== config.bootstrap.scheme) problems.push("every point has one seed, so the bootstrap resamples points instead of seeds.");
  try {
    section.bootstrap = bootstrapFit(fit, {
      scheme,
      seedValues: cells.map((cell) => cell.seeds),
      seed: config.bootstrap.seed,
      replicates: config.bootstrap.replicates,
      level: config.bootstrap.level,
      bandX,
      inverseY: baselines.map((baseline) => baseline.score),
    });
    for (const warning of section.bootstrap.warnings) problems.push(warning.message);
  } catch (error) {
    problems.push(`the bootstrap failed: ${(error as Error).message}`);
  }
  const measuredLow = Math.min(...scaledX);
  const measuredHigh = Math.max(...scaledX);
  const band = new Map((section.bootstrap?.band ?? []).map((point) => [point.x, point]));
  const pointAt = (at: number): CurvePoint => ({
    x: at / config.xScale,
    estimate: curveValue(fit, at),
    lower: band.get(at)?.lower ?? null,
    upper: band.get(at)?.upper ?? null,
    extrapolated: at < measuredLow * (1 - 1e-9) || at > measuredHigh * (1 + 1e-9),
  });
  section.curve = bandX.map(pointAt);
  section.predictions = predictX.map(pointAt);

  section.reach = baselines.map((baseline, i) => {
    const inverse = curveInverse(fit, baseline.score);
    const interval = section.bootstrap?.inverses[i];
    const finite = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? null : value / config.xScale);
    return {
      baseline,
      x: inverse.reachable ? inverse.x / config.xScale : null,
      lower: finite(interval?.lower),
      upper: finite(interval?.upper),
      unreachableShare: interval?.unreachableShare ?? null,
      extrapolated: inverse.reachable ? inverse.x < measuredLow || inverse.x > measuredHigh : false,
    };
  });
  section.sensitivity = fitSensitivity(config, cells, baselines, baselineUsd);
  if (isCost) {
    section.comparisons = config.compareTo.map((entry, i) => {
      const baseline = baselines[i];
      const result = costAtEqualPerformance({ fit, usdPerX: 1 / config.xScale, baseline: toCostBaseline(baseline), bootstrap: section.bootstrap ?? undefined });
      const publishedUsd = entry.publishedUsd ?? null;
      const interval = result.ourUsdInterval;
      return {
        baseline,
        result,
        publishedUsd,
        publishedRatio: entry.publishedRatio ?? null,
        ratioOfPublishedUsd: publishedUsd === null ? null : result.baselineUsd / publishedUsd,
        publishedInsideInterval: publishedUsd === null || !interval ? null : publishedUsd >= interval.lower && publishedUsd <= interval.upper,
      };
    });
    if (fit.model === "power-law" && fit.fixedC !== null) {
      const published = section.comparisons.flatMap((comparison) =>
        comparison.publishedUsd === null ? [] : [{ score: comparison.baseline.score, usd: comparison.publishedUsd }],
      );
      section.implied = impliedPowerLaw(fit, published, config.xScale);
    }
  }
  return section;
}
