import type { Block } from "./blocks.js";

function tableCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function renderBlock(block: Block): string {
  switch (block.kind) {
    case "heading":
      return `${"#".repeat(block.level)} ${block.text}`;
    case "paragraph":
      return block.text;
    case "callout":
      return `> **${block.tone === "warning" ? "Warning" : "Note"}:** ${block.text}`;
    case "list":
      return block.items.map((item) => `- ${item}`).join("\n");
    case "chart":
      return `![${block.title}](charts/${block.id}.svg)\n\n*${block.caption}* PNG: \`charts/${block.id}.png\`; Vega-Lite spec: \`charts/${block.id}.vl.json\`.`;
    case "table": {
      const align = block.columns.map((_, i) => (block.numeric?.[i] ? "---:" : "---"));
      const lines = [`| ${block.columns.map(tableCell).join(" | ")} |`, `| ${align.join(" | ")} |`];
      for (const row of block.rows) lines.push(`| ${row.map(tableCell).join(" | ")} |`);
      return lines.join("\n");
    }
  }
}

/** report.md: the same content as index.html, with the charts as SVG images beside it. */
export function renderMarkdown(blocks: readonly Block[]): string {
  return blocks.map(renderBlock).join("\n\n") + "\n";
}
