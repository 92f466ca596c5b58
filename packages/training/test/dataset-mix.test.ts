import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { drawMix, mixSchema, type MixCandidate } from "../src/index.js";

/** Dataset mixes: per-phase quotas with their own filters, and α mixing of source groups, exact and seeded. */

const candidate = fc.record({
  phase: fc.constantFrom("r1", "r2"),
  sourceRunId: fc.constantFrom("repo-run", "general-a", "general-b"),
  recall: fc.option(
    fc.integer({ min: 0, max: 10 }).map((k) => k / 10),
    { nil: null },
  ),
  patchLines: fc.integer({ min: 0, max: 80 }),
});
const pool = fc
  .array(candidate, { minLength: 100, maxLength: 200, size: "max" })
  .map((items) => items.map((item, index): MixCandidate => ({ ...item, sampleId: `s${index}` })));
const specific = new Set(["repo-run"]);
const same = (item: MixCandidate) => item;

describe("drawMix", () => {
  it("takes exactly n per quota and round(α·n) of it from the specific sources, each sample passing its quota's filters, whenever the pools suffice", () => {
    let filled = 0;
    fc.assert(
      fc.property(
        pool,
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 100 }).map((k) => k / 100),
        fc.integer(),
        (items, n2, n1, alpha, seed) => {
          const mix = mixSchema.parse({
            quotas: { t2: { n: n2, minRecall: 0.5 }, t1: { n: n1, maxPatchLines: 40 } },
            sources: { specific: ["generate"], alpha },
          });
          let result;
          try {
            result = drawMix(items, mix, seed, specific, same);
          } catch (error) {
            // Only a real shortfall may fail: some part wanted more than its eligible pool.
            expect((error as Error).message).toMatch(/^params\.mix\.quotas\.t[12]: \d+ samples wanted from the (repository-specific|general) sources/);
            return;
          }
          for (const [quota, n, phase] of [
            ["t2", n2, "r2"],
            ["t1", n1, "r1"],
          ] as const) {
            const drawn = result.drawn.filter((draw) => draw.quota === quota);
            expect(drawn).toHaveLength(n);
            expect(drawn.filter((draw) => draw.source === "specific")).toHaveLength(Math.round(alpha * n));
            for (const draw of drawn) {
              expect(draw.item.phase).toBe(phase);
              expect(draw.source === "specific").toBe(specific.has(draw.item.sourceRunId));
              if (quota === "t2") expect(draw.item.recall).toBeGreaterThanOrEqual(0.5);
              else expect(draw.item.patchLines).toBeLessThanOrEqual(40);
            }
          }
          // Every sample is drawn or left, once; the draw keeps the input order.
          expect(result.drawn.length + result.left.length).toBe(items.length);
          const order = result.drawn.map((draw) => items.indexOf(draw.item));
          expect(order).toEqual([...order].sort((a, b) => a - b));
          filled++;
        },
      ),
      { numRuns: 300 },
    );
    // The generator fills most mixes, so the rules above are checked on many draws, not only on shortfalls.
    expect(filled).toBeGreaterThan(100);
  });

  it("draws the same samples for the same seed whatever order they come in, and other samples for another seed", () => {
    fc.assert(
      fc.property(
        pool.chain((items) => fc.tuple(fc.constant(items), fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length }))),
        fc.integer(),
        ([items, shuffled], seed) => {
          const mix = mixSchema.parse({ quotas: { all: { n: Math.floor(items.length / 2) } } });
          const ids = (list: MixCandidate[]) => new Set(drawMix(list, mix, seed, specific, same).drawn.map((draw) => draw.item.sampleId));
          expect(ids(shuffled)).toEqual(ids(items));
        },
      ),
    );
    const items = Array.from({ length: 200 }, (_, index): MixCandidate => ({
      sampleId: `s${index}`,
      phase: "r1",
      sourceRunId: "x",
      recall: null,
      patchLines: 1,
    }));
    const mix = mixSchema.parse({ quotas: { all: { n: 50 } } });
    const draw = (seed: number) => drawMix(items, mix, seed, specific, same).drawn.map((entry) => entry.item.sampleId);
    expect(draw(1)).toEqual(draw(1));
    expect(draw(2)).not.toEqual(draw(1));
  });

  it("says which quota falls short, by how much and after which filters; leaves phases without a quota as no-mix-quota", () => {
    const items: MixCandidate[] = [
      { sampleId: "a", phase: "r2", sourceRunId: "repo-run", recall: 0.9, patchLines: 3 },
      { sampleId: "b", phase: "r2", sourceRunId: "repo-run", recall: 0.2, patchLines: 3 },
      { sampleId: "c", phase: "r1", sourceRunId: "general-a", recall: null, patchLines: 3 },
    ];
    expect(() => drawMix(items, mixSchema.parse({ quotas: { t2: { n: 2, minRecall: 0.5 } } }), 1, specific, same)).toThrow(
      "params.mix.quotas.t2: 2 samples wanted, 1 eligible after selection, filters and the ratio floor and this quota's minRecall 0.5",
    );
    const result = drawMix(items, mixSchema.parse({ quotas: { t2: { n: 1, minRecall: 0.5 } } }), 1, specific, same);
    expect(result.drawn.map((draw) => [draw.item.sampleId, draw.quota, draw.source])).toEqual([["a", "t2", null]]);
    expect(result.left.map((entry) => [entry.item.sampleId, entry.reason])).toEqual([
      ["b", "beyond-mix-quota"],
      ["c", "no-mix-quota"],
    ]);
    expect(result.parts).toEqual([{ quota: "t2", source: null, wanted: 1, eligible: 1 }]);
    expect(mixSchema.safeParse({ quotas: { all: { n: 1 }, t1: { n: 1 } } }).success).toBe(false);
    expect(mixSchema.safeParse({ quotas: {} }).success).toBe(false);
  });
});
