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
