import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planWarmup, totalTrainingSteps, warmupRatio, warmupStepsFromRatio } from "../src/index.js";

describe("warmup steps as a ratio", () => {
  it("reproduces the reference figures", () => {
    // SERA-32B: 25,224 samples, global batch 32, 3 epochs.
    expect(totalTrainingSteps(25_224, 32, 3)).toBe(2_367);
    expect(warmupRatio(48, 2_367)).toBe(0.020278);
    // The released configs' 0.1875 is 48 of 256 steps.
    expect(warmupRatio(48, 256)).toBe(0.1875);
    // LLaMA-Factory's 0.0958 is 48 of about 501 steps.
    expect(planWarmup(5_334, 32, 3, 48)).toEqual({ samples: 5_334, totalSteps: 501, warmupSteps: 48, warmupRatio: 0.095808 });
  });

  it("rounds up partial batches and handles runs shorter than the warmup", () => {
    expect(totalTrainingSteps(33, 32, 3)).toBe(6);
    expect(totalTrainingSteps(32, 32, 1)).toBe(1);
    expect(warmupRatio(48, 30)).toBe(1);
    expect(warmupRatio(0, 30)).toBe(0);
    expect(() => totalTrainingSteps(0, 32, 3)).toThrow(/samples must be a positive integer/);
    expect(() => warmupRatio(48, 0)).toThrow(/total steps/);
  });

  it("steps below a ratio whose float product overshoots the integer (175 × 0.68 = 119.00000000000001)", () => {
    expect(warmupRatio(119, 175)).toBe(0.679999);
    expect(warmupStepsFromRatio(0.68, 175)).toBe(120);
    expect(warmupStepsFromRatio(warmupRatio(119, 175), 175)).toBe(119);
    expect(warmupStepsFromRatio(warmupRatio(497, 2500), 2500)).toBe(497);
  });

  it("always gives back exactly the requested warmup under the trainer's ceil(total × ratio), never overshooting the exact ratio", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2_000_000 }),
        fc.integer({ min: 1, max: 256 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 500 }),
        (samples, batch, epochs, warmup) => {
          const total = totalTrainingSteps(samples, batch, epochs);
          const ratio = warmupRatio(warmup, total);
          expect(warmupStepsFromRatio(ratio, total)).toBe(Math.min(warmup, total));
          expect(ratio).toBeGreaterThanOrEqual(0);
          expect(ratio).toBeLessThanOrEqual(1);
          if (warmup < total) expect(ratio).toBeLessThanOrEqual(warmup / total);
        },
      ),
      { numRuns: 10_000 },
    );
  });
});
