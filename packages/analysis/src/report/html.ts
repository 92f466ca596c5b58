import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Block } from "./blocks.js";

/**
 * index.html: one self-contained file. The vega runtime and every chart's compiled Vega spec are
 * inlined, so the report draws its interactive charts (tooltips, zoom on scaling curves) from a
 * file:// URL with no network at all.
 */

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** The two bits of markup blocks may use: `code` and **strong**. */
function inline(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>");
}

/** JSON inside a script element: `<` escaped so no string can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function renderBlock(block: Block): string {
  switch (block.kind) {
    case "heading":
      return `<h${block.level}${block.id ? ` id="${escapeHtml(block.id)}"` : ""}>${inline(block.text)}</h${block.level}>`;
    case "paragraph":
      return `<p>${inline(block.text)}</p>`;
    case "callout":
      return `<p class="callout ${block.tone}"><strong>${block.tone === "warning" ? "Warning" : "Note"}:</strong> ${inline(block.text)}</p>`;
    case "list":
      return `<ul>${block.items.map((item) => `<li>${inline(item)}</li>`).join("")}</ul>`;
    case "chart":
      return `<figure><div class="chart" data-chart="${escapeHtml(block.id)}" role="img" aria-label="${escapeHtml(block.title)}"></div><figcaption>${inline(block.caption)} <a href="charts/${escapeHtml(block.id)}.svg">SVG</a> · <a href="charts/${escapeHtml(block.id)}.png">PNG</a> · <a href="charts/${escapeHtml(block.id)}.vl.json">Vega-Lite</a></figcaption></figure>`;
    case "table": {
      const cls = (i: number) => (block.numeric?.[i] ? ' class="num"' : "");
      const head = block.columns.map((column, i) => `<th${cls(i)}>${inline(column)}</th>`).join("");
      const body = block.rows.map((row) => `<tr>${row.map((value, i) => `<td${cls(i)}>${inline(value)}</td>`).join("")}</tr>`).join("\n");
      return `<div class="table"><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
    }
  }
}

let vegaRuntime: string | null = null;

/** The vega UMD bundle shipped in the vega package (its exports map hides the path, so go via the module entry). */
export function vegaRuntimeSource(): string {
  if (vegaRuntime === null) {
    const moduleFile = fileURLToPath(import.meta.resolve("vega"));
    vegaRuntime = readFileSync(path.join(path.dirname(moduleFile), "vega.min.js"), "utf8");
  }
  return vegaRuntime;
}

const STYLE = `
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; max-width: 980px; margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.4rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; } h3 { margin-top: 1.6rem; }
code { background: #f3f3f3; padding: 0 .25em; border-radius: 3px; font-size: .92em; }
.table { overflow-x: auto; margin: .8rem 0; } table { border-collapse: collapse; font-size: .88rem; }
th, td { border: 1px solid #ddd; padding: .25rem .5rem; vertical-align: top; } th { background: #f6f6f6; text-align: left; } .num { text-align: right; }
figure { margin: 1rem 0; } figcaption { font-size: .85rem; color: #555; } .chart { min-height: 60px; }
.callout { padding: .5rem .8rem; border-left: 4px solid #999; background: #f7f7f7; } .callout.warning { border-color: #d35400; background: #fdf2e9; }
nav { font-size: .9rem; } nav a { margin-right: .8rem; }
`;

const BOOT = `
(function () {
  var charts = document.querySelectorAll("[data-chart]");
  charts.forEach(function (element) {
    var source = document.getElementById("spec-" + element.getAttribute("data-chart"));
    var view = new vega.View(vega.parse(JSON.parse(source.textContent)), { renderer: "svg", container: element, hover: true });
    view.runAsync().then(function () { element.setAttribute("data-rendered", "true"); }, function (error) {
      element.textContent = "This chart could not be drawn: " + error.message;
      console.error(error);
    });
  });
})();
`;

export function renderHtml(title: string, blocks: readonly Block[], vegaSpecs: ReadonlyMap<string, unknown>): string {
  const sections = blocks.filter(
    (block): block is Extract<Block, { kind: "heading" }> => block.kind === "heading" && block.level === 2 && block.id !== undefined,
  );
  const nav = `<nav>${sections.map((block) => `<a href="#${escapeHtml(block.id as string)}">${inline(block.text)}</a>`).join("")}</nav>`;
  const [first, ...rest] = blocks;
  const specs = [...vegaSpecs].map(([id, spec]) => `<script type="application/json" id="spec-${escapeHtml(id)}">${scriptJson(spec)}</script>`).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${first ? renderBlock(first) : ""}
${nav}
${rest.map(renderBlock).join("\n")}
${specs}
<script>${vegaRuntimeSource().replace(/<\/script/gi, "<\\/script")}</script>
<script>${BOOT}</script>
</body>
</html>
`;
}
