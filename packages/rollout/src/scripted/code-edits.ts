/**
 * How the scripted stand-in finds a function and makes a small, real edit at the start of its
 * body. Everything here works on text the policy has seen in tool observations, so it never
 * reads the repository itself.
 */

export interface FunctionTarget {
  /** Path relative to the repository root. */
  file: string;
  /** `name`, `Class.name`, `Outer.Inner.name`. */
  qualifiedName: string;
}

export interface EditPlan {
  /** Text to replace: from the definition line to the insertion point (unique in practice). */
  oldStr: string;
  newStr: string;
  /** 1-based line after which `insertedText` goes, for the `insert` fallback. */
  insertAfterLine: number;
  insertedText: string;
  /** One phrase for the policy's reasoning about why this edit. */
  rationale: string;
}

export const editVariantCount = 3;

type Language = "python" | "brace" | "hash";

const braceExtensions = new Set([
  "js",
  "jsx",
  "mjs",
  "cjs",
  "ts",
  "tsx",
  "java",
  "go",
  "rs",
  "c",
  "h",
  "cc",
  "cpp",
  "hpp",
  "cs",
  "kt",
  "swift",
  "scala",
  "php",
]);

export function languageOf(file: string): Language {
  const extension = file.toLowerCase().split(".").pop() ?? "";
  if (extension === "py" || extension === "pyi") return "python";
  if (extension === "rb" || extension === "sh") return "hash";
  return braceExtensions.has(extension) ? "brace" : "hash";
}

function splitName(qualifiedName: string): { name: string; owner?: string } {
  const parts = qualifiedName.split(/[.:]+/).filter((part) => part !== "");
  return { name: parts[parts.length - 1] ?? qualifiedName, owner: parts.length > 1 ? parts[parts.length - 2] : undefined };
}

function ere(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}

function definitionPattern(target: FunctionTarget): string {
  const { name, owner } = splitName(target.qualifiedName);
  const ownerPart = owner ? `(class|struct|interface|impl|trait|type)[[:space:]]+${ere(owner)}\\b|` : "";
  if (languageOf(target.file) === "python") {
    const ownerPy = owner ? `class[[:space:]]+${ere(owner)}\\b|` : "";
    return `^[[:space:]]*(${ownerPy}(async[[:space:]]+)?def[[:space:]]+${ere(name)}\\b)`;
  }
  return `${ownerPart}\\b${ere(name)}[[:space:]]*(<[^>]*>)?[[:space:]]*\\(`;
}

/** Shell command listing candidate definition lines (and the owning class) in the file. */
export function fileGrepCommand(target: FunctionTarget): string {
  return `grep -nE '${definitionPattern(target)}' /testbed/${target.file}`;
}

/** Reads the qualified name back out of a command built by `fileGrepCommand`. */
export function targetNameFromGrep(command: string): string | undefined {
  const owner = /(?:class|type\))\[\[:space:\]\]\+(\w+)/.exec(command)?.[1];
  const name = /def\[\[:space:\]\]\+(\w+)/.exec(command)?.[1] ?? /\\b(\w+)\[\[:space:\]\]\*\(/.exec(command)?.[1];
  if (!name) return undefined;
  return owner ? `${owner}.${name}` : name;
}

/** Fallback when the file had no match: search the checkout for the function. */
export function repoGrepCommand(target: FunctionTarget): string {
  const extension = target.file.split(".").pop() ?? "py";
  return `grep -rnE --include='*.${extension}' '${definitionPattern(target)}' /testbed | head -20`;
}

export function readCommand(file: string, firstLine: number): string {
  return `sed -n '${firstLine},${firstLine + 39}p' /testbed/${file}`;
}

function definitionLineScore(text: string, name: string, language: Language): number {
  const n = ere(name);
  if (language === "python") return new RegExp(`^\\s*(async\\s+)?def\\s+${n}\\b`).test(text) ? 2 : 0;
  if (!new RegExp(`\\b${n}\\s*(<[^>]*>)?\\s*\\(`).test(text)) return 0;
  if (new RegExp(`\\b(function|func|fn|def|sub)\\b[^(]*\\b${n}\\b|func\\s*\\([^)]*\\)\\s*${n}\\b`).test(text)) return 2;
  const trimmed = text.trim();
  const looksLikeCall = new RegExp(`[.\\w]\\.${n}\\s*\\(|\\b(return|new|await|throw)\\b[^(]*\\b${n}\\b`).test(trimmed);
  if (looksLikeCall || trimmed.endsWith(";")) return 0;
  return trimmed.endsWith("{") || trimmed.endsWith(")") || trimmed.endsWith(",") ? 1 : 0;
}

/**
 * Picks the definition line from `grep -n` output (`N:text`, or `path:N:text` for a repo-wide
 * search). With an owner, the first definition after the owner's declaration wins.
 */
export function pickDefinition(observation: string, target: FunctionTarget): { file: string; line: number } | undefined {
  const { name, owner } = splitName(target.qualifiedName);
  const language = languageOf(target.file);
  const hits: { file: string; line: number; text: string }[] = [];
  for (const raw of observation.split("\n")) {
    const match = /^(?:(\/testbed\/[^:]+|[^:\s]+\.\w+):)?(\d+):(.*)$/.exec(raw);
    if (!match) continue;
    const file = match[1] ? match[1].replace(/^\/testbed\//, "") : target.file;
    hits.push({ file, line: Number(match[2]), text: match[3] });
  }
  const ownerLine = owner ? hits.find((hit) => new RegExp(`\\b(class|struct|interface|impl|trait|type)\\s+${ere(owner)}\\b`).test(hit.text)) : undefined;
  const scored = hits.map((hit) => ({ ...hit, score: definitionLineScore(hit.text, name, language) })).filter((hit) => hit.score > 0);
  const afterOwner = ownerLine ? scored.filter((hit) => hit.file === ownerLine.file && hit.line > ownerLine.line) : [];
  const pool = afterOwner.length > 0 ? afterOwner : scored;
  if (pool.length === 0) return undefined;
  const best = Math.max(...pool.map((hit) => hit.score));
  const chosen = pool.find((hit) => hit.score === best)!;
  return { file: chosen.file, line: chosen.line };
}

/** Lines shown by `sed -n` (raw) or by an editor view (`cat -n` numbering, which is removed). */
function viewLines(view: string): string[] {
  const lines = view.replace(/\n$/, "").split("\n");
  const numbered = lines.filter((line) => line.trim() !== "").every((line) => /^\s*\d+\t/.test(line));
  return numbered ? lines.map((line) => line.replace(/^\s*\d+\t/, "")) : lines;
}

function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

function firstParameter(signature: string): string | undefined {
  const open = signature.indexOf("(");
  if (open < 0) return undefined;
  let depth = 0;
  let current = "";
  const parts: string[] = [];
  for (const ch of signature.slice(open + 1)) {
    if ("([{".includes(ch)) depth++;
    if (")]}".includes(ch)) {
      if (depth === 0) break;
      depth--;
    }
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  for (const part of parts) {
    const name = part.split(/[:=]/)[0].trim();
    if (name === "" || name === "self" || name === "cls" || name.startsWith("*") || name === "/") continue;
    if (/^[A-Za-z_]\w*$/.test(name)) return name;
  }
  return undefined;
}

function pythonStatements(name: string, param: string | undefined, variant: number, unit: string): { lines: string[]; rationale: string } {
  if (variant === 0 && param) {
    return {
      lines: [`if ${param} is None:`, `${unit}raise ValueError("${name}() was called without a value for '${param}'")`],
      rationale: `a missing '${param}' should fail at the entry of ${name}() with a clear message instead of deep inside it`,
    };
  }
  if (variant === 2 && param) {
    return {
      lines: [`assert ${param} is not None, "${name}: '${param}' must not be None"`],
      rationale: `an assertion on '${param}' makes the precondition of ${name}() explicit`,
    };
  }
  if (variant === 1) {
    return {
      lines: [`# ${name}() expects fully initialised inputs; callers validate them first.`],
      rationale: `the assumption ${name}() makes about its inputs is not written down anywhere`,
    };
  }
  if (variant === 2) {
    return {
      lines: [`# ${name}() must leave shared state untouched when it returns early.`],
      rationale: `what ${name}() may and may not change on an early return is only implied by the code`,
    };
  }
  return {
    lines: [`# Keep the early exits in ${name}() ahead of any side effects below.`],
    rationale: `the ordering constraint inside ${name}() deserves a note where the body starts`,
  };
}

function commentStatements(name: string, variant: number, marker: string): { lines: string[]; rationale: string } {
  const texts = [
    `${name}: inputs are assumed to be validated by the caller.`,
    `${name}: keep early returns ahead of any side effects below.`,
    `${name}: behaviour for empty or missing arguments must stay unchanged.`,
  ];
  return {
    lines: [`${marker} ${texts[variant % texts.length]}`],
    rationale: `the contract of ${name} is implicit and worth stating where its body starts`,
  };
}

function pythonPlan(lines: string[], name: string, variant: number): { defIdx: number; insertAfter: number; body: string[]; rationale: string } | undefined {
  const defIdx = lines.findIndex((line) => new RegExp(`^\\s*(async\\s+)?def\\s+${ere(name)}\\b`).test(line));
  if (defIdx < 0) return undefined;
  let depth = 0;
  let sigEnd = -1;
  for (let i = defIdx; i < Math.min(lines.length, defIdx + 30); i++) {
    const code = lines[i].replace(/#.*$/, "");
    for (const ch of code) {
      if ("([{".includes(ch)) depth++;
      if (")]}".includes(ch)) depth--;
    }
    if (depth <= 0) {
      if (!code.trimEnd().endsWith(":")) return undefined; // one-line def: no body to edit safely
      sigEnd = i;
      break;
    }
  }
  if (sigEnd < 0) return undefined;
  const bodyIdx = lines.findIndex((line, i) => i > sigEnd && line.trim() !== "");
  if (bodyIdx < 0) return undefined;
  const defIndent = indentOf(lines[defIdx]);
  const bodyIndent = indentOf(lines[bodyIdx]);
  if (bodyIndent.length <= defIndent.length) return undefined;

  let insertAfter = sigEnd;
  const first = lines[bodyIdx].trim();
  const doc = /^[rRbBuU]{0,2}("""|'''|"|')/.exec(first);
  if (doc) {
    const quote = doc[1];
    if (first.slice(doc[0].length).includes(quote)) insertAfter = bodyIdx;
    else {
      const close = lines.findIndex((line, i) => i > bodyIdx && line.includes(quote));
      if (close < 0) return undefined; // docstring runs past the view
      insertAfter = close;
    }
  }
  const unit = bodyIndent.slice(defIndent.length);
  const param = firstParameter(lines.slice(defIdx, sigEnd + 1).join(" "));
  const statements = pythonStatements(name, param, variant, unit);
  return { defIdx, insertAfter, body: statements.lines.map((line) => bodyIndent + line), rationale: statements.rationale };
}

function bracePlan(
  lines: string[],
  name: string,
  variant: number,
  language: Language,
): { defIdx: number; insertAfter: number; body: string[]; rationale: string } | undefined {
  const defIdx = lines.findIndex(
    (line) => definitionLineScore(line, name, language === "hash" ? "brace" : language) > 0 || new RegExp(`\\bdef\\s+${ere(name)}\\b`).test(line),
  );
  if (defIdx < 0) return undefined;
  let openIdx = defIdx;
  if (language === "brace") {
    openIdx = lines.findIndex((line, i) => i >= defIdx && i < defIdx + 15 && line.includes("{"));
    if (openIdx < 0) return undefined;
    const afterBrace = lines[openIdx].slice(lines[openIdx].lastIndexOf("{") + 1);
    if (afterBrace.trim() !== "") return undefined; // body on the same line
  }
  const defIndent = indentOf(lines[defIdx]);
  const next = lines.find((line, i) => i > openIdx && line.trim() !== "");
  const nextIndent = next === undefined ? "" : indentOf(next);
  const bodyIndent = nextIndent.length > defIndent.length ? nextIndent : defIndent + (defIndent.includes("\t") ? "\t" : "    ");
  const statements = commentStatements(name, variant, language === "brace" ? "//" : "#");
  return { defIdx, insertAfter: openIdx, body: statements.lines.map((line) => bodyIndent + line), rationale: statements.rationale };
}

/**
 * Plans the edit from a view that starts at line `firstLine` of the file. Undefined when the
 * view does not show enough of the function to edit it safely.
 */
export function planEdit(view: string, firstLine: number, target: FunctionTarget, variant: number): EditPlan | undefined {
  const lines = viewLines(view);
  const { name } = splitName(target.qualifiedName);
  const language = languageOf(target.file);
  const plan = language === "python" ? pythonPlan(lines, name, variant) : bracePlan(lines, name, variant, language);
  if (!plan) return undefined;
  const oldStr = lines.slice(plan.defIdx, plan.insertAfter + 1).join("\n");
  const insertedText = plan.body.join("\n");
  return {
    oldStr,
    newStr: `${oldStr}\n${insertedText}`,
    insertAfterLine: firstLine + plan.insertAfter,
    insertedText,
    rationale: plan.rationale,
  };
}

/** A syntax check the policy runs after editing, where the language has a cheap one. */
export function checkCommand(file: string): string {
  return languageOf(file) === "python"
    ? // ast.parse rather than py_compile: no __pycache__ left behind to pollute the patch.
      `cd /testbed && python -c 'import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])' ${file} && git diff`
    : `cd /testbed && git diff`;
}
