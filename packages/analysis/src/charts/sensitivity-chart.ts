import type { FitSection } from "../report/fit-section.js";
import { CHART_WIDTH, PALETTE, formatUsd, titled, type VegaLiteSpec } from "./theme.js";

const BASELINE_COLOURS = [PALETTE.baseline, PALETTE.fit, PALETTE.reach, PALETTE.published, PALETTE.mean];

/**
 * How far each read-off moves across the fit's sensitivity variants: one row per variant, a dot
 * per baseline at the x where that variant's curve reaches the baseline's score (log axis), the
 * configured fit's bootstrap interval as a shaded band and, where the paper printed one, the
 * published dollars as a dashed line. The configured fit's dots are larger; variants that did not
 * converge are drawn hollow.
 */
export function sensitivityChartSpec(section: FitSection): VegaLiteSpec | null {
  const variants = section.sensitivity;
  if (variants.length < 2 || variants[0].reads.length === 0) return null;
  const baselines = variants[0].reads.map((read) => `${read.baseline.label} @ ${read.baseline.score}`);
  const format = (value: number) => (section.isCost ? formatUsd(value) : value.toPrecision(3));
  const points = variants.flatMap((variant) =>
    variant.reads.flatMap((read, i) =>
      read.x === null
        ? []
        : [
            {
              variant: variant.label,
              baseline: baselines[i],
              x: read.x,
              settled: variant.fit !== null && !variant.fit.warnings.some((w) => w.code === "not-converged" || w.code === "asymptote-not-identified"),
              configured: variant.configured,
              label: format(read.x),
            },
          ],
    ),
  );
  if (points.length === 0) return null;
  const bands = section.reach.flatMap((reach, i) =>
    reach.lower !== null && reach.upper !== null && Number.isFinite(reach.upper) ? [{ baseline: baselines[i], lower: reach.lower, upper: reach.upper }] : [],
  );
  const published = section.comparisons.flatMap((comparison, i) =>
    comparison.publishedUsd === null ? [] : [{ baseline: baselines[i], published: comparison.publishedUsd }],
  );
  const all = [...points.map((p) => p.x), ...bands.flatMap((b) => [b.lower, b.upper]), ...published.map((p) => p.published)];
  const domain = [Math.min(...all) / 1.3, Math.max(...all) * 1.3];
  const x = {
    type: "quantitative",
    scale: { type: "log", domain },
    axis: {
      format: section.isCost ? "$,.0f" : ",.3~s",
      labelOverlap: "greedy",
      title: `${section.isCost ? "USD" : section.xLabel} at the baseline's score (log scale)`,
    },
  };
  const color = {
    field: "baseline",
    type: "nominal",
    sort: baselines,
    scale: { domain: baselines, range: BASELINE_COLOURS.slice(0, baselines.length) },
    legend: { title: null, orient: "bottom", symbolType: "circle", symbolOpacity: 1 },
  };
  const order = variants.map((variant) => variant.label);
  return titled(
    `${section.title}: sensitivity to modelling choices`,
    `dots: where each refit reaches the baseline's score (hollow: did not converge); band: bootstrap interval of the configured fit${published.length > 0 ? "; dashed: as published" : ""}`,
    {
      width: CHART_WIDTH - 260,
      height: { step: 22 },
      layer: [
        { data: { values: bands }, mark: { type: "rect", opacity: 0.15 }, encoding: { x: { ...x, field: "lower" }, x2: { field: "upper" }, color } },
        { data: { values: published }, mark: { type: "rule", strokeDash: [5, 3], strokeWidth: 1.5 }, encoding: { x: { ...x, field: "published" }, color } },
        {
          data: { values: points },
          mark: { type: "point", strokeWidth: 2 },
          encoding: {
            y: { field: "variant", type: "nominal", sort: order, title: null, axis: { labelLimit: 400 } },
            x: { ...x, field: "x" },
            color,
            size: { condition: { test: "datum.configured", value: 150 }, value: 60 },
            fill: {
              condition: {
                test: "datum.settled",
                field: "baseline",
                type: "nominal",
                scale: { domain: baselines, range: BASELINE_COLOURS.slice(0, baselines.length) },
              },
              value: "white",
            },
            tooltip: [{ field: "variant" }, { field: "baseline" }, { field: "label", title: section.isCost ? "USD" : section.xLabel }],
          },
        },
      ],
    },
  );
}
