/**
 * SERA warms up for a fixed number of optimiser steps (48), but axolotl and LLaMA-Factory take a
 * ratio of the total. The ratio therefore depends on the dataset size and is computed per run;
 * copying the 0.1875 of the released configs silently turns 48 steps into hundreds.
 */

/** Optimiser steps of a run, the way the reference counts them: ⌈samples / global batch⌉ × epochs. */
export function totalTrainingSteps(samples: number, globalBatch: number, epochs: number): number {
  if (!Number.isInteger(samples) || samples < 1) throw new RangeError(`samples must be a positive integer, got ${samples}`);
  if (!Number.isInteger(globalBatch) || globalBatch < 1) throw new RangeError(`global batch must be a positive integer, got ${globalBatch}`);
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`epochs must be a positive integer, got ${epochs}`);
  return Math.ceil(samples / globalBatch) * epochs;
}

/** How Hugging Face's Trainer turns a ratio back into steps (`get_warmup_steps`). */
export function warmupStepsFromRatio(ratio: number, totalSteps: number): number {
  return Math.ceil(totalSteps * ratio);
}

/**
 * The warmup ratio to write into a trainer config so that the trainer warms up for exactly
 * `warmupSteps` (or every step, when the run is shorter than that).
 *
 * The exact quotient is rounded *down* at the sixth decimal (more decimals only if needed): the
 * trainer takes the ceiling of steps × ratio, so a ratio rounded up — 0.0203 for 2,367 steps —
 * would warm up for 49 steps instead of 48.
 */
export function warmupRatio(warmupSteps: number, totalSteps: number): number {
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) throw new RangeError(`warmup steps must be a non-negative integer, got ${warmupSteps}`);
  if (!Number.isInteger(totalSteps) || totalSteps < 1) throw new RangeError(`total steps must be a positive integer, got ${totalSteps}`);
  if (warmupSteps === 0) return 0;
  if (warmupSteps >= totalSteps) return 1;
  const exact = warmupSteps / totalSteps;
  for (let decimals = 6; decimals <= 15; decimals++) {
    const scale = 10 ** decimals;
    // Rounding the product first keeps float noise (e.g. 0.1875 * 1e6 = 187499.99…) from costing a digit.
    const units = Math.floor(Number((exact * scale).toFixed(6)));
    // The float product can land a hair above the integer (175 × 0.68 = 119.00000000000001), so one unit less is tried too.
    for (const candidate of [units / scale, (units - 1) / scale]) {
      if (candidate > 0 && warmupStepsFromRatio(candidate, totalSteps) === warmupSteps) return candidate;
    }
  }
  return exact;
}

export interface WarmupPlan {
  samples: number;
  totalSteps: number;
  warmupSteps: number;
  warmupRatio: number;
}

export function planWarmup(samples: number, globalBatch: number, epochs: number, warmupSteps: number): WarmupPlan {
  const totalSteps = totalTrainingSteps(samples, globalBatch, epochs);
  const ratio = warmupRatio(warmupSteps, totalSteps);
  return { samples, totalSteps, warmupSteps: warmupStepsFromRatio(ratio, totalSteps), warmupRatio: ratio };
}
