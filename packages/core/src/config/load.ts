import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml, YAMLParseError } from "yaml";
import type { z } from "zod";
import { ConfigError, describeValue } from "./errors.js";
import { deepClone, getPath, isPlainObject, setPath, splitPath, type Tree } from "./dotted.js";
import { experimentSchema, type LoadedExperiment } from "./experiment.js";
import { RESERVED_KEYS, rejectReservedKeys, rejectUrlCredentials, reservedKeyProblem } from "./untrusted.js";

/**
 * YAML anchors and aliases are legitimate, but a few lines of nested aliases expand to billions of
 * nodes (a "billion laughs" file). An experiment file needs a handful; past this many the file is refused.
 */
export const MAX_YAML_ALIASES = 100;

function parseYamlText(text: string): unknown {
  return parseYaml(text, { maxAliasCount: MAX_YAML_ALIASES });
}

/**
 * Loading an experiment file: YAML → `extends:` chain merged (child wins, lists replace) →
 * `--set a.b=c` overrides → zod validation. Every failure is a ConfigError naming the file that
 * set the offending value, the dotted path and what was expected.
 */

export interface LoadOptions {
  /** `a.b=c` strings from the command line; values are parsed as YAML scalars/lists. */
  overrides?: string[];
}

export function loadExperiment(file: string, options: LoadOptions = {}): LoadedExperiment {
  const origins = new Map<string, string>();
  const raw = readWithExtends(path.resolve(file), origins, []);
  for (const assignment of options.overrides ?? []) applyOverride(raw, assignment, origins);
  // Secrets in URLs would be copied into run.json, job.json and the store; refuse them up front.
  rejectUrlCredentials(raw, (dotted) => originOf(origins, dotted, displayName(file)));
  const config = validate(experimentSchema, raw, displayName(file), origins);
  return { file: path.resolve(file), config, raw, origins };
}

function displayName(file: string): string {
  const relative = path.relative(process.cwd(), path.resolve(file));
  return relative.startsWith("..") ? path.resolve(file) : relative;
}

function readYamlTree(file: string, referrer?: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const where = referrer ? `${displayName(referrer)}: extends` : displayName(file);
    throw new ConfigError(
      where.split(": ")[0],
      referrer ? "extends" : "",
      `cannot read ${displayName(file)} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  let tree: unknown;
  try {
    tree = parseYamlText(text);
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const line = error.linePos?.[0];
      throw new ConfigError(displayName(file), line ? `line ${line.line}` : "", `invalid YAML: ${error.message.split("\n")[0]}`);
    }
    // The yaml package reports an alias bomb (and other resource limits) as a plain Error.
    const detail = /alias/i.test((error as Error).message) ? ` (more than ${MAX_YAML_ALIASES} alias uses)` : "";
    throw new ConfigError(displayName(file), "", `invalid YAML: ${(error as Error).message.split("\n")[0]}${detail}`);
  }
  if (tree === null || tree === undefined) tree = {};
  if (!isPlainObject(tree)) throw new ConfigError(displayName(file), "", `expected a mapping at the top level, got ${describeValue(tree)}`);
  rejectReservedKeys(tree, displayName(file));
  return tree;
}

function readWithExtends(file: string, origins: Map<string, string>, chain: string[]): Tree {
  if (chain.includes(file)) {
    throw new ConfigError(displayName(chain[chain.length - 1]), "extends", `circular extends: ${[...chain, file].map(displayName).join(" → ")}`);
  }
  const tree = readYamlTree(file, chain[chain.length - 1]);
  const parents = tree.extends;
  delete tree.extends;
  let merged: Tree = {};
  if (parents !== undefined) {
    const list = Array.isArray(parents) ? parents : [parents];
    for (const parent of list) {
      if (typeof parent !== "string")
        throw new ConfigError(displayName(file), "extends", `expected a file path or a list of them, got ${describeValue(parent)}`);
      const parentTree = readWithExtends(path.resolve(path.dirname(file), parent), origins, [...chain, file]);
      merged = mergeTrees(merged, parentTree);
    }
  }
  recordOrigins(tree, displayName(file), origins, "");
  return mergeTrees(merged, tree);
}

/** Child wins; mappings merge key by key; lists and scalars replace. */
export function mergeTrees(base: Tree, child: Tree): Tree {
  const out: Tree = deepClone(base);
  for (const [key, value] of Object.entries(child)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? mergeTrees(current, value) : deepClone(value);
  }
  return out;
}

function recordOrigins(tree: unknown, source: string, origins: Map<string, string>, prefix: string): void {
  if (prefix) origins.set(prefix, source);
  if (!isPlainObject(tree)) return;
  for (const [key, value] of Object.entries(tree)) recordOrigins(value, source, origins, prefix ? `${prefix}.${key}` : key);
}

function applyOverride(raw: Tree, assignment: string, origins: Map<string, string>): void {
  const eq = assignment.indexOf("=");
  if (eq <= 0) throw new ConfigError("--set", assignment, "expected key=value, e.g. --set stages.train.params.lr=0.001");
  const key = assignment.slice(0, eq).trim();
  const text = assignment.slice(eq + 1);
  const reserved = splitPath(key).find((part) => RESERVED_KEYS.has(part));
  if (reserved !== undefined) throw new ConfigError("--set", key, reservedKeyProblem(reserved));
  let value: unknown;
  try {
    value = text === "" ? "" : parseYamlText(text);
  } catch {
    value = text;
  }
  rejectReservedKeys(value, "--set", key);
  if (key === "extends") throw new ConfigError("--set", key, "extends cannot be overridden from the command line");
  if (!setPath(raw, key, value)) throw new ConfigError("--set", key, `a parent of ${key} is not a mapping`);
  recordOrigins(value, "--set", origins, key);
}

/** Where a dotted path's value came from: the deepest recorded prefix. */
export function originOf(origins: Map<string, string>, dotted: string, fallback: string): string {
  const parts = splitPath(dotted);
  for (let n = parts.length; n > 0; n--) {
    const found = origins.get(parts.slice(0, n).join("."));
    if (found) return found;
  }
  return fallback;
}

/** Parse `value` with `schema`; turn the first zod issue into a one-line ConfigError. */
export function validate<T extends z.ZodType>(schema: T, value: unknown, file: string, origins: Map<string, string>, prefix = ""): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const first = issues[0];
  const keys = first.path.map(String);
  let dotted = [prefix, ...keys].filter(Boolean).join(".");
  let problem: string;
  const at = getPath(value, keys);
  if (first.code === "unrecognized_keys") {
    const unknown = (first as { keys: string[] }).keys;
    dotted = [dotted, unknown[0]].filter(Boolean).join(".");
    problem = `unknown key ${JSON.stringify(unknown[0])}${unknown.length > 1 ? ` (also ${unknown.slice(1).join(", ")})` : ""}`;
  } else if (first.code === "invalid_type") {
    const expected = (first as { expected: string }).expected;
    problem = at === undefined ? `required (expected ${expected})` : `expected ${expected}, got ${describeValue(at)}`;
  } else if (first.code === "invalid_union" || first.code === "invalid_value") {
    const detail = first.message.replace(/^Invalid input:?\s*/i, "");
    problem = `${detail || "not one of the accepted forms"}, got ${describeValue(at)}`;
  } else {
    problem = `${first.message}, got ${describeValue(at)}`;
  }
  if (issues.length > 1) problem += ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})`;
  throw new ConfigError(originOf(origins, dotted, file), dotted, problem);
}
