import { ConfigError } from "./errors.js";
import { isPlainObject } from "./dotted.js";

/**
 * Checks on experiment text before anything uses it: keys that would reach JavaScript's object
 * machinery, and secrets written into URLs. Both are refused with a ConfigError naming the file (or
 * `--set`) and the dotted path, because a silently renamed key or a stored secret is worse than a
 * clear stop.
 */

/** Keys that address an object's prototype chain rather than a field: `a.__proto__.x = 1` would set `x` on every object. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

export function reservedKeyProblem(key: string): string {
  return `the key ${JSON.stringify(key)} is not allowed (it names JavaScript's object prototype, not a setting)`;
}

/** The dotted path of the first reserved key anywhere in `tree`, or null. */
export function findReservedKey(tree: unknown, prefix = ""): { path: string; key: string } | null {
  if (Array.isArray(tree)) {
    for (let i = 0; i < tree.length; i++) {
      const found = findReservedKey(tree[i], prefix ? `${prefix}.${i}` : String(i));
      if (found) return found;
    }
    return null;
  }
  if (!isPlainObject(tree)) return null;
  for (const key of Object.keys(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (RESERVED_KEYS.has(key)) return { path, key };
    const found = findReservedKey(tree[key], path);
    if (found) return found;
  }
  return null;
}

export function rejectReservedKeys(tree: unknown, file: string, prefix = ""): void {
  const found = findReservedKey(tree, prefix);
  if (found) throw new ConfigError(file, found.path, reservedKeyProblem(found.key));
}

/** Query parameters that carry secrets by name (`?api_key=`, `?token=`, `?sig=`, …). */
const SECRET_PARAMETER = /(api[_-]?key|token|secret|passw(or)?d|credential)|^(key|sig|signature|auth|authorization|pwd)$/i;

/** A URL with its secrets replaced by `***`, for error messages. */
export function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.username) copy.username = "***";
  if (copy.password) copy.password = "***";
  for (const name of [...copy.searchParams.keys()]) if (SECRET_PARAMETER.test(name)) copy.searchParams.set(name, "***");
  return copy.href;
}

/** Why `text` is a URL carrying credentials, or null. Plain paths and URLs without secrets pass. */
export function urlCredentialProblem(text: string): string | null {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text.trim())) return null;
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  const web = url.protocol === "http:" || url.protocol === "https:";
  const userInfo = url.password !== "" || (web && url.username !== "");
  const secretParameter = [...url.searchParams.keys()].find((name) => SECRET_PARAMETER.test(name));
  if (!userInfo && secretParameter === undefined) return null;
  const what = userInfo ? "a user name or password" : `a secret query parameter (${secretParameter})`;
  return (
    `the URL ${redactUrl(url)} carries ${what}, which would be stored in run.json, job.json and the store; ` +
    "remove it from the URL and put the key in an environment variable named by apiKeyEnv"
  );
}

/** The first string in `tree` that is a URL with credentials, as a ConfigError from `originOf(path)`. */
export function rejectUrlCredentials(tree: unknown, originOf: (dotted: string) => string, prefix = ""): void {
  if (typeof tree === "string") {
    const problem = urlCredentialProblem(tree);
    if (problem) throw new ConfigError(originOf(prefix), prefix, problem);
    return;
  }
  if (Array.isArray(tree)) {
    tree.forEach((item, i) => rejectUrlCredentials(item, originOf, prefix ? `${prefix}.${i}` : String(i)));
    return;
  }
  if (!isPlainObject(tree)) return;
  for (const [key, value] of Object.entries(tree)) rejectUrlCredentials(value, originOf, prefix ? `${prefix}.${key}` : key);
}
