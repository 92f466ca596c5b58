import type { SourceLanguage } from "../types.js";
import type { LanguageRules } from "../walker.js";
import { goRules } from "./go.js";
import { javaRules } from "./java.js";
import { pythonRules } from "./python.js";
import { rustRules } from "./rust.js";
import { javascriptRules, tsxRules, typescriptRules } from "./typescript.js";

/**
 * File suffix → rules. Longest suffix wins, so `.d.ts` declaration files (no bodies) and `.pyi`
 * stubs map to nothing.
 */
const RULES_BY_SUFFIX: ReadonlyArray<readonly [string, LanguageRules | undefined]> = [
  [".d.ts", undefined],
  [".d.mts", undefined],
  [".d.cts", undefined],
  [".py", pythonRules],
  [".ts", typescriptRules],
  [".mts", typescriptRules],
  [".cts", typescriptRules],
  [".tsx", tsxRules],
  [".js", javascriptRules],
  [".jsx", javascriptRules],
  [".mjs", javascriptRules],
  [".cjs", javascriptRules],
  [".go", goRules],
  [".rs", rustRules],
  [".java", javaRules],
];

export function rulesForPath(path: string, languages: ReadonlySet<SourceLanguage>): LanguageRules | undefined {
  let best: readonly [string, LanguageRules | undefined] | undefined;
  for (const entry of RULES_BY_SUFFIX) {
    if (path.endsWith(entry[0]) && (!best || entry[0].length > best[0].length)) best = entry;
  }
  const rules = best?.[1];
  return rules && languages.has(rules.language) ? rules : undefined;
}
