import type { InstanceSection } from "../report/instance-section.js";
import { CHART_WIDTH, titled, type VegaLiteSpec } from "./theme.js";

/** More repositories than this and the chart keeps the ones with the most instances. */
export const MAX_REPOSITORY_BARS = 30;

/** Resolve rate per repository, one bar per condition, repositories ordered by instance count. */
export function repositoryChartSpec(section: InstanceSection, metricLabel = "resolve rate (%)"): VegaLiteSpec | null {
  if (section.repositories.length === 0) return null;
  const instancesByRepository = new Map<string, number>();
  for (const row of section.repositories) {
    instancesByRepository.set(row.repository, Math.max(instancesByRepository.get(row.repository) ?? 0, row.instances));
  }
  const ranked = [...instancesByRepository].sort((left, right) => right[1] - left[1] || left[0].localeCompare(right[0]));
  const kept = new Set(ranked.slice(0, MAX_REPOSITORY_BARS).map(([repository]) => repository));
  const rows = section.repositories.filter((row) => kept.has(row.repository));
  const order = ranked.filter(([repository]) => kept.has(repository)).map(([repository]) => `${repository} (${instancesByRepository.get(repository)})`);
  const values = rows.map((row) => ({ ...row, label: `${row.repository} (${instancesByRepository.get(row.repository)})` }));
  const multiple = section.conditions.length > 1;
  const dropped = ranked.length - kept.size;
  const subtitle = `instances per repository in brackets${dropped > 0 ? `; ${dropped} smaller repositories not shown` : ""}`;
  return titled("Resolve rate per repository", subtitle, {
    width: CHART_WIDTH - 180,
    // With yOffset the step is per bar, not per repository.
    height: { step: multiple ? 11 : 18 },
    data: { values },
    mark: { type: "bar" },
    encoding: {
      y: { field: "label", type: "nominal", sort: order, title: null, axis: { labelLimit: 200 } },
      x: { field: "resolveRate", type: "quantitative", scale: { domain: [0, 100] }, title: metricLabel },
      ...(multiple
        ? {
            yOffset: { field: "condition", type: "nominal", sort: section.conditions },
            color: { field: "condition", type: "nominal", sort: section.conditions, title: section.by ?? "condition", legend: { orient: "bottom" } },
          }
        : { color: { value: "#1f77b4" } }),
      tooltip: [
        { field: "repository" },
        { field: "condition" },
        { field: "resolveRate", title: "resolve rate", format: ".1f" },
        { field: "instances" },
        { field: "evaluations" },
      ],
    },
  });
}
