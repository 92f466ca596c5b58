/**
 * Look shared by every chart. The font list starts with DejaVu Sans because that is the face the
 * PNG renderer loads (see render.ts); browsers fall back to their own sans-serif.
 */

/** A Vega-Lite spec as plain JSON; specs are built from data, compiled and validated by vega-lite. */
export type VegaLiteSpec = Record<string, unknown>;

export const CHART_FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";

export const CHART_WIDTH = 560;

export const PALETTE = {
  seed: "#7f9fbf",
  mean: "#1f4e79",
  fit: "#1f77b4",
  band: "#9ecae1",
  baseline: "#c0392b",
  reach: "#e67e22",
  published: "#8e44ad",
  noise: "#d9d9d9",
  muted: "#555555",
} as const;

export const CHART_CONFIG = {
  font: CHART_FONT,
  background: "white",
  view: { stroke: "#cccccc" },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#eeeeee" },
  legend: { labelFontSize: 11, titleFontSize: 11 },
  title: { fontSize: 14, anchor: "start", subtitleFontSize: 11, subtitleColor: PALETTE.muted },
};

/**
 * Headless vega estimates text width at 0.8 × font size per character, well above what DejaVu
 * needs, and sizes the SVG to that estimate; subtitles are wrapped so a long one does not leave
 * a wide blank margin.
 */
export function wrapLine(text: string, width = 70): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(" ")) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(current);
  return lines;
}

export function titled(title: string, subtitle: string | undefined, spec: VegaLiteSpec): VegaLiteSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: subtitle ? { text: title, subtitle: wrapLine(subtitle) } : title,
    config: CHART_CONFIG,
    ...spec,
  };
}

export function formatUsd(value: number): string {
  if (value >= 10_000) return `$${(value / 1000).toFixed(1)}K`;
  return `$${Math.round(value).toLocaleString("en-US")}`;
}
