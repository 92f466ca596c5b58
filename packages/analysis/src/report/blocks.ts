/**
 * A report as a list of blocks, rendered twice: to Markdown (report.md) and to HTML (index.html).
 * Text may use `backticks` for code and **double stars** for emphasis; nothing else is markup.
 */
export type Block =
  | { kind: "heading"; level: 1 | 2 | 3; text: string; id?: string }
  | { kind: "paragraph"; text: string }
  | { kind: "callout"; tone: "warning" | "note"; text: string }
  | { kind: "list"; items: string[] }
  | { kind: "table"; columns: string[]; rows: string[][]; numeric?: boolean[] }
  | { kind: "chart"; id: string; title: string; caption: string };

export function fixed(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  if (value === Infinity) return "∞";
  if (value === -Infinity) return "−∞";
  return value.toFixed(digits);
}

export function precise(value: number | null | undefined, significant = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
  return Number(value.toPrecision(significant)).toLocaleString("en-US", { maximumFractionDigits: 12 });
}

export function usd(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  if (!Number.isFinite(value)) return "∞";
  return `$${value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

export function pValue(p: number | null | undefined): string {
  if (p === null || p === undefined || Number.isNaN(p)) return "—";
  return p < 0.001 ? "< .001" : p.toFixed(3).replace(/^0/, "");
}

export function interval(lower: number | null | undefined, upper: number | null | undefined, format: (value: number) => string): string {
  if (lower === null || lower === undefined || upper === null || upper === undefined) return "—";
  return `[${format(lower)}, ${Number.isFinite(upper) ? format(upper) : "∞"}]`;
}
