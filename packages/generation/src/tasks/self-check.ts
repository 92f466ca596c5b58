/** One step of a rollout as the teacher sees it when judging or describing the trajectory. */
export interface TrajectoryStep {
  action: string;
  observation: string;
  response: string;
}

export interface SelfCheckInput {
  /** The full first user message of rollout 1 (the rendered instance task). */
  task: string;
  steps: readonly TrajectoryStep[];
}

/** At most four attempts: keep all steps, then drop another quarter from the front each time. */
export const MAX_TRUNCATION_ATTEMPT = 3;

/**
 * Steps to show on retry `attempt` (0…3 keep 100%, 75%, 50%, 25%). The oldest steps go first
 * because the final edits, which the judgement is about, sit at the end.
 */
export function truncateSteps<T>(steps: readonly T[], attempt: number): T[] {
  if (!Number.isInteger(attempt) || attempt < 0 || attempt > MAX_TRUNCATION_ATTEMPT) {
    throw new RangeError(`truncation attempt must be an integer in [0, ${MAX_TRUNCATION_ATTEMPT}], got ${attempt}`);
  }
  const dropped = Math.floor((steps.length * attempt) / 4);
  return steps.slice(dropped);
}

/** The self-check question put to the teacher after rollout 1. */
export function renderSelfCheckPrompt(input: SelfCheckInput): string {
  return [
    "Below is a task that was given to a coding agent, followed by the steps the agent took while working on it.",
    "",
    "<original_task>",
    input.task,
    "</original_task>",
    "",
    "The steps are a JSON list; each entry holds the agent's reasoning (`response`), the command or edit it ran (`action`) and what it saw (`observation`):",
    "",
    "<trajectory>",
    JSON.stringify(input.steps, null, 2),
    "</trajectory>",
    "",
    "Judge the final state of the agent's changes. Answer yes only if both of the following hold:",
    "- the final change is a valid fix: it is coherent, it does not break the code, and it resolves the problem the agent identified;",
    "- the change matches the original task: it addresses the area and kind of problem that the task describes rather than something unrelated.",
    "Otherwise answer no.",
    "",
    "You may reason first. End with your verdict as exactly <output>yes</output> or <output>no</output>.",
  ].join("\n");
}

const FIRST_OUTPUT = /<output>(.*?)<\/output>/s;

/** true for "yes", false for "no" (case and surrounding space ignored), null when no verdict can be read. */
export function parseSelfCheck(text: string): boolean | null {
  const match = FIRST_OUTPUT.exec(text);
  if (!match) return null;
  const verdict = match[1].trim().toLowerCase();
  if (verdict === "yes") return true;
  if (verdict === "no") return false;
  return null;
}
