import type { BugPromptTemplate } from "./bug-prompts.js";

export interface BugLocation {
  /** Qualified name of the start function, e.g. `Parser.parse_header`. */
  function: string;
  /** Repository-relative path of the file that defines it. */
  file: string;
}

const SLOT = /\{\{\s*(function|file)\s*\}\}/g;

/** The line scripted stand-in models parse to find where rollout 1 should look. Keep its shape stable. */
export function suspectedLocationLine(location: BugLocation): string {
  return `Suspected location: ${location.file} (function ${location.function})`;
}

/**
 * Fills a bug-prompt template's slots in a single pass (so slot-like text inside the values is
 * left alone) and appends the machine-readable "Suspected location:" line on its own line.
 */
export function renderBugPrompt(template: BugPromptTemplate | string, location: BugLocation): string {
  const text = typeof template === "string" ? template : template.text;
  const body = text.replace(SLOT, (_match, slot: string) => (slot === "function" ? location.function : location.file)).trim();
  return `${body}\n\n${suspectedLocationLine(location)}`;
}
