import { z } from "zod";

/**
 * One line of a cost ledger: a quantity of something billable (tokens,
 * GPU-hours, API calls) at a unit price, attributed to a run.
 */
export const costLedgerRowSchema = z.object({
  runId: z.string().min(1),
  kind: z.string().min(1),
  quantity: z.number().finite().nonnegative(),
  unit: z.string().min(1),
  unitPrice: z.number().finite().nonnegative(),
  usd: z.number().finite().nonnegative(),
});

export type CostLedgerRow = z.infer<typeof costLedgerRowSchema>;

export interface CostLine {
  kind: string;
  unit: string;
  quantity: number;
  usd: number;
}

export interface LedgerMismatch {
  runId: string;
  kind: string;
  /** usd as recorded */
  usd: number;
  /** quantity × unitPrice */
  expectedUsd: number;
}

export interface CostSummary {
  totalUsd: number;
  rowCount: number;
  /** One line per (kind, unit), sorted by kind then unit; quantities of different units are never added. */
  lines: CostLine[];
  /** Rows whose usd differs from quantity × unitPrice by more than half a cent and 1e-6 relative. */
  mismatches: LedgerMismatch[];
}

export interface RunCostSummary extends CostSummary {
  runId: string;
}

export interface ExperimentCostSummary extends CostSummary {
  experimentId: string;
  runIds: string[];
}

function summarizeRows(rows: readonly CostLedgerRow[]): CostSummary {
  const lines = new Map<string, CostLine>();
  const mismatches: LedgerMismatch[] = [];
  let totalUsd = 0;
  for (const row of rows) {
    const key = `${row.kind}\u0000${row.unit}`;
    const line = lines.get(key);
    if (line) {
      line.quantity += row.quantity;
      line.usd += row.usd;
    } else {
      lines.set(key, { kind: row.kind, unit: row.unit, quantity: row.quantity, usd: row.usd });
    }
    totalUsd += row.usd;
    const expectedUsd = row.quantity * row.unitPrice;
    if (Math.abs(expectedUsd - row.usd) > Math.max(0.005, 1e-6 * Math.abs(expectedUsd))) {
      mismatches.push({ runId: row.runId, kind: row.kind, usd: row.usd, expectedUsd });
    }
  }
  const sorted = [...lines.values()].sort((left, right) =>
    left.kind === right.kind ? left.unit.localeCompare(right.unit) : left.kind.localeCompare(right.kind),
  );
  return { totalUsd, rowCount: rows.length, lines: sorted, mismatches };
}

/** Validates raw ledger rows; throws a zod error naming the first bad field. */
export function parseCostLedger(rows: unknown): CostLedgerRow[] {
  return z.array(costLedgerRowSchema).parse(rows);
}

/** Totals per run, sorted by run id. */
export function summarizeLedgerByRun(rows: readonly CostLedgerRow[]): RunCostSummary[] {
  const byRun = new Map<string, CostLedgerRow[]>();
  for (const row of rows) {
    const bucket = byRun.get(row.runId);
    if (bucket) bucket.push(row);
    else byRun.set(row.runId, [row]);
  }
  return [...byRun.keys()].sort().map((runId) => ({ runId, ...summarizeRows(byRun.get(runId) as CostLedgerRow[]) }));
}

/**
 * Totals per experiment. `experimentOf` maps a run id to its experiment; a run
 * it does not know is an error rather than a silently dropped cost.
 */
export function summarizeLedgerByExperiment(
  rows: readonly CostLedgerRow[],
  experimentOf: Readonly<Record<string, string>> | ((runId: string) => string | undefined),
): ExperimentCostSummary[] {
  const lookup = typeof experimentOf === "function" ? experimentOf : (runId: string) => experimentOf[runId];
  const byExperiment = new Map<string, CostLedgerRow[]>();
  for (const row of rows) {
    const experimentId = lookup(row.runId);
    if (experimentId === undefined) throw new Error(`run ${row.runId} belongs to no known experiment`);
    const bucket = byExperiment.get(experimentId);
    if (bucket) bucket.push(row);
    else byExperiment.set(experimentId, [row]);
  }
  return [...byExperiment.keys()].sort().map((experimentId) => {
    const experimentRows = byExperiment.get(experimentId) as CostLedgerRow[];
    return {
      experimentId,
      runIds: [...new Set(experimentRows.map((row) => row.runId))].sort(),
      ...summarizeRows(experimentRows),
    };
  });
}
