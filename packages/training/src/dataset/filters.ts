import { createHash } from "node:crypto";
import type { Trajectory } from "@sera/core";
import type { TokenCounter } from "./tokens.js";
import { patchSize } from "@sera/rollout";

/**
 * Optional sample filters from the paper (§9 of the method notes). Each returns what it kept and
 * how many it dropped, so a dataset report can say why its size changed. The paper found no gain
 * from them on general data, so none runs unless asked.
 */
export interface FilterOutcome<T> {
  kept: T[];
  dropped: number;
}

export const defaultMaxChangedLines = 40;
export const defaultMaxMeanToolOutputTokens = 600;

/**
 * Changed lines of a unified diff for the patch-size filter: `+` and `-` lines, not the `+++`/`---`
 * file headers, a blank added or removed line included. Like the reference, this is a prefix rule
 * (rollout's diff scanner in legacy mode), so a removed line whose text starts with `--` is taken
 * for a header.
 */
export function countChangedLines(patch: string): number {
  return patchSize(patch, { mode: "legacy" });
}

export function filterByPatchSize<T extends { patch: string }>(items: readonly T[], maxChangedLines: number = defaultMaxChangedLines): FilterOutcome<T> {
  const kept = items.filter((item) => countChangedLines(item.patch) <= maxChangedLines);
  return { kept, dropped: items.length - kept.length };
}

/** A patch with `index <sha>..<sha>` lines removed and trailing whitespace cut from every line. */
export function normalizePatch(patch: string): string {
  return patch
    .split("\n")
    .filter((line) => !/^index [0-9a-f]+\.\.[0-9a-f]+/.test(line))
    .map((line) => line.trimEnd())
    .join("\n")
    .trimEnd();
}

/** Keep the first item of each group whose patches are equal after normalizePatch. */
export function dedupePatches<T extends { patch: string }>(items: readonly T[]): FilterOutcome<T> {
  const seen = new Set<string>();
  const kept: T[] = [];
  for (const item of items) {
    const key = createHash("sha256").update(normalizePatch(item.patch)).digest("hex");
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(item);
  }
  return { kept, dropped: items.length - kept.length };
}

/**
 * - `toolTurns` (default): the mean token count of the tool results.
 * - `reference`: SERA's definition, kept for comparing with its numbers. Sum the tokens of the
 *   user-side turns (the instance prompt included, tool results rendered as <tool_response>) that
 *   come before the submit-review observation, and divide by ⌊messages / 2⌋.
 */
export type ToolOutputMeasure = "toolTurns" | "reference";

export async function meanToolOutputTokens(trajectory: Trajectory, counter: TokenCounter, measure: ToolOutputMeasure = "toolTurns"): Promise<number> {
  const messages = trajectory.messages;
  if (measure === "toolTurns") {
    const outputs = messages.filter((message) => message.role === "tool").map((message) => message.content);
    if (outputs.length === 0) return 0;
    const counts = await counter.count(outputs);
    return counts.reduce((sum, count) => sum + count, 0) / outputs.length;
  }
  const submitCalls = new Set(messages.flatMap((message) => (message.toolCalls ?? []).filter((call) => call.name === "submit").map((call) => call.id)));
  const reviewAt = messages.findIndex((message) => message.role === "tool" && message.toolCallId !== undefined && submitCalls.has(message.toolCallId));
  const before = reviewAt < 0 ? messages : messages.slice(0, reviewAt);
  const userSide = before
    .filter((message) => message.role === "user" || message.role === "tool")
    .map((message) => (message.role === "tool" ? `<tool_response>\n${message.content}\n</tool_response>` : message.content));
  const counts = await counter.count(userSide);
  // The reference divides by ⌊n/2⌋ and fails for n < 2; one is the smallest sensible divisor.
  return counts.reduce((sum, count) => sum + count, 0) / Math.max(1, Math.floor(messages.length / 2));
}

export async function filterByToolOutputTokens(
  trajectories: readonly Trajectory[],
  counter: TokenCounter,
  options: { maxMean?: number; measure?: ToolOutputMeasure } = {},
): Promise<FilterOutcome<Trajectory>> {
  const maxMean = options.maxMean ?? defaultMaxMeanToolOutputTokens;
  const kept: Trajectory[] = [];
  for (const trajectory of trajectories) {
    if ((await meanToolOutputTokens(trajectory, counter, options.measure)) <= maxMean) kept.push(trajectory);
  }
  return { kept, dropped: trajectories.length - kept.length };
}
