import { readFile } from "node:fs/promises";
import { demonstrationFromRecord, parseIssueArray, type EntryPlace } from "./demonstration-formats.js";
import { BUILTIN_DEMONSTRATIONS } from "./demonstration-pool.js";

/** A style example for the synthetic PR writer. */
export interface Demonstration {
  id: string;
  body: string;
  /** `org/name` the issue was filed against, when the source says so (used by the `repo` filter). */
  repo?: string;
}

function parseJsonl(file: string, content: string): { demonstration: Demonstration; place: EntryPlace }[] {
  const entries: { demonstration: Demonstration; place: EntryPlace }[] = [];
  const lines = content.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const place = `${file}:${index + 1}`;
    const raw = lines[index].trim();
    if (raw === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      throw new Error(`${place}: invalid JSON (${(error as Error).message})`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new Error(`${place}: expected a JSON object with \`id\` and \`body\``);
    }
    const demonstration = demonstrationFromRecord(parsed as Record<string, unknown>, place, `line-${index + 1}`);
    if (demonstration) entries.push({ demonstration, place });
  }
  return entries;
}

/**
 * Reads a user-supplied pool of demonstration issues. Accepted shapes:
 * - JSONL, one object per line: `id` (or `instance_id`), `body` (or `text` / `problem_statement`),
 *   optional `repo` — e.g. SWE-bench rows;
 * - a JSON array: `gh issue list --json number,title,body[,url]` output, GitHub REST issues (pull
 *   requests, which the REST issues list includes, are left out), plain strings (SERA's list of
 *   issue bodies), or the same objects as in JSONL.
 * Entries with an empty body are skipped; anything malformed stops the load with an error naming
 * the file and the line or item. Entries without an id are named after their line or item.
 */
export async function loadDemonstrations(file: string): Promise<Demonstration[]> {
  const content = await readFile(file, "utf8");
  const entries = content.trimStart().startsWith("[") ? parseIssueArray(file, content) : parseJsonl(file, content);
  const seen = new Map<string, EntryPlace>();
  for (const { demonstration, place } of entries) {
    const earlier = seen.get(demonstration.id);
    if (earlier !== undefined) throw new Error(`${place}: duplicate id "${demonstration.id}" (first at ${earlier})`);
    seen.set(demonstration.id, place);
  }
  return entries.map((entry) => entry.demonstration);
}

/** What the stage's `demonstrations` parameter holds: a pool file, optionally with a repository filter. */
export type DemonstrationSource = string | { file: string; repo?: string };

/**
 * Whether a demonstration belongs to `repo` (`org/name` or just `name`, any case). Entries that
 * name their repository match on it; others match when their id contains the name, SERA's
 * `pipeline_repo` rule for SWE-bench ids such as `django__django-11099`.
 */
export function demonstrationFromRepo(demonstration: Demonstration, repo: string): boolean {
  const wanted = repo.toLowerCase().replace(/\/+$/, "");
  const wantedName = wanted.split("/").at(-1) ?? wanted;
  if (demonstration.repo !== undefined) {
    const own = demonstration.repo.toLowerCase();
    return wanted.includes("/") ? own === wanted : own.split("/").at(-1) === wantedName;
  }
  return demonstration.id.toLowerCase().includes(wantedName);
}

/**
 * The pool instances draw their demonstration from: the user's file (only the entries from
 * `repo` when given) or the built-in pool. An empty result is an error naming the file and filter;
 * SERA silently falls back to its whole pool there, which would hide a misspelt repository.
 */
export async function loadDemonstrationPool(source: DemonstrationSource | undefined): Promise<Demonstration[]> {
  if (source === undefined) return [...BUILTIN_DEMONSTRATIONS];
  const { file, repo } = typeof source === "string" ? { file: source, repo: undefined } : source;
  const all = await loadDemonstrations(file);
  if (all.length === 0) throw new Error(`demonstrations: ${file} holds no issue with a non-empty body`);
  if (repo === undefined) return all;
  const kept = all.filter((demonstration) => demonstrationFromRepo(demonstration, repo));
  if (kept.length === 0) {
    const seen = [...new Set(all.map((d) => d.repo).filter((r): r is string => r !== undefined))].slice(0, 5);
    const hint = seen.length > 0 ? `repositories in it: ${seen.join(", ")}` : "its entries name no repository and no id contains the name";
    throw new Error(`demonstrations.repo: no entry of ${file} is from "${repo}" (${all.length} entries; ${hint})`);
  }
  return kept;
}
