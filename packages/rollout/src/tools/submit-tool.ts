import { elideMiddle } from "../sandbox/output-capture.js";
import type { Sandbox } from "../sandbox/sandbox.js";
import type { ToolResult } from "./tool-result.js";

export const DEFAULT_REVIEW_MAX_DIFF_CHARS = 16_000;

/** The review shown on the first submit; the diff is appended where the marker sits. */
export function reviewMessage(diff: string, maxDiffChars: number = DEFAULT_REVIEW_MAX_DIFF_CHARS): string {
  const shownDiff = diff === "" ? "(no changes: the repository is identical to where you started)" : elideMiddle(diff, maxDiffChars);
  return [
    "Before this is final, look over your work once more. Here is everything you changed compared with the original repository:",
    "",
    shownDiff,
    "",
    "Please check the following:",
    "1. If you changed any code since you last ran your reproduction script, run it again and confirm the problem is gone.",
    "2. Delete every reproduction or scratch script you created; they should not be part of the result.",
    "3. If you modified existing test files, restore them (for example with `git checkout -- <file>`); tests are taken care of separately.",
    "When all of that is done, call submit again to finish.",
  ].join("\n");
}

/**
 * Two-step submit: the first call returns a review of the current diff, the
 * next call ends the episode with the diff at that moment.
 */
export class SubmitStep {
  private readonly sandbox: Sandbox;
  private readonly reviewFirst: boolean;
  private reviewed = false;

  constructor(sandbox: Sandbox, options: { reviewFirst?: boolean } = {}) {
    this.sandbox = sandbox;
    this.reviewFirst = options.reviewFirst ?? true;
  }

  get reviewShown(): boolean {
    return this.reviewed;
  }

  async run(): Promise<ToolResult> {
    const patch = await this.sandbox.diff();
    if (this.reviewFirst && !this.reviewed) {
      this.reviewed = true;
      return { kind: "review", text: reviewMessage(patch) };
    }
    return { kind: "submitted", patch };
  }
}
