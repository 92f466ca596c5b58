/** Summary figures for a dataset card: a few quantiles and fixed-edge histograms. */

export interface Distribution {
  count: number;
  min: number | null;
  mean: number | null;
  p10: number | null;
  p50: number | null;
  p90: number | null;
  max: number | null;
}

export interface Bin {
  /** Inclusive lower edge. */
  from: number;
  /** Exclusive upper edge; null for an open last bin. `from === to` marks a bin of exactly that value. */
  to: number | null;
  count: number;
}

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function distribution(values: readonly number[]): Distribution {
  if (values.length === 0) return { count: 0, min: null, mean: null, p10: null, p50: null, p90: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return {
    count: sorted.length,
    min: sorted[0],
    mean: Number(mean.toFixed(6)),
    p10: quantile(sorted, 0.1),
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    max: sorted[sorted.length - 1],
  };
}

/** Count values into [edge_i, edge_i+1) bins, plus an open bin above the last edge when `openEnd`. */
export function histogram(values: readonly number[], edges: readonly number[], openEnd = true): Bin[] {
  const bins: Bin[] = edges.slice(0, -1).map((from, index) => ({ from, to: edges[index + 1], count: 0 }));
  const last = edges[edges.length - 1];
  const open: Bin = { from: last, to: null, count: 0 };
  for (const value of values) {
    if (value >= last) {
      open.count++;
      continue;
    }
    const bin = bins.find((candidate) => value >= candidate.from && value < (candidate.to as number));
    if (bin) bin.count++;
  }
  return openEnd ? [...bins, open] : bins;
}

/** Token bins: eighths of the budget, then 2× and 4× the budget for the untruncated lengths. */
export function tokenEdges(budget: number, beyondBudget: boolean): number[] {
  const eighths = Array.from({ length: 9 }, (_, index) => Math.round((budget * index) / 8));
  // Kept samples never exceed the budget; the open bin then holds exactly-budget samples only.
  return beyondBudget ? [...eighths, budget * 2, budget * 4] : [...eighths.slice(0, -1), budget + 1];
}

/** Ratio bins: coarse below one half, finer near the paper's 0.88 floor, and samples that fit (ratio 1) apart. */
export function ratioHistogram(ratios: readonly number[]): Bin[] {
  const below = histogram(
    ratios.filter((ratio) => ratio < 1),
    [0, 0.5, 0.6, 0.7, 0.8, 0.88, 0.9, 0.95, 1],
    false,
  );
  return [...below, { from: 1, to: 1, count: ratios.filter((ratio) => ratio >= 1).length }];
}
