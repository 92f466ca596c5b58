import { createSeededRandom, type RandomSeed } from "../random/seeded-random.js";
import { percentileInterval } from "./percentile.js";

/** One evaluation outcome; several rows for one instance (one per seed) are averaged. */
export interface InstanceOutcome {
  instanceId: string;
  repo: string;
  resolved: boolean | number;
}

export interface PairedInstance {
  instanceId: string;
  repo: string;
  /** Resolve fraction of the instance under the first condition (mean over seeds), in [0, 1]. */
  first: number;
  second: number;
}

export interface InstancePairing {
  pairs: PairedInstance[];
  onlyInFirst: string[];
  onlyInSecond: string[];
}

function resolveFractions(outcomes: readonly InstanceOutcome[]): Map<string, { repo: string; sum: number; count: number }> {
  const byInstance = new Map<string, { repo: string; sum: number; count: number }>();
  for (const outcome of outcomes) {
    const value = typeof outcome.resolved === "boolean" ? Number(outcome.resolved) : outcome.resolved;
    if (!(value >= 0 && value <= 1)) throw new RangeError(`resolved must be a boolean or in [0, 1], got ${value}`);
    const entry = byInstance.get(outcome.instanceId);
    if (!entry) byInstance.set(outcome.instanceId, { repo: outcome.repo, sum: value, count: 1 });
    else if (entry.repo !== outcome.repo) {
      throw new Error(`instance ${outcome.instanceId} is listed under repos ${entry.repo} and ${outcome.repo}`);
    } else {
      entry.sum += value;
      entry.count += 1;
    }
  }
  return byInstance;
}

/** Matches two conditions' outcomes by instance id; unmatched instances are reported, not used. */
export function pairInstanceOutcomes(first: readonly InstanceOutcome[], second: readonly InstanceOutcome[]): InstancePairing {
  const firstByInstance = resolveFractions(first);
  const secondByInstance = resolveFractions(second);
  const pairs: PairedInstance[] = [];
  const onlyInFirst: string[] = [];
  for (const [instanceId, entry] of firstByInstance) {
    const other = secondByInstance.get(instanceId);
    if (!other) {
      onlyInFirst.push(instanceId);
      continue;
    }
    if (other.repo !== entry.repo) throw new Error(`instance ${instanceId} has repo ${entry.repo} vs ${other.repo}`);
    pairs.push({ instanceId, repo: entry.repo, first: entry.sum / entry.count, second: other.sum / other.count });
  }
  const onlyInSecond = [...secondByInstance.keys()].filter((id) => !firstByInstance.has(id));
  pairs.sort((left, right) => (left.instanceId < right.instanceId ? -1 : left.instanceId > right.instanceId ? 1 : 0));
  return { pairs, onlyInFirst: onlyInFirst.sort(), onlyInSecond: onlyInSecond.sort() };
}

export interface ClusteredBootstrapOptions {
  seed: RandomSeed;
  replicates?: number;
  level?: number;
}

export interface ClusteredBootstrapResult {
  /** Resolve rates and their difference, in percentage points. */
  firstRate: number;
  secondRate: number;
  difference: number;
  lower: number;
  upper: number;
  level: number;
  replicates: number;
  repositories: number;
  instances: number;
  /** Share of bootstrap differences ≤ 0: a one-sided bootstrap p for "first > second". */
  shareNotPositive: number;
}

/**
 * Paired bootstrap of the resolve-rate difference (first − second), clustered by
 * repository: each replicate draws as many repositories as there are, with
 * replacement, and keeps every instance of each drawn repository. Instances of
 * one repository share code and difficulty, so resampling them independently
 * would understate the interval. Repositories are visited in sorted order so
 * the result does not depend on input order.
 */
export function pairedClusterBootstrap(pairs: readonly PairedInstance[], options: ClusteredBootstrapOptions): ClusteredBootstrapResult {
  const replicates = options.replicates ?? 2000;
  const level = options.level ?? 0.95;
  if (pairs.length === 0) throw new RangeError("no paired instances");
  if (!(Number.isInteger(replicates) && replicates >= 1)) throw new RangeError("replicates must be a positive integer");
  const repoIndex = new Map<string, number>();
  for (const repo of [...new Set(pairs.map((pair) => pair.repo))].sort()) repoIndex.set(repo, repoIndex.size);
  const repoCount = repoIndex.size;
  const differenceSums = new Float64Array(repoCount);
  const instanceCounts = new Float64Array(repoCount);
  let firstSum = 0;
  let secondSum = 0;
  for (const pair of pairs) {
    const index = repoIndex.get(pair.repo) as number;
    differenceSums[index] += pair.first - pair.second;
    instanceCounts[index] += 1;
    firstSum += pair.first;
    secondSum += pair.second;
  }
  const random = createSeededRandom(options.seed);
  const differences = new Float64Array(replicates);
  let notPositive = 0;
  for (let replicate = 0; replicate < replicates; replicate++) {
    let differenceSum = 0;
    let instanceSum = 0;
    for (let draw = 0; draw < repoCount; draw++) {
      const index = random.nextIndex(repoCount);
      differenceSum += differenceSums[index];
      instanceSum += instanceCounts[index];
    }
    const difference = (100 * differenceSum) / instanceSum;
    differences[replicate] = difference;
    if (difference <= 0) notPositive++;
  }
  const interval = percentileInterval(differences, level);
  return {
    firstRate: (100 * firstSum) / pairs.length,
    secondRate: (100 * secondSum) / pairs.length,
    difference: (100 * (firstSum - secondSum)) / pairs.length,
    lower: interval.lower,
    upper: interval.upper,
    level,
    replicates,
    repositories: repoCount,
    instances: pairs.length,
    shareNotPositive: notPositive / replicates,
  };
}
