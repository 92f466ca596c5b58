import type { ModelCallRecord } from "@sera/rollout";

/** USD per million tokens, as `teacher.prices` gives them. */
export interface TokenPrices {
  inputPerMTok: number;
  cachedInputPerMTok: number;
  outputPerMTok: number;
}

type Tokens = Pick<ModelCallRecord, "inputTokens" | "cachedInputTokens" | "outputTokens">;

/** Dollars for these tokens at these prices (cached input tokens are part of the input tokens). */
export function teacherUsd(prices: TokenPrices, call: Tokens): number {
  const uncached = Math.max(0, call.inputTokens - call.cachedInputTokens);
  return (uncached * prices.inputPerMTok + call.cachedInputTokens * prices.cachedInputPerMTok + call.outputTokens * prices.outputPerMTok) / 1e6;
}

/**
 * The teacher's dollars so far, per instance and for the stage, priced from the configured token
 * prices whoever answered: a budget is the user's intent, so a dry run against the scripted
 * stand-in stops where the real teacher would (the cost ledger, by contrast, books a stand-in's
 * tokens without a price). Earlier attempts' calls are added from the instances' call logs, so a
 * resumed run spends against the same totals.
 */
export class TeacherSpend {
  private readonly byInstance = new Map<string, number>();
  private spent = 0;
  private readonly prices: TokenPrices;

  constructor(prices: TokenPrices) {
    this.prices = prices;
  }

  add(instanceId: string, call: Tokens): void {
    const usd = teacherUsd(this.prices, call);
    this.byInstance.set(instanceId, (this.byInstance.get(instanceId) ?? 0) + usd);
    this.spent += usd;
  }

  instance(instanceId: string): number {
    return this.byInstance.get(instanceId) ?? 0;
  }

  total(): number {
    return this.spent;
  }
}

export const usd = (value: number) => `$${value.toFixed(value < 1 ? 4 : 2)}`;
