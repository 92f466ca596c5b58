import { readFile } from "node:fs/promises";

/** A style example for the synthetic PR writer. */
export interface Demonstration {
  id: string;
  body: string;
}

const BODY_KEYS = ["body", "text", "problem_statement"] as const;
const ID_KEYS = ["id", "instance_id"] as const;

function fail(file: string, line: number, reason: string): never {
  throw new Error(`${file}:${line}: ${reason}`);
}

/**
 * Reads a user-supplied pool of demonstration issues: one JSON object per line with an `id`
 * (or `instance_id`) and a `body` (or `text` / `problem_statement`). Blank lines and entries
 * with an empty body are skipped; anything malformed stops the load with a `file:line` error.
 * Entries without an id are named after their line so the chosen one can still be recorded.
 */
export async function loadDemonstrations(jsonlPath: string): Promise<Demonstration[]> {
  const content = await readFile(jsonlPath, "utf8");
  const demonstrations: Demonstration[] = [];
  const seen = new Map<string, number>();
  const lines = content.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const lineNo = index + 1;
    const raw = lines[index].trim();
    if (raw === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      fail(jsonlPath, lineNo, `invalid JSON (${(error as Error).message})`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      fail(jsonlPath, lineNo, "expected a JSON object with `id` and `body`");
    }
    const record = parsed as Record<string, unknown>;

    const bodyKey = BODY_KEYS.find((key) => record[key] !== undefined && record[key] !== null);
    const body = bodyKey === undefined ? undefined : record[bodyKey];
    if (body !== undefined && typeof body !== "string") fail(jsonlPath, lineNo, `\`${bodyKey}\` must be a string`);
    if (body === undefined || body.trim() === "") continue;

    const idKey = ID_KEYS.find((key) => record[key] !== undefined && record[key] !== null);
    const rawId = idKey === undefined ? `line-${lineNo}` : record[idKey];
    if (typeof rawId !== "string" && typeof rawId !== "number") fail(jsonlPath, lineNo, `\`${idKey}\` must be a string or number`);
    const id = String(rawId);
    const earlier = seen.get(id);
    if (earlier !== undefined) fail(jsonlPath, lineNo, `duplicate id "${id}" (first on line ${earlier})`);
    seen.set(id, lineNo);
    demonstrations.push({ id, body });
  }
  return demonstrations;
}
