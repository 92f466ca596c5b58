import { roundBreakdownLikeTable, trajectoryCost, type TrajectoryCostBreakdown } from "../cost/trajectory-cost.js";
import { PAPER_TRAJECTORY_COST_INPUTS } from "./cost-fixtures.js";
import { PAPER_SCALING_POINTS } from "./scaling-points.js";

/** Table 15 as printed ($ per trajectory); null where the paper prints a dash. */
export const PAPER_TABLE15_PRINTED = {
  sweSmithSonnet37: {
    cachedInputUsd: 0.2247,
    newInputUsd: 0.073,
    outputUsd: 0.1151,
    extraUsd: 0.054,
    inferenceUsd: 0.4668,
    trainingUsd: 0.056,
    totalUsd: 0.5228,
  },
  seraGlm45AirZai: {
    cachedInputUsd: 0.0225,
    newInputUsd: 0.0049,
    outputUsd: 0.0084,
    extraUsd: null,
    inferenceUsd: 0.0358,
    trainingUsd: 0.056,
    totalUsd: 0.0918,
  },
  seraGlm46Zai: { cachedInputUsd: 0.0824, newInputUsd: 0.0146, outputUsd: 0.0169, extraUsd: null, inferenceUsd: 0.1139, trainingUsd: 0.056, totalUsd: 0.1699 },
  seraVllm: { cachedInputUsd: null, newInputUsd: null, outputUsd: null, extraUsd: null, inferenceUsd: 0.1307, trainingUsd: 0.056, totalUsd: 0.1867 },
} as const;

export const TABLE15_COLUMNS = [
  { key: "sweSmithSonnet37", label: "SWE-smith (Sonnet 3.7)" },
  { key: "seraGlm45AirZai", label: "SERA GLM-4.5-Air (z.ai)" },
  { key: "seraGlm46Zai", label: "SERA GLM-4.6 (z.ai)" },
  { key: "seraVllm", label: "SERA (vLLM)" },
] as const;

export const TABLE15_ROWS = [
  { key: "cachedInputUsd", label: "Cached input" },
  { key: "newInputUsd", label: "New input" },
  { key: "outputUsd", label: "Output" },
  { key: "extraUsd", label: "Issue creation" },
  { key: "inferenceUsd", label: "Inference subtotal" },
  { key: "trainingUsd", label: "Training" },
  { key: "totalUsd", label: "Total" },
] as const;

export interface Table15Cell {
  computed: number | null;
  printed: number | null;
  matches: boolean;
  /** The cell is a figure the paper gives (a fixed price), fed in as it is: matching it reproduces nothing. */
  input: boolean;
}

/**
 * Cells whose value is an input of the cost model rather than something it computes: the
 * self-hosted vLLM price per trajectory ($0.1307, printed) and SWE-smith's issue-creation step.
 */
const TABLE15_INPUT_CELLS: ReadonlySet<string> = new Set(["seraVllm/inferenceUsd", "sweSmithSonnet37/extraUsd"]);

/**
 * Table 15 recomputed from Table 14's prices and the token profile (cells rounded to four
 * decimals, subtotals summed from rounded cells, as the paper does) next to the printed values.
 */
export function reproduceTable15(): { row: string; cells: Table15Cell[] }[] {
  const computed = Object.fromEntries(
    TABLE15_COLUMNS.map((column) => [column.key, roundBreakdownLikeTable(trajectoryCost(PAPER_TRAJECTORY_COST_INPUTS[column.key]))]),
  ) as Record<(typeof TABLE15_COLUMNS)[number]["key"], TrajectoryCostBreakdown>;
  return TABLE15_ROWS.map((row) => ({
    row: row.label,
    cells: TABLE15_COLUMNS.map((column) => {
      const printed = PAPER_TABLE15_PRINTED[column.key][row.key];
      const breakdown = computed[column.key];
      // A fixed self-hosted price sits in gpuUsd; the token rows do not apply to it.
      const value = column.key === "seraVllm" && row.key !== "inferenceUsd" && row.key !== "trainingUsd" && row.key !== "totalUsd" ? null : breakdown[row.key];
      const shown = value === 0 && printed === null ? null : value;
      return {
        computed: shown,
        printed,
        matches: shown === printed || (shown !== null && printed !== null && Math.abs(shown - printed) < 5e-9),
        input: TABLE15_INPUT_CELLS.has(`${column.key}/${row.key}`),
      };
    }),
  }));
}

export interface Table11CostRow {
  samples: number;
  ledgerUsd: number;
  perTrajectoryUsd: number;
  printedUsd: number;
  matches: boolean;
}

/** Table 11's cost column against the ledger dollars of the replayed runs (cells keyed by samples). */
export function checkTable11Costs(cells: readonly { samples: number; usd: number }[], pricing: "vllm" | "zai"): Table11CostRow[] {
  return cells.flatMap((cell) => {
    const point = PAPER_SCALING_POINTS.find((candidate) => candidate.samples === cell.samples);
    if (!point) return [];
    const printedUsd = pricing === "vllm" ? point.printedUsdVllm : point.printedUsdZai;
    return [
      { samples: cell.samples, ledgerUsd: cell.usd, perTrajectoryUsd: cell.usd / cell.samples, printedUsd, matches: Math.round(cell.usd) === printedUsd },
    ];
  });
}
