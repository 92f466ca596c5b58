/** Dotted-path access into plain YAML/JSON trees ("stages.train.params.lr"). */

export type Tree = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Tree {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function splitPath(path: string): string[] {
  return path.split(".").filter((part) => part.length > 0);
}

export function getPath(tree: unknown, path: string | string[]): unknown {
  let node: unknown = tree;
  for (const key of Array.isArray(path) ? path : splitPath(path)) {
    if (!isPlainObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Set a value, creating intermediate mappings. Returns false when a non-mapping blocks the path. */
export function setPath(tree: Tree, path: string | string[], value: unknown): boolean {
  const keys = Array.isArray(path) ? path : splitPath(path);
  // Only own keys are followed, so a path can never walk into Object.prototype.
  if (keys.some((key) => key === "__proto__" || key === "constructor" || key === "prototype")) return false;
  let node: Tree = tree;
  for (const key of keys.slice(0, -1)) {
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    if (next === undefined) node[key] = {};
    else if (!isPlainObject(next)) return false;
    node = node[key] as Tree;
  }
  node[keys[keys.length - 1]] = value;
  return true;
}

/** Flatten nested mappings into dotted keys; lists and scalars are leaves. */
export function flatten(tree: unknown, prefix = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isPlainObject(tree)) {
    if (prefix) out[prefix] = tree;
    return out;
  }
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(value) && Object.keys(value).length > 0) Object.assign(out, flatten(value, path));
    else out[path] = value;
  }
  return out;
}

export function deepClone<T>(value: T): T {
  return structuredClone(value);
}
