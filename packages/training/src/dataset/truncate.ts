import { chatmlText, type TokenCounter } from "./tokens.js";

/** The paper's context budget: Qwen3 SFT at 32k tokens. */
export const defaultTokenBudget = 32_768;
/** The paper's scaling sets keep samples down to this truncation ratio. */
export const defaultRatioThreshold = 0.88;

export interface Truncation {
  keptMessages: number;
  totalMessages: number;
  /** keptMessages / totalMessages: it counts messages, not tokens; 1 when the sample fits. */
  ratio: number;
  keptTokens: number;
  totalTokens: number;
  truncated: boolean;
}

export type TruncationOutcome = Truncation | { dropped: "no-assistant-within-budget" };

/**
 * Fit one sample into `budget` tokens. A sample that fits is kept whole. Otherwise keep the longest
 * prefix that ends on an assistant message and stays within the budget, so no turn is ever cut in
 * the middle and training always ends on a target turn. A sample whose first assistant turn
 * already overflows has nothing to learn from and is dropped.
 */
export function truncateToBudget(roles: readonly string[], tokenCounts: readonly number[], budget: number = defaultTokenBudget): TruncationOutcome {
  if (roles.length !== tokenCounts.length) throw new Error(`roles (${roles.length}) and token counts (${tokenCounts.length}) differ in length`);
  const totalMessages = roles.length;
  const totalTokens = tokenCounts.reduce((sum, count) => sum + count, 0);
  if (totalTokens <= budget) {
    return { keptMessages: totalMessages, totalMessages, ratio: 1, keptTokens: totalTokens, totalTokens, truncated: false };
  }
  let running = 0;
  let keptMessages = 0;
  let keptTokens = 0;
  for (let index = 0; index < totalMessages; index++) {
    running += tokenCounts[index];
    if (running > budget) break;
    if (roles[index] === "assistant") {
      keptMessages = index + 1;
      keptTokens = running;
    }
  }
  if (keptMessages === 0) return { dropped: "no-assistant-within-budget" };
  return { keptMessages, totalMessages, ratio: keptMessages / totalMessages, keptTokens, totalTokens, truncated: true };
}

export interface RatioEntry {
  /** The sample's unique id (T1 and T2 of one instance share an instance id, not a sample id): breaks ratio ties. */
  sampleId: string;
  ratio: number;
}

/** Keep every sample with ratio ≥ threshold, or the best `topN` whose ratio is at least `floor`. */
export type RatioSelection = { threshold: number } | { topN: number; floor?: number };

/** Order by ratio, highest first, ties by sample id so that the result never depends on input order. */
export function orderByRatio<T extends RatioEntry>(entries: readonly T[]): T[] {
  return [...entries].sort((a, b) => {
    if (a.ratio !== b.ratio) return b.ratio - a.ratio;
    if (a.sampleId === b.sampleId) return 0;
    return a.sampleId < b.sampleId ? -1 : 1;
  });
}

export function selectByRatio<T extends RatioEntry>(entries: readonly T[], selection: RatioSelection = { threshold: defaultRatioThreshold }): T[] {
  const ordered = orderByRatio(entries);
  if ("threshold" in selection) return ordered.filter((entry) => entry.ratio >= selection.threshold);
  if (!Number.isInteger(selection.topN) || selection.topN < 0) throw new Error(`topN must be a non-negative integer, got ${selection.topN}`);
  const floor = selection.floor ?? 0;
  return ordered.filter((entry) => entry.ratio >= floor).slice(0, selection.topN);
}

/** Count each message as ChatML with `counter`, then truncate. */
export async function truncateMessages(
  messages: readonly { role: string; content: string }[],
  counter: TokenCounter,
  budget: number = defaultTokenBudget,
): Promise<TruncationOutcome & { tokenCounts: number[] }> {
  const tokenCounts = await counter.count(messages.map((message) => chatmlText(message.role, message.content)));
  const outcome = truncateToBudget(
    messages.map((message) => message.role),
    tokenCounts,
    budget,
  );
  return { ...outcome, tokenCounts };
}
