/**
 * JSON text laid out the way Python's `json.dumps(value, ensure_ascii=False)` lays it out:
 * `", "` between items and `": "` between key and value, non-ASCII kept as raw UTF-8.
 *
 * Why these separators: Qwen3's chat template renders tool signatures and past tool calls with
 * the Jinja `tojson` filter, which in transformers calls `json.dumps` with its default separators.
 * A model served by vLLM therefore sees `{"name": "bash", "arguments": {"command": "ls"}}` in its
 * own history at inference time; training on the compact `JSON.stringify` form would teach a
 * spacing it never sees again.
 *
 * Strings are escaped by `JSON.stringify`, which escapes the same characters as Python with
 * ensure_ascii=False (quote, backslash, control characters as \uXXXX or short escapes).
 * Known gap: a float such as 1.0 prints as `1`, because the distinction is lost once JSON is parsed
 * in JavaScript.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return Number.isFinite(value) ? JSON.stringify(value) : pythonNonFinite(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Array.isArray(value)) return `[${value.map((item) => pythonJsonDumps(item)).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}: ${pythonJsonDumps(item)}`).join(", ")}}`;
  }
  throw new TypeError(`cannot serialise a ${typeof value} as JSON`);
}

function pythonNonFinite(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  return value > 0 ? "Infinity" : "-Infinity";
}
