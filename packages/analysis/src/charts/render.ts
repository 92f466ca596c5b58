import { existsSync } from "node:fs";
import type { VegaLiteSpec } from "./theme.js";

/**
 * Offline rendering: Vega-Lite → Vega (compile) → SVG through a headless vega View (renderer
 * "none", so no canvas package; label widths are estimated) → PNG through resvg. vega and resvg
 * are imported on first use, so commands that never draw a chart do not pay for loading them.
 */

export interface RenderedChart {
  /** The compiled Vega spec (data inlined); the HTML report renders it in the browser. */
  vega: Record<string, unknown>;
  svg: string;
}

const FONT_CANDIDATES = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf"];

/**
 * The font file PNGs are drawn with. resvg draws no text at all when it has no font, which
 * would silently give charts without labels, so a missing font is an error.
 */
export function chartFontFile(): string {
  const configured = process.env.SERA_CHART_FONT;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`SERA_CHART_FONT=${configured}: no such file`);
    return configured;
  }
  const found = FONT_CANDIDATES.find((candidate) => existsSync(candidate));
  if (!found) {
    throw new Error("no font for PNG charts: install DejaVu Sans (Debian: apt-get install fonts-dejavu-core) or set SERA_CHART_FONT to a .ttf file");
  }
  return found;
}

/** The regular face plus, when it sits beside it, the bold one (vega sets titles in bold). */
function chartFontFiles(): string[] {
  const regular = chartFontFile();
  const bold = regular.replace(/\.ttf$/i, "-Bold.ttf");
  return bold !== regular && existsSync(bold) ? [regular, bold] : [regular];
}

export async function compileVegaLite(spec: VegaLiteSpec): Promise<Record<string, unknown>> {
  const { compile } = await import("vega-lite");
  // The specs are built in code from report data; vega-lite validates their structure while compiling.
  return compile(spec as unknown as Parameters<typeof compile>[0]).spec as unknown as Record<string, unknown>;
}

/**
 * vega numbers clip paths and gradients with a counter that lives as long as the process, so the
 * same chart drawn twice gets different ids; renumbering per SVG keeps rebuilt reports identical.
 */
function renumberIds(svg: string): string {
  const ids = new Map<string, string>();
  return svg.replace(/\b(clip|gradient|pattern)(\d+)\b/g, (match, prefix: string) => {
    let renamed = ids.get(match);
    if (!renamed) {
      renamed = `${prefix}${ids.size + 1}`;
      ids.set(match, renamed);
    }
    return renamed;
  });
}

export async function renderChart(spec: VegaLiteSpec): Promise<RenderedChart> {
  const vega = await compileVegaLite(spec);
  const { View, parse } = await import("vega");
  const view = new View(parse(vega as Parameters<typeof parse>[0]), { renderer: "none" });
  try {
    return { vega, svg: renumberIds(await view.toSVG()) };
  } finally {
    view.finalize();
  }
}

/** PNG of an SVG at `scale` × its size, text drawn with the chart font. */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  const { Resvg } = await import("@resvg/resvg-js");
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "white",
    font: { loadSystemFonts: false, fontFiles: chartFontFiles(), defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
  });
  return resvg.render().asPng();
}
