import { ablationChartSpec } from "../charts/ablation-chart.js";
import { costChartSpec } from "../charts/cost-chart.js";
import { repositoryChartSpec } from "../charts/repository-chart.js";
import { scalingChartSpec } from "../charts/scaling-chart.js";
import { sensitivityChartSpec } from "../charts/sensitivity-chart.js";
import type { VegaLiteSpec } from "../charts/theme.js";
import type { ReportModel } from "./model.js";

/** Chart id → Vega-Lite spec, for every figure the report's blocks refer to. */
export function reportChartSpecs(model: ReportModel): Map<string, VegaLiteSpec> {
  const specs = new Map<string, VegaLiteSpec>();
  for (const fit of model.fits) {
    if (fit.fit) specs.set(`scaling-${fit.name}`, scalingChartSpec(fit));
    const cost = costChartSpec(fit);
    if (cost) specs.set(`cost-${fit.name}`, cost);
    const sensitivity = sensitivityChartSpec(fit);
    if (sensitivity) specs.set(`sensitivity-${fit.name}`, sensitivity);
  }
  for (const compare of model.compares) {
    const spec = ablationChartSpec(compare);
    if (spec) specs.set(`ablation-${compare.name}`, spec);
  }
  if (model.instances) {
    const spec = repositoryChartSpec(model.instances);
    if (spec) specs.set("repositories", spec);
  }
  return specs;
}
