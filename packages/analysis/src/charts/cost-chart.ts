import type { FitSection } from "../report/fit-section.js";
import { CHART_WIDTH, PALETTE, formatUsd, titled, type VegaLiteSpec } from "./theme.js";

const KINDS = ["baseline", "ours (fit)", "ours (published)"] as const;

/**
 * Cost at equal performance: per baseline, its dollars, ours read off the fitted curve (with the
 * bootstrap interval) and, when the paper printed one, ours as published — on a log axis, labelled
 * with the multiple.
 */
export function costChartSpec(section: FitSection): VegaLiteSpec | null {
  if (!section.isCost || section.comparisons.length === 0) return null;
  const rows = section.comparisons.flatMap((comparison) => {
    const group = `${comparison.baseline.label} @ ${comparison.baseline.score}`;
    const result = comparison.result;
    const entries: Record<string, unknown>[] = [{ group, kind: KINDS[0], usd: result.baselineUsd, label: formatUsd(result.baselineUsd) }];
    if (result.ourUsd !== null) {
      entries.push({
        group,
        kind: KINDS[1],
        usd: result.ourUsd,
        lower: result.ourUsdInterval?.lower ?? null,
        upper: result.ourUsdInterval ? result.ourUsdInterval.upper : null,
        label: `${formatUsd(result.ourUsd)} → ${(result.ratio as number).toFixed(1)}×`,
      });
    }
    if (comparison.publishedUsd !== null) {
      const ratio = comparison.publishedRatio ?? comparison.ratioOfPublishedUsd;
      entries.push({
        group,
        kind: KINDS[2],
        usd: comparison.publishedUsd,
        label: `${formatUsd(comparison.publishedUsd)} → ${ratio === null ? "" : `${ratio}×`}`,
      });
    }
    return entries;
  });
  // Some bootstrap curves may never reach the score (infinite cost): that whisker runs off the axis.
  const finiteUpper = (row: Record<string, unknown>) => (typeof row.upper === "number" && Number.isFinite(row.upper) ? row.upper : 0);
  const smallest = Math.min(...rows.map((row) => Math.min(row.usd as number, (row.lower as number | null | undefined) ?? Infinity)));
  const largest = Math.max(...rows.map((row) => Math.max(row.usd as number, finiteUpper(row))));
  const domain = [10 ** Math.floor(Math.log10(smallest)), largest * 4];
  for (const row of rows) if (row.upper === Infinity) row.upper = domain[1];
  const kinds = KINDS.filter((kind) => rows.some((row) => row.kind === kind));
  const y = { field: "group", type: "nominal", title: null, axis: { labelLimit: 220 } };
  const yOffset = { field: "kind", type: "nominal", sort: kinds };
  const x = {
    field: "usd",
    type: "quantitative",
    scale: { type: "log", domain },
    axis: { format: "$,.0f", labelOverlap: "greedy", labelSeparation: 8, title: "USD at the baseline's score (log scale)" },
  };
  return titled(`${section.title}: cost at equal performance`, "bars: dollars to reach each baseline's score; whisker: bootstrap interval of ours", {
    width: CHART_WIDTH - 160,
    data: { values: rows },
    encoding: { y, yOffset },
    layer: [
      {
        mark: { type: "bar", height: { band: 0.9 } },
        encoding: {
          x,
          // Log scales have no zero, so bars start at the left edge of the domain.
          x2: { datum: domain[0] },
          color: {
            field: "kind",
            type: "nominal",
            sort: kinds,
            scale: { domain: [...KINDS], range: [PALETTE.baseline, PALETTE.fit, PALETTE.published] },
            legend: { title: null, orient: "bottom", values: kinds },
          },
          tooltip: [
            { field: "group", title: "baseline" },
            { field: "kind" },
            { field: "usd", format: "$,.2f" },
            { field: "lower", format: "$,.0f" },
            { field: "upper", format: "$,.0f" },
          ],
        },
      },
      {
        transform: [{ filter: "datum.lower != null && datum.upper != null" }],
        mark: { type: "rule", color: "black", strokeWidth: 1.5 },
        encoding: { x: { ...x, field: "lower" }, x2: { field: "upper" } },
      },
      {
        transform: [{ calculate: "datum.upper != null && datum.upper < " + domain[1] + " ? max(datum.usd, datum.upper) : datum.usd", as: "labelAt" }],
        mark: { type: "text", align: "left", baseline: "bottom", dx: 4, dy: -1, fontSize: 10 },
        encoding: { x: { ...x, field: "labelAt" }, text: { field: "label" } },
      },
    ],
  });
}
