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

/** One-line system prompt for the coding agent in both rollouts. */
export const AGENT_SYSTEM_PROMPT =
  "You are a careful software engineer who resolves issues in a code repository by running shell commands and editing files with the tools provided.";

/** The user message that opens both rollouts: the problem statement plus how to work on it. */
export function renderInstanceTask(problemText: string): string {
  return [
    "A code repository has been checked out for you at /testbed. Read the problem description below:",
    "",
    "<pr_description>",
    problemText.trim(),
    "</pr_description>",
    "",
    "Change the non-test source files under /testbed so that the problem described above is resolved.",
    "Tests have already been taken care of: do not add, edit or delete any test files.",
    "Keep your changes as small as possible while still solving the problem properly.",
    "",
    "A sensible way to proceed:",
    "1. Explore the repository to find and understand the code that is involved.",
    "2. Write a short script that reproduces the problem and run it with the bash tool to observe the failure.",
    "3. Edit the source code to fix the problem.",
    "4. Run your script again and check that the problem is gone.",
    "5. Think about edge cases and make sure your change handles them as well.",
    "",
    "Reason carefully before each step.",
  ].join("\n");
}
