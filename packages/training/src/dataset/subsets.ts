import { createHash } from "node:crypto";

/**
 * How the nested subsets of a scaling sweep are drawn from the selection:
 * - `truncation-ratio` (the paper's scaling sets): the top N by truncation ratio, so the small sets
 *   hold only the trajectories that fit the budget best; ties go by the seeded order below.
 * - `random`: prefixes of one seeded order, blind to the ratio.
 */
export const SUBSET_ORDERS = ["truncation-ratio", "random"] as const;
export type SubsetOrder = (typeof SUBSET_ORDERS)[number];

function seededRank(seed: string | number, key: string): string {
  return createHash("sha256").update(`${seed}\u0000${key}`).digest("hex");
}

/**
 * One seeded order over the eligible samples: each sample sorts by a hash of (seed, its key). The
 * order depends only on the seed and the set of keys, not on the order the samples arrive in, so
 * rerunning an export with the same seed reproduces the same subsets.
 */
export function seededOrder<T>(items: readonly T[], seed: string | number, keyOf: (item: T) => string): T[] {
  const ranked = items.map((item, index) => {
    const key = keyOf(item);
    return { item, key, index, rank: seededRank(seed, key) };
  });
  ranked.sort((a, b) => {
    if (a.rank !== b.rank) return a.rank < b.rank ? -1 : 1;
    if (a.key !== b.key) return a.key < b.key ? -1 : 1;
    return a.index - b.index;
  });
  return ranked.map((entry) => entry.item);
}

/**
 * Highest truncation ratio first. Equal ratios (most samples fit whole, ratio 1) fall back to the
 * seeded order, like the reference's shuffle-then-stable-sort but reproducible: the same seed
 * always breaks the same ties the same way, whatever order the samples arrive in.
 */
export function ratioOrder<T>(items: readonly T[], seed: string | number, keyOf: (item: T) => string, ratioOf: (item: T) => number): T[] {
  const byTies = seededOrder(items, seed, keyOf);
  const position = new Map(byTies.map((item, index) => [item, index]));
  return [...items].sort((a, b) => {
    const difference = ratioOf(b) - ratioOf(a);
    if (difference !== 0) return difference;
    return (position.get(a) as number) - (position.get(b) as number);
  });
}

export interface SubsetOrdering<T> {
  order: SubsetOrder;
  seed: string | number;
  keyOf: (item: T) => string;
  /** Needed for `truncation-ratio`. */
  ratioOf?: (item: T) => number;
}

/** The order whose prefixes are the nested subsets. */
export function subsetOrder<T>(items: readonly T[], ordering: SubsetOrdering<T>): T[] {
  if (ordering.order === "random") return seededOrder(items, ordering.seed, ordering.keyOf);
  if (!ordering.ratioOf) throw new Error("subset order truncation-ratio needs each sample's ratio");
  return ratioOrder(items, ordering.seed, ordering.keyOf, ordering.ratioOf);
}

/**
 * Subsets of the requested sizes (e.g. 400, 750, 1,500) taken as prefixes of one order, so each
 * smaller set is contained in every larger one and scaling curves compare like with like. A bare
 * seed keeps the historical behaviour: prefixes of one seeded random order.
 */
export function nestedSubsets<T>(
  items: readonly T[],
  sizes: readonly number[],
  seedOrOrdering: string | number | Omit<SubsetOrdering<T>, "keyOf">,
  keyOf: (item: T) => string,
): Map<number, T[]> {
  for (const size of sizes) {
    if (!Number.isInteger(size) || size < 0) throw new Error(`subset size ${size} is not a non-negative integer`);
    if (size > items.length) throw new Error(`subset size ${size} exceeds the ${items.length} eligible samples`);
  }
  const ordering: SubsetOrdering<T> = typeof seedOrOrdering === "object" ? { ...seedOrOrdering, keyOf } : { order: "random", seed: seedOrOrdering, keyOf };
  const ordered = subsetOrder(items, ordering);
  return new Map([...sizes].sort((a, b) => a - b).map((size) => [size, ordered.slice(0, size)]));
}
