import { createHash } from "node:crypto";

/**
 * One seeded order over the eligible samples: each sample sorts by a hash of (seed, its key). The
 * order depends only on the seed and the set of keys, not on the order the samples arrive in, so
 * rerunning an export with the same seed reproduces the same subsets.
 */
export function seededOrder<T>(items: readonly T[], seed: string | number, keyOf: (item: T) => string): T[] {
  const ranked = items.map((item, index) => {
    const key = keyOf(item);
    return { item, key, index, rank: createHash("sha256").update(`${seed}\u0000${key}`).digest("hex") };
  });
  ranked.sort((a, b) => {
    if (a.rank !== b.rank) return a.rank < b.rank ? -1 : 1;
    if (a.key !== b.key) return a.key < b.key ? -1 : 1;
    return a.index - b.index;
  });
  return ranked.map((entry) => entry.item);
}

/**
 * Subsets of the requested sizes (e.g. 400, 750, 1,500) taken as prefixes of one seeded order, so
 * each smaller set is contained in every larger one and scaling curves compare like with like.
 */
export function nestedSubsets<T>(
  items: readonly T[],
  sizes: readonly number[],
  seed: string | number,
  keyOf: (item: T) => string,
): Map<number, T[]> {
  for (const size of sizes) {
    if (!Number.isInteger(size) || size < 0) throw new Error(`subset size ${size} is not a non-negative integer`);
    if (size > items.length) throw new Error(`subset size ${size} exceeds the ${items.length} eligible samples`);
  }
  const ordered = seededOrder(items, seed, keyOf);
  return new Map([...sizes].sort((a, b) => a - b).map((size) => [size, ordered.slice(0, size)]));
}
