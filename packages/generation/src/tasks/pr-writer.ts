import type { Demonstration } from "./demonstrations.js";
import type { TrajectoryStep } from "./self-check.js";

export interface PrPromptInput {
  steps: readonly TrajectoryStep[];
  /** The demonstration issue (or its body) whose style the synthetic PR imitates. */
  demonstration: string | Demonstration;
}

/** Asks the teacher to write the issue text that rollout 2 starts from. */
export function renderPrPrompt(input: PrPromptInput): string {
  return [
    "A coding agent explored a repository, found a problem and changed the code. Its steps are listed below as JSON.",
    "Your job is to write the GitHub issue that a user of the project might have filed about that problem before anyone worked on it.",
    "",
    "Here is a real issue from another project. Use it only as an example of style:",
    "",
    "<demonstration_issue>",
    (typeof input.demonstration === "string" ? input.demonstration : input.demonstration.body).trim(),
    "</demonstration_issue>",
    "",
    "<trajectory>",
    JSON.stringify(input.steps, null, 2),
    "</trajectory>",
    "",
    "How to write the issue:",
    "- Copy the demonstration's style, structure, tone and length, including its human touches: greetings, asides, casual wording, imperfect formatting.",
    "- Describe what goes wrong and how someone can run into it. Do not explain the root cause and do not propose or hint at a fix.",
    "- Do not mention pytest, test suites, or tests that fail.",
    "- Only if the demonstration contains code, add a short reproduction snippet in the same style, with the expected output and the actual output. If it has no code, write none.",
    "- Write as someone who is still affected: never say or imply that the problem has been fixed.",
    "- If the demonstration shows who wrote it (a name, a signature, a handle), sign with a made-up human name instead of copying theirs.",
    "- Do not refer to the agent, the trajectory or this conversation.",
    "",
    "Put the complete issue text between <output> and </output>.",
  ].join("\n");
}

const FIRST_OUTPUT = /<output>(.*?)<\/output>/s;

/** Trimmed text of the first `<output>` block; null when there is none or it is empty. */
export function parsePrText(text: string): string | null {
  const match = FIRST_OUTPUT.exec(text);
  if (!match) return null;
  const body = match[1].trim();
  return body === "" ? null : body;
}
