import { describe, expect, it } from "vitest";
import { PAPER_SEED_TABLE, detectableEffect, paperSeedRule, planSeeds } from "../src/index.js";
import { expectClose, readReference } from "./reference-values.js";

const reference = readReference("stats.json").planner;

describe("seed planner", () => {
  it("by hand: Δ = 2·(z₀.₉₇₅ + z₀.₈)·σ gives n = 2·(z+z)²σ²/Δ² = 1/2, floored to 2 seeds", () => {
    const z = 1.959963984540054 + 0.8416212335729143;
    const plan = planSeeds({ delta: 2 * z, sd: 1 });
    expectClose(plan.exact, 0.5, 1e-12);
    expect(plan.seedsPerArm).toBe(2);
  });

  it("matches the normal-approximation values computed with scipy", () => {
    for (const row of reference.rows) {
      const plan = planSeeds({ delta: row.delta, sd: row.sd });
      expectClose(plan.exact, row.exact, 1e-10);
      expect(plan.seedsPerArm).toBe(Math.max(2, Math.ceil(row.exact)));
      expectClose(plan.zAlpha, reference.zAlpha, 1e-12);
      expectClose(plan.zPower, reference.zPower, 1e-12);
      expectClose(paperSeedRule(row.delta, row.sd), row.paperRule, 1e-14);
    }
  });

  it("a 1 pp effect at σ = 1.2 needs 23 seeds per arm at α = .05, power .8", () => {
    // 2·(2.8016)²·1.44/1 = 22.6 → 23.
    expect(planSeeds({ delta: 1, sd: 1.2 }).seedsPerArm).toBe(23);
  });

  it("Table 10: the paper's rule with σ = 1.2 does not give the published counts; σ ≈ 1.94 does", () => {
    const withStatedSigma = PAPER_SEED_TABLE.map((row) => paperSeedRule(row.effectPp, 1.2));
    expect(withStatedSigma.map((n) => n.toFixed(1))).toEqual(["5.8", "1.4", "0.6", "0.2"]);
    const withFittedSigma = PAPER_SEED_TABLE.map((row) => Math.max(2, Math.ceil(paperSeedRule(row.effectPp, 1.936))));
    expect(withFittedSigma).toEqual(PAPER_SEED_TABLE.map((row) => row.publishedSeeds));
  });

  it("detectable effect inverts the planner", () => {
    const effect = detectableEffect(3, 1.2);
    expectClose(planSeeds({ delta: effect, sd: 1.2 }).exact, 3, 1e-12);
  });

  it("rejects a zero effect or SD", () => {
    expect(() => planSeeds({ delta: 0, sd: 1 })).toThrow(RangeError);
    expect(() => planSeeds({ delta: 1, sd: 0 })).toThrow(RangeError);
  });
});
