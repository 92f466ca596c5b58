import { describe, expect, it } from "vitest";
import { pairInstanceOutcomes, pairedClusterBootstrap, type PairedInstance } from "../src/index.js";
import { expectClose, readReference } from "./reference-values.js";

const reference = readReference("stats.json").clusteredBootstrap;

describe("pairing instance outcomes", () => {
  it("averages seeds per instance and reports unmatched instances", () => {
    const pairing = pairInstanceOutcomes(
      [
        { instanceId: "a", repo: "r1", resolved: true },
        { instanceId: "a", repo: "r1", resolved: false },
        { instanceId: "b", repo: "r2", resolved: 1 },
        { instanceId: "only-first", repo: "r2", resolved: 1 },
      ],
      [
        { instanceId: "b", repo: "r2", resolved: false },
        { instanceId: "a", repo: "r1", resolved: true },
        { instanceId: "only-second", repo: "r3", resolved: 0 },
      ],
    );
    expect(pairing.pairs).toEqual([
      { instanceId: "a", repo: "r1", first: 0.5, second: 1 },
      { instanceId: "b", repo: "r2", first: 1, second: 0 },
    ]);
    expect(pairing.onlyInFirst).toEqual(["only-first"]);
    expect(pairing.onlyInSecond).toEqual(["only-second"]);
  });

  it("refuses an instance filed under two repositories", () => {
    expect(() => pairInstanceOutcomes([{ instanceId: "a", repo: "r1", resolved: true }], [{ instanceId: "a", repo: "r2", resolved: true }])).toThrow(/repo/);
  });
});

describe("paired bootstrap clustered by repository", () => {
  it("point estimate by hand, and a single repository gives a degenerate interval", () => {
    // r1: (1,0), (1,1), (0,0) → rates 2/3 vs 1/3 → +33.3 pp.
    const pairs: PairedInstance[] = [
      { instanceId: "1", repo: "r1", first: 1, second: 0 },
      { instanceId: "2", repo: "r1", first: 1, second: 1 },
      { instanceId: "3", repo: "r1", first: 0, second: 0 },
    ];
    const result = pairedClusterBootstrap(pairs, { seed: 1, replicates: 200 });
    expectClose(result.difference, 100 / 3, 1e-12);
    expectClose(result.firstRate, 200 / 3, 1e-12);
    // Resampling the only repository always returns the same instances.
    expectClose(result.lower, 100 / 3, 1e-12);
    expectClose(result.upper, 100 / 3, 1e-12);
    expect(result.shareNotPositive).toBe(0);
  });

  it("reproduces the interval of the committed Python port (same PRNG, numpy percentiles)", () => {
    const result = pairedClusterBootstrap(reference.pairs, { seed: reference.seed, replicates: reference.replicates });
    expectClose(result.difference, reference.difference, 1e-12);
    expectClose(result.lower, reference.interval[0], 1e-9);
    expectClose(result.upper, reference.interval[1], 1e-9);
    expectClose(result.shareNotPositive, reference.shareNotPositive, 1e-12);
    expect(result.repositories).toBe(9);
  });

  it("is deterministic for a seed and independent of input order", () => {
    const run = (pairs: PairedInstance[], seed: number) => pairedClusterBootstrap(pairs, { seed, replicates: 300 });
    const pairs = reference.pairs as PairedInstance[];
    expect(run(pairs, 5)).toEqual(run([...pairs].reverse(), 5));
    expect(run(pairs, 5).lower).not.toBe(run(pairs, 6).lower);
  });

  it("spans both signs when two repositories show opposite effects", () => {
    // Two repos with opposite effects: the clustered interval must span both signs.
    const pairs: PairedInstance[] = [];
    for (let i = 0; i < 20; i++) pairs.push({ instanceId: `a${i}`, repo: "a", first: 1, second: 0 });
    for (let i = 0; i < 20; i++) pairs.push({ instanceId: `b${i}`, repo: "b", first: 0, second: 1 });
    const result = pairedClusterBootstrap(pairs, { seed: 3, replicates: 400 });
    expect(result.difference).toBe(0);
    expect(result.lower).toBe(-100);
    expect(result.upper).toBe(100);
  });
});
