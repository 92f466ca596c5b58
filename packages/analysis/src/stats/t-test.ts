import { studentTTwoSidedP } from "../special/distributions.js";
import { mean, sampleVariance } from "./descriptive.js";

/** A group given by its summary: mean, sample SD (n − 1) and size. */
export interface GroupSummary {
  mean: number;
  sd: number;
  n: number;
}

export interface TTestResult {
  /** mean(first) − mean(second) */
  difference: number;
  t: number;
  df: number;
  /** Two-sided p-value. */
  p: number;
  /** Cohen's d with the pooled SD as the standardizer. */
  cohensD: number;
}

function summaryOf(values: readonly number[]): GroupSummary {
  return { mean: mean(values), sd: Math.sqrt(sampleVariance(values)), n: values.length };
}

function checkGroup(group: GroupSummary, label: string): void {
  if (!(group.n >= 2)) throw new RangeError(`${label} group needs n >= 2, got ${group.n}`);
  if (!(group.sd >= 0)) throw new RangeError(`${label} group SD must be >= 0, got ${group.sd}`);
}

function pooledStandardDeviation(first: GroupSummary, second: GroupSummary): number {
  const pooledVariance = ((first.n - 1) * first.sd ** 2 + (second.n - 1) * second.sd ** 2) / (first.n + second.n - 2);
  return Math.sqrt(pooledVariance);
}

function tResult(difference: number, standardError: number, df: number, pooledSd: number): TTestResult {
  let t: number;
  if (standardError > 0) t = difference / standardError;
  else t = difference === 0 ? NaN : Math.sign(difference) * Infinity;
  return { difference, t, df, p: Number.isNaN(t) ? NaN : studentTTwoSidedP(t, df), cohensD: difference / pooledSd };
}

/**
 * Welch's unequal-variance t test. df by Welch–Satterthwaite:
 * (v1/n1 + v2/n2)² / ((v1/n1)²/(n1−1) + (v2/n2)²/(n2−1)).
 */
export function welchTTestFromSummaries(first: GroupSummary, second: GroupSummary): TTestResult {
  checkGroup(first, "first");
  checkGroup(second, "second");
  const firstShare = first.sd ** 2 / first.n;
  const secondShare = second.sd ** 2 / second.n;
  const shareSum = firstShare + secondShare;
  const df = shareSum ** 2 / (firstShare ** 2 / (first.n - 1) + secondShare ** 2 / (second.n - 1));
  return tResult(first.mean - second.mean, Math.sqrt(shareSum), df, pooledStandardDeviation(first, second));
}

export function welchTTest(first: readonly number[], second: readonly number[]): TTestResult {
  return welchTTestFromSummaries(summaryOf(first), summaryOf(second));
}

/**
 * Student's equal-variance t test (pooled SD, df = n1 + n2 − 2). The paper's
 * "t(4) = 4.81" for ordered vs random truncation is this test on 3 + 3 seeds.
 */
export function studentTTestFromSummaries(first: GroupSummary, second: GroupSummary): TTestResult {
  checkGroup(first, "first");
  checkGroup(second, "second");
  const pooledSd = pooledStandardDeviation(first, second);
  const standardError = pooledSd * Math.sqrt(1 / first.n + 1 / second.n);
  return tResult(first.mean - second.mean, standardError, first.n + second.n - 2, pooledSd);
}

export function studentTTest(first: readonly number[], second: readonly number[]): TTestResult {
  return studentTTestFromSummaries(summaryOf(first), summaryOf(second));
}
