export interface SampleSummary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1 denominator); null when n < 2. */
  sd: number | null;
  min: number;
  max: number;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("mean of an empty sample");
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** Sample variance with the n − 1 denominator, computed around the mean for stability. */
export function sampleVariance(values: readonly number[]): number {
  if (values.length < 2) throw new RangeError("sample variance needs at least 2 values");
  const centre = mean(values);
  let sum = 0;
  for (const value of values) sum += (value - centre) ** 2;
  return sum / (values.length - 1);
}

export function sampleSd(values: readonly number[]): number {
  return Math.sqrt(sampleVariance(values));
}

export function summarize(values: readonly number[]): SampleSummary {
  if (values.length === 0) throw new RangeError("summary of an empty sample");
  for (const value of values) {
    if (!Number.isFinite(value)) throw new RangeError(`non-finite value in sample: ${value}`);
  }
  return {
    n: values.length,
    mean: mean(values),
    sd: values.length >= 2 ? sampleSd(values) : null,
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

export interface ConditionValue {
  condition: string;
  value: number;
}

export interface ConditionSummary extends SampleSummary {
  condition: string;
}

/** Mean, SD and n per condition, in order of first appearance. */
export function summarizeConditions(rows: readonly ConditionValue[]): ConditionSummary[] {
  const byCondition = new Map<string, number[]>();
  for (const row of rows) {
    const bucket = byCondition.get(row.condition);
    if (bucket) bucket.push(row.value);
    else byCondition.set(row.condition, [row.value]);
  }
  return [...byCondition].map(([condition, values]) => ({ condition, ...summarize(values) }));
}

/**
 * Pooled SD of groups: sqrt(Σ(n_i − 1)·sd_i² / Σ(n_i − 1)). With equal n this is
 * the root mean of the variances, which is how the paper's SNR of 4.4 for
 * SERA vs SWE-smith (SDs 1.41 and 0.61) comes out.
 */
export function pooledSd(groups: readonly { sd: number; n: number }[]): number {
  let weighted = 0;
  let dof = 0;
  for (const group of groups) {
    if (group.n < 2) throw new RangeError("pooled SD needs n >= 2 in every group");
    weighted += (group.n - 1) * group.sd * group.sd;
    dof += group.n - 1;
  }
  if (dof === 0) throw new RangeError("pooled SD of no groups");
  return Math.sqrt(weighted / dof);
}

/** Median of a sample (mean of the two middle values for even n). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median of an empty sample");
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
