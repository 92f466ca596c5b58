import type { Demonstration } from "./demonstrations.js";

const BODY_KEYS = ["body", "text", "problem_statement"] as const;
const ID_KEYS = ["id", "instance_id"] as const;

/** Where an entry came from, for error messages: `file:line` (JSONL) or `file: item N` (a JSON array). */
export type EntryPlace = string;

/**
 * One `{id, body}`-like object: `id` or `instance_id`, `body`, `text` or `problem_statement`, and
 * an optional `repo` (SWE-bench rows carry one). Undefined for an empty body, which is skipped.
 */
export function demonstrationFromRecord(record: Record<string, unknown>, place: EntryPlace, fallbackId: string): Demonstration | undefined {
  const bodyKey = BODY_KEYS.find((key) => record[key] !== undefined && record[key] !== null);
  const body = bodyKey === undefined ? undefined : record[bodyKey];
  if (body !== undefined && typeof body !== "string") throw new Error(`${place}: \`${bodyKey}\` must be a string`);
  if (body === undefined || body.trim() === "") return undefined;

  const idKey = ID_KEYS.find((key) => record[key] !== undefined && record[key] !== null);
  const rawId = idKey === undefined ? fallbackId : record[idKey];
  if (typeof rawId !== "string" && typeof rawId !== "number") throw new Error(`${place}: \`${idKey}\` must be a string or number`);
  const repo = record.repo;
  if (repo !== undefined && repo !== null && typeof repo !== "string") throw new Error(`${place}: \`repo\` must be a string`);
  return typeof repo === "string" && repo !== "" ? { id: String(rawId), body, repo } : { id: String(rawId), body };
}

/** `https://api.github.com/repos/OWNER/NAME` or `https://github.com/OWNER/NAME/issues/N` → `OWNER/NAME`. */
export function repoFromGithubUrl(url: string): string | undefined {
  const match = /^https?:\/\/(?:api\.github\.com\/repos|github\.com)\/([^/\s]+)\/([^/\s?#]+)/.exec(url);
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/**
 * A GitHub issue as `gh issue list --json number,title,body` or the REST API gives it. The text
 * is the title, a newline and the body, as SWE-bench composes the problem statements SERA's own
 * pool is made of. Undefined for pull requests and issues without a body.
 */
function demonstrationFromIssue(issue: Record<string, unknown>, place: EntryPlace): Demonstration | undefined {
  // The REST issues endpoint lists pull requests too, marked by a `pull_request` object.
  if (issue.pull_request !== undefined && issue.pull_request !== null) return undefined;
  const { number, title, body } = issue;
  if (typeof number !== "number" || !Number.isInteger(number)) throw new Error(`${place}: \`number\` must be an integer`);
  if (title !== undefined && title !== null && typeof title !== "string") throw new Error(`${place}: \`title\` must be a string`);
  if (body !== undefined && body !== null && typeof body !== "string") throw new Error(`${place}: \`body\` must be a string or null`);
  if (typeof body !== "string" || body.trim() === "") return undefined;
  const urls = [issue.repository_url, issue.html_url, issue.url].filter((value): value is string => typeof value === "string");
  const repo = urls.map(repoFromGithubUrl).find((value) => value !== undefined);
  const text = typeof title === "string" && title.trim() !== "" ? `${title}\n${body}` : body;
  return repo ? { id: `${repo}#${number}`, body: text, repo } : { id: `#${number}`, body: text };
}

/** The entries of a JSON array pool (see `loadDemonstrations`), with where each came from. */
export function parseIssueArray(file: string, content: string): { demonstration: Demonstration; place: EntryPlace }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    throw new Error(`${file}: invalid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${file}: expected a JSON array of issues`);
  const entries: { demonstration: Demonstration; place: EntryPlace }[] = [];
  parsed.forEach((item: unknown, index) => {
    const place = `${file}: item ${index + 1}`;
    let demonstration: Demonstration | undefined;
    if (typeof item === "string") demonstration = item.trim() === "" ? undefined : { id: `item-${index + 1}`, body: item };
    else if (typeof item !== "object" || item === null || Array.isArray(item)) throw new Error(`${place}: expected an issue object or a string`);
    else if ("number" in item) demonstration = demonstrationFromIssue(item as Record<string, unknown>, place);
    else demonstration = demonstrationFromRecord(item as Record<string, unknown>, place, `item-${index + 1}`);
    if (demonstration) entries.push({ demonstration, place });
  });
  return entries;
}
