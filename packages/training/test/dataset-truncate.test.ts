import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { chatmlText, orderByRatio, selectByRatio, tokenCounterFromFunction, truncateMessages, truncateToBudget, type Truncation } from "../src/index.js";

const role = fc.constantFrom("system", "user", "assistant");
const sample = fc.array(fc.record({ role, content: fc.string({ maxLength: 60 }) }), { minLength: 1, maxLength: 40 });
// A stand-in tokenizer: one token per character of the ChatML text. Fast, and exact for itself.
const charCounter = tokenCounterFromFunction((text) => text.length);
const keptOf = (outcome: ReturnType<typeof truncateToBudget>): number => ("dropped" in outcome ? 0 : outcome.keptMessages);

describe("truncateToBudget", () => {
  it("keeps a whole prefix that ends on an assistant turn, within budget, and as long as possible", async () => {
    await fc.assert(
      fc.asyncProperty(sample, fc.integer({ min: 1, max: 3000 }), async (messages, budget) => {
        const outcome = await truncateMessages(messages, charCounter, budget);
        const counts = messages.map((message) => chatmlText(message.role, message.content).length);
        expect(outcome.tokenCounts).toEqual(counts);
        const total = counts.reduce((a, b) => a + b, 0);
        const prefixTokens = (n: number): number => counts.slice(0, n).reduce((a, b) => a + b, 0);
        if (total <= budget) {
          expect(outcome).toMatchObject({ keptMessages: messages.length, ratio: 1, truncated: false });
          return;
        }
        const fits = (n: number): boolean => messages[n - 1].role === "assistant" && prefixTokens(n) <= budget;
        const best = [...messages.keys()]
          .map((i) => i + 1)
          .filter(fits)
          .pop();
        if (best === undefined) {
          expect(outcome).toMatchObject({ dropped: "no-assistant-within-budget" });
          return;
        }
        const kept = outcome as Truncation;
        expect(kept.keptMessages).toBe(best);
        expect(messages[kept.keptMessages - 1].role).toBe("assistant");
        expect(kept.keptTokens).toBe(prefixTokens(kept.keptMessages));
        expect(kept.keptTokens).toBeLessThanOrEqual(budget);
        expect(kept.totalTokens).toBe(total);
        expect(kept.ratio).toBe(kept.keptMessages / messages.length);
        expect(kept.truncated).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps at least as many messages when the budget grows", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(role, fc.nat({ max: 500 })), { minLength: 1, maxLength: 40 }),
        fc.nat({ max: 8000 }),
        fc.nat({ max: 8000 }),
        (pairs, a, b) => {
          const roles = pairs.map(([r]) => r);
          const counts = pairs.map(([, c]) => c);
          const [small, large] = a <= b ? [a, b] : [b, a];
          expect(keptOf(truncateToBudget(roles, counts, small))).toBeLessThanOrEqual(keptOf(truncateToBudget(roles, counts, large)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("cuts at the last complete assistant turn on a concrete case", () => {
    const roles = ["system", "user", "assistant", "user", "assistant", "user", "assistant", "user"];
    const counts = [100, 200, 300, 400, 100, 50, 10, 20];
    expect(truncateToBudget(roles, counts, 1180)).toMatchObject({ keptMessages: 8, ratio: 1, truncated: false });
    expect(truncateToBudget(roles, counts, 1170)).toEqual({
      keptMessages: 7,
      totalMessages: 8,
      ratio: 7 / 8,
      keptTokens: 1160,
      totalTokens: 1180,
      truncated: true,
    });
    expect(truncateToBudget(roles, counts, 1159)).toMatchObject({ keptMessages: 5, ratio: 5 / 8, keptTokens: 1100 });
  });

  it("drops a sample whose first assistant turn overflows, and rejects mismatched inputs", () => {
    expect(truncateToBudget(["user", "assistant"], [10, 30], 20)).toEqual({ dropped: "no-assistant-within-budget" });
    expect(() => truncateToBudget(["user"], [1, 2], 10)).toThrow(/differ in length/);
  });
});

describe("ratio ordering and selection", () => {
  const entry = fc.record({ sampleId: fc.string({ minLength: 1, maxLength: 6 }), ratio: fc.double({ min: 0, max: 1, noNaN: true }) });

  it("orders by ratio descending with ties by id, independent of input order", () => {
    fc.assert(
      fc.property(
        fc
          .array(entry, { maxLength: 60 })
          .chain((entries) => fc.tuple(fc.constant(entries), fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }))),
        ([entries, shuffled]) => {
          const ordered = orderByRatio(entries);
          expect(orderByRatio(shuffled).map((e) => [e.ratio, e.sampleId])).toEqual(ordered.map((e) => [e.ratio, e.sampleId]));
          for (let i = 1; i < ordered.length; i++) {
            const [prev, next] = [ordered[i - 1], ordered[i]];
            expect(prev.ratio > next.ratio || (prev.ratio === next.ratio && prev.sampleId <= next.sampleId)).toBe(true);
          }
        },
      ),
    );
  });

  it("keeps samples down to the threshold (default 0.88) or the top N above a floor", () => {
    const entries = [
      { sampleId: "b", ratio: 1 },
      { sampleId: "a", ratio: 1 },
      { sampleId: "c", ratio: 0.88 },
      { sampleId: "d", ratio: 0.879 },
      { sampleId: "e", ratio: 0.5 },
    ];
    expect(selectByRatio(entries).map((e) => e.sampleId)).toEqual(["a", "b", "c"]);
    expect(selectByRatio(entries, { threshold: 0.5 }).map((e) => e.sampleId)).toEqual(["a", "b", "c", "d", "e"]);
    expect(selectByRatio(entries, { topN: 4 }).map((e) => e.sampleId)).toEqual(["a", "b", "c", "d"]);
    expect(selectByRatio(entries, { topN: 4, floor: 0.88 }).map((e) => e.sampleId)).toEqual(["a", "b", "c"]);
    expect(() => selectByRatio(entries, { topN: -1 })).toThrow(/topN/);
  });
});
