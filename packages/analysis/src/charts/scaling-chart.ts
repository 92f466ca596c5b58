import type { FitSection } from "../report/fit-section.js";
import { baselineUsd } from "../report/fit-section.js";
import { CHART_WIDTH, PALETTE, formatUsd, titled, type VegaLiteSpec } from "./theme.js";

function describeFit(section: FitSection): string | undefined {
  const fit = section.fit;
  if (!fit) return section.problems[0];
  const goodness = `R² = ${fit.rSquared.toFixed(3)}, MAE = ${fit.mae.toFixed(2)}`;
  const level = section.bootstrap ? `, ${Math.round(section.bootstrap.level * 100)}% bootstrap band (${section.bootstrap.scheme})` : "";
  if (fit.model === "log-linear") return `y = ${fit.params.alpha.toFixed(2)} + ${fit.params.beta.toFixed(3)}·ln x; ${goodness}${level}`;
  const c = fit.fixedC === null ? `${fit.params.c.toFixed(2)}` : `${fit.params.c} (fixed)`;
  return `y = c − a·x^(−b): a = ${fit.params.a.toPrecision(4)}, b = ${fit.params.b.toPrecision(4)}, c = ${c}; ${goodness}${level}`;
}

/**
 * Scaling curve: seeds as points, their means, the fitted curve (dashed where it extrapolates)
 * with its bootstrap band, and baselines marked at their score (and their cost when x is cost).
 * Scroll or drag to zoom and pan in the HTML report.
 */
export function scalingChartSpec(section: FitSection): VegaLiteSpec {
  const xAxis = { title: section.xLabel, format: section.isCost ? "$,.0f" : "~s", labelOverlap: "greedy", labelSeparation: 8 };
  const x = { field: "x", type: "quantitative", scale: { type: "log", nice: false }, axis: xAxis };
  const y = { type: "quantitative", scale: { zero: false }, title: section.metric };
  // Three segments (below, inside and above the measured range) so the dashed parts do not join
  // across the solid one; the range ends belong to both neighbouring segments.
  const measuredLow = Math.min(...section.cells.map((cell) => cell.x));
  const measuredHigh = Math.max(...section.cells.map((cell) => cell.x));
  const near = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
  const curve = section.curve.flatMap((point) => {
    const segments: { part: string; segment: string }[] = [];
    if (point.x < measuredLow || near(point.x, measuredLow)) segments.push({ part: "extrapolated", segment: "below" });
    if ((point.x > measuredLow || near(point.x, measuredLow)) && (point.x < measuredHigh || near(point.x, measuredHigh)))
      segments.push({ part: "fitted", segment: "inside" });
    if (point.x > measuredHigh || near(point.x, measuredHigh)) segments.push({ part: "extrapolated", segment: "above" });
    return segments.map((segment) => ({ ...point, ...segment }));
  });
  const layers: VegaLiteSpec[] = [];
  if (section.curve.some((point) => point.lower !== null)) {
    layers.push({
      data: { values: section.curve.filter((point) => point.lower !== null) },
      mark: { type: "area", color: PALETTE.band, opacity: 0.35 },
      encoding: { x, y: { ...y, field: "lower" }, y2: { field: "upper" } },
    });
  }
  if (curve.length > 0) {
    layers.push({
      data: { values: curve },
      mark: { type: "line", color: PALETTE.fit, strokeWidth: 2 },
      encoding: {
        x,
        y: { ...y, field: "estimate" },
        detail: { field: "segment", type: "nominal" },
        strokeDash: {
          field: "part",
          type: "nominal",
          scale: {
            domain: ["fitted", "extrapolated"],
            range: [
              [1, 0],
              [5, 4],
            ],
          },
          legend: { title: "fitted curve", orient: "top-left" },
        },
      },
    });
  }
  for (const reach of section.reach) {
    layers.push({
      data: { values: [{ score: reach.baseline.score, label: reach.baseline.label }] },
      layer: [
        { mark: { type: "rule", color: PALETTE.baseline, strokeDash: [2, 3], opacity: 0.8 }, encoding: { y: { field: "score", type: "quantitative" } } },
        ...(section.isCost
          ? []
          : [
              {
                mark: { type: "text", align: "left", x: 4, dy: -6, fontSize: 10, color: PALETTE.baseline },
                encoding: { y: { field: "score", type: "quantitative" }, text: { field: "label" } },
              },
            ]),
      ],
    });
  }
  const baselinePoints = section.isCost
    ? section.reach.map((reach) => ({
        x: baselineUsd(reach.baseline),
        y: reach.baseline.score,
        label: `${reach.baseline.label} ${formatUsd(baselineUsd(reach.baseline))}`,
      }))
    : [];
  if (baselinePoints.length > 0) {
    layers.push({
      data: { values: baselinePoints },
      layer: [
        {
          mark: { type: "point", shape: "square", filled: true, size: 70, color: PALETTE.baseline },
          encoding: { x, y: { ...y, field: "y" }, tooltip: [{ field: "label" }, { field: "y", title: "score" }] },
        },
        {
          mark: { type: "text", align: "right", dx: -8, dy: -9, fontSize: 10, color: PALETTE.baseline },
          encoding: { x, y: { ...y, field: "y" }, text: { field: "label" } },
        },
      ],
    });
  }
  const reached = section.reach.flatMap((reach) =>
    reach.x === null
      ? []
      : [{ x: reach.x, y: reach.baseline.score, label: section.isCost ? formatUsd(reach.x) : Number(reach.x.toPrecision(3)).toLocaleString("en-US") }],
  );
  if (reached.length > 0) {
    layers.push({
      data: { values: reached },
      layer: [
        {
          mark: { type: "point", shape: "cross", filled: true, size: 90, color: PALETTE.reach },
          encoding: {
            x,
            y: { ...y, field: "y" },
            tooltip: [
              { field: "label", title: "our x at this score" },
              { field: "y", title: "score" },
            ],
          },
        },
        {
          mark: { type: "text", align: "left", dx: 7, dy: 11, fontSize: 10, color: PALETTE.reach },
          encoding: { x, y: { ...y, field: "y" }, text: { field: "label" } },
        },
      ],
    });
  }
  layers.push({
    data: { values: section.points },
    mark: { type: "point", filled: true, size: 28, color: PALETTE.seed, opacity: 0.85 },
    params: [{ name: "zoom", select: "interval", bind: "scales" }],
    encoding: {
      x,
      y: { ...y, field: "y" },
      tooltip: [{ field: "runId", title: "run" }, { field: "seed" }, { field: "x", format: ",.4~f" }, { field: "y", title: section.metric }],
    },
  });
  layers.push({
    data: { values: section.cells.map((cell) => ({ x: cell.x, mean: cell.mean, sd: cell.sd, seeds: cell.seeds.length })) },
    mark: { type: "point", shape: "diamond", filled: true, size: 70, color: PALETTE.mean },
    encoding: {
      x,
      y: { ...y, field: "mean" },
      tooltip: [{ field: "x", format: ",.4~f" }, { field: "mean", format: ".2f" }, { field: "sd", format: ".2f" }, { field: "seeds" }],
    },
  });
  return titled(section.title, describeFit(section), { width: CHART_WIDTH, height: 340, layer: layers });
}
