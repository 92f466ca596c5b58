/** Plain-text tables for the terminal, plus CSV/JSON renderings of the same rows. */

export type Row = Record<string, unknown>;

function cell(value: unknown, max: number): string {
  let text = value === null || value === undefined ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
  text = text.replace(/\s*\n\s*/g, " ");
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}

export function formatTable(rows: Row[], options: { columns?: string[]; maxWidth?: number } = {}): string {
  const columns = options.columns ?? [...new Set(rows.flatMap((row) => Object.keys(row)))];
  if (rows.length === 0) return "(no rows)";
  const max = options.maxWidth ?? 60;
  const body = rows.map((row) => columns.map((c) => cell(row[c], max)));
  const widths = columns.map((c, i) => Math.max(c.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((text, i) => text.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

export function formatCsv(rows: Row[]): string {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const escape = (value: unknown) => {
    const text = value === null || value === undefined ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [columns.join(","), ...rows.map((row) => columns.map((c) => escape(row[c])).join(","))].join("\n");
}
