import type { BudgetReport } from "@sera/core";
import { UsageError } from "./errors.js";

/** `--budget-usd` as `sera run` and `sera plan` take it: text, so "abc" is refused by name rather than read as NaN. */
export const budgetOption = {
  "budget-usd": {
    type: "string",
    describe:
      "cap on the dollars this invocation's runs book in the cost ledger (teacher tokens × prices, GPU-hours × price); at the cap no further run starts",
  },
} as const;

/** Dollars ≥ 0, or undefined when the option is absent; anything else is one usage line (exit 2). */
export function parseBudgetUsd(value: string | string[] | undefined): number | undefined {
  if (value === undefined) return undefined;
  // Given twice, the last one counts, as for other options.
  const text = Array.isArray(value) ? value.at(-1)! : value;
  const dollars = text.trim() === "" ? Number.NaN : Number(text);
  if (!Number.isFinite(dollars) || dollars < 0) throw new UsageError(`--budget-usd must be a number of US dollars, 0 or more (got '${text}')`);
  return dollars;
}

export const dollars = (value: number) => `$${value.toFixed(value < 1 ? 4 : 2)}`;

/** The one line `sera run --budget-usd` ends with. */
export function budgetLine(budget: BudgetReport): string {
  const spent = `--budget-usd: ${dollars(budget.spentUsd)} spent of ${dollars(budget.capUsd)}`;
  if (budget.notStarted + budget.stoppedPartWay === 0) return `${spent}\n`;
  const stopped = budget.stoppedPartWay > 0 ? `, ${budget.stoppedPartWay} stopped part-way` : "";
  const runs = (n: number) => `${n} run${n === 1 ? "" : "s"}`;
  return `${spent}; ${runs(budget.notStarted)} not started${stopped} (run again with a higher --budget-usd to continue exactly the rest)\n`;
}
