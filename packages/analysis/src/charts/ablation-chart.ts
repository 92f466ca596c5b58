import { pValue } from "../report/blocks.js";
import type { CompareSection, Contrast } from "../report/compare-section.js";
import { CHART_WIDTH, PALETTE, titled, type VegaLiteSpec } from "./theme.js";

/** The mark beside each condition: the paper's SNR bands, and "ref" for the reference. */
export function significanceMark(contrast: Contrast | undefined): string {
  if (!contrast) return "ref";
  if (contrast.verdict === null) return "no SD";
  if (contrast.verdict === "likely real") return "▲ likely real";
  if (contrast.verdict === "borderline") return "△ borderline";
  return "○ within noise";
}

function signed(value: number): string {
  return `${value >= 0 ? "+" : "−"}${Math.abs(value).toFixed(2)}`;
}

/**
 * Dot-and-whisker per condition: every seed, the mean ± 1 SD, the reference mean as a line with
 * a grey band of ± the noise SD around it (differences inside it are within noise), and Δ, SNR
 * and the verdict written beside each condition.
 */
export function ablationChartSpec(section: CompareSection): VegaLiteSpec | null {
  if (section.conditions.length === 0) return null;
  const order = section.conditions.map((condition) => condition.label);
  const byLabel = new Map(section.contrasts.map((contrast) => [contrast.label, contrast]));
  const summary = section.conditions.map((condition) => {
    const contrast = byLabel.get(condition.label);
    const detail = contrast
      ? `Δ ${signed(contrast.delta)}${contrast.snr === null ? "" : `, SNR ${contrast.snr.toFixed(1)}`}${contrast.welch ? `, Welch p ${contrast.welch.p < 0.001 ? "" : "= "}${pValue(contrast.welch.p)}` : ""}`
      : `mean ${condition.mean.toFixed(2)}`;
    return {
      condition: condition.label,
      mean: condition.mean,
      low: condition.sd === null ? condition.mean : condition.mean - condition.sd,
      high: condition.sd === null ? condition.mean : condition.mean + condition.sd,
      n: condition.n,
      sd: condition.sd,
      note: `${significanceMark(contrast)} · ${detail}`,
    };
  });
  const seeds = section.conditions.flatMap((condition) =>
    condition.values.map((value, i) => ({ condition: condition.label, value, run: condition.runIds[i] })),
  );
  const reference = section.conditions.find((condition) => condition.label === section.reference);
  const configured = section.contrasts.find((contrast) => contrast.noiseSource === "configured")?.noiseSd ?? null;
  const noiseSd = configured ?? reference?.sd ?? null;
  const noiseName = configured === null ? "the reference's SD" : "the noise SD";
  const values = [...seeds.map((seed) => seed.value), ...summary.flatMap((row) => [row.low, row.high])];
  const spread = Math.max(...values) - Math.min(...values) || 1;
  const domain = [Math.min(...values) - 0.15 * spread, Math.max(...values) + 0.15 * spread];
  const y = { field: "condition", type: "nominal", sort: order, title: section.by };
  const x = { type: "quantitative", scale: { domain, zero: false }, title: section.metric };
  const layers: VegaLiteSpec[] = [];
  if (reference && noiseSd !== null) {
    layers.push({
      data: { values: [{ low: reference.mean - noiseSd, high: reference.mean + noiseSd, mean: reference.mean }] },
      layer: [
        { mark: { type: "rect", color: PALETTE.noise, opacity: 0.45 }, encoding: { x: { ...x, field: "low" }, x2: { field: "high" } } },
        { mark: { type: "rule", color: PALETTE.muted, strokeDash: [4, 3] }, encoding: { x: { ...x, field: "mean" } } },
      ],
    });
  }
  layers.push(
    {
      data: { values: summary },
      mark: { type: "rule", color: PALETTE.mean, strokeWidth: 2 },
      encoding: { y, x: { ...x, field: "low" }, x2: { field: "high" } },
    },
    {
      data: { values: seeds },
      mark: { type: "point", filled: true, size: 30, color: PALETTE.seed, opacity: 0.8, yOffset: 7 },
      encoding: { y, x: { ...x, field: "value" }, tooltip: [{ field: "condition" }, { field: "value", format: ".2f" }, { field: "run" }] },
    },
    {
      data: { values: summary },
      mark: { type: "point", filled: true, size: 80, shape: "diamond", color: PALETTE.mean },
      encoding: {
        y,
        x: { ...x, field: "mean" },
        tooltip: [{ field: "condition" }, { field: "mean", format: ".2f" }, { field: "sd", format: ".2f" }, { field: "n" }, { field: "note" }],
      },
    },
    {
      data: { values: summary },
      mark: { type: "text", align: "left", dx: 8, dy: -9, fontSize: 10, color: PALETTE.muted },
      encoding: { y, x: { ...x, field: "high" }, text: { field: "note" } },
    },
  );
  const subtitle = `diamond: mean ± 1 SD over seeds; grey band: reference ± ${noiseSd === null ? "(no SD)" : `${noiseSd.toFixed(2)} (${noiseName})`}; SNR = |Δ|/SD, above ${section.threshold} counts as likely real`;
  return titled(section.title, subtitle, { width: CHART_WIDTH - 140, height: { step: 44 }, layer: layers });
}
