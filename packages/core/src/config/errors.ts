/**
 * A bad experiment file or override. The message is always one line:
 * `<file>: <dotted.path>: <what was expected>` so a researcher can jump straight to the fix.
 */
export class ConfigError extends Error {
  readonly file: string;
  readonly path: string;
  constructor(file: string, path: string, problem: string) {
    super(`${file}: ${path || "(top level)"}: ${problem}`.replace(/\s*\n\s*/g, " "));
    this.name = "ConfigError";
    this.file = file;
    this.path = path;
  }
}

/** Describe a value briefly for an error line (never the whole object). */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value)}`;
  return `${typeof value} ${String(value)}`;
}
