import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nestedSubsets, ratioOrder, seededOrder, subsetOrder } from "../src/index.js";

/** Nested subsets by truncation ratio (the paper's scaling sets) and by one seeded random order. */

interface Scored {
  id: string;
  ratio: number;
}
const keyOf = (item: Scored) => item.id;
const ratioOf = (item: Scored) => item.ratio;

/** Ratios as the exporter makes them: kept / total messages, many exactly 1. */
const pool = fc
  .uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 60 })
  .chain((ids) =>
    fc.tuple(
      fc.constant(ids),
      fc.array(
        fc.oneof(
          fc.constant(1),
          fc.integer({ min: 1, max: 9 }).map((k) => k / 10),
        ),
        { minLength: ids.length, maxLength: ids.length },
      ),
    ),
  )
  .map(([ids, ratios]) => ids.map((id, i) => ({ id, ratio: ratios[i] })));

describe("nested subsets by truncation ratio", () => {
  it("are nested, of exactly the requested sizes, and each is the top N by ratio", () => {
    fc.assert(
      fc.property(pool, fc.array(fc.nat({ max: 60 }), { minLength: 1, maxLength: 5 }), fc.integer(), (items, rawSizes, seed) => {
        const sizes = rawSizes.map((size) => size % (items.length + 1));
        const subsets = nestedSubsets(items, sizes, { order: "truncation-ratio", seed, ratioOf }, keyOf);
        const sorted = [...new Set(sizes)].sort((a, b) => a - b);
        expect([...subsets.keys()]).toEqual(sorted);
        const ratiosDescending = items.map(ratioOf).sort((a, b) => b - a);
        for (const size of sorted) {
          const members = subsets.get(size) as Scored[];
          expect(members).toHaveLength(size);
          // The multiset of ratios is exactly the N best: nothing left out beats anything taken.
          expect(members.map(ratioOf)).toEqual(ratiosDescending.slice(0, size));
        }
        for (let i = 1; i < sorted.length; i++) {
          expect((subsets.get(sorted[i]) as Scored[]).slice(0, sorted[i - 1])).toEqual(subsets.get(sorted[i - 1]));
        }
      }),
    );
  });

  it("breaks ties the same way for the same seed whatever the input order, by the seeded order among equal ratios", () => {
    fc.assert(
      fc.property(
        pool.chain((items) => fc.tuple(fc.constant(items), fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length }))),
        fc.integer(),
        ([items, shuffled], seed) => {
          const ordered = ratioOrder(items, seed, keyOf, ratioOf);
          expect(ratioOrder(shuffled, seed, keyOf, ratioOf)).toEqual(ordered);
          const random = seededOrder(items, seed, keyOf);
          for (let i = 1; i < ordered.length; i++) {
            if (ordered[i].ratio === ordered[i - 1].ratio) expect(random.indexOf(ordered[i])).toBeGreaterThan(random.indexOf(ordered[i - 1]));
            else expect(ordered[i].ratio).toBeLessThan(ordered[i - 1].ratio);
          }
        },
      ),
    );
  });

  it("takes the best-fitting samples first: a concrete example", () => {
    const items: Scored[] = [
      { id: "a", ratio: 0.5 },
      { id: "b", ratio: 1 },
      { id: "c", ratio: 0.9 },
      { id: "d", ratio: 1 },
      { id: "e", ratio: 0.7 },
    ];
    const subsets = nestedSubsets(items, [2, 3, 4], { order: "truncation-ratio", seed: 3, ratioOf }, keyOf);
    expect(new Set(subsets.get(2)?.map(keyOf))).toEqual(new Set(["b", "d"]));
    expect(subsets.get(3)?.map(keyOf).slice(2)).toEqual(["c"]);
    expect(subsets.get(4)?.map(keyOf).slice(2)).toEqual(["c", "e"]);
    expect(() => subsetOrder(items, { order: "truncation-ratio", seed: 1, keyOf })).toThrow(/needs each sample's ratio/);
  });
});

describe("nested subsets in random order", () => {
  it("are the prefixes of the seeded order, unchanged: a bare seed and order random agree, and the order is pinned", () => {
    const items: Scored[] = Array.from({ length: 8 }, (_, i) => ({ id: `inst-${i}`, ratio: i / 8 }));
    const bySeed = nestedSubsets(items, [3, 8], 7, keyOf);
    const byOrder = nestedSubsets(items, [3, 8], { order: "random", seed: 7, ratioOf }, keyOf);
    expect(byOrder).toEqual(bySeed);
    // sha256("7\0inst-k") ordering, as every dataset built before the order option was added.
    expect(bySeed.get(8)?.map(keyOf)).toEqual(PINNED_SEED_7);
    expect(bySeed.get(3)).toEqual(bySeed.get(8)?.slice(0, 3));
  });
});

const PINNED_SEED_7 = ["inst-1", "inst-3", "inst-0", "inst-6", "inst-4", "inst-2", "inst-7", "inst-5"];
