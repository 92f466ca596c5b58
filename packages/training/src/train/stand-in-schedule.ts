/**
 * Numbers for the CPU stand-in trainer: the learning-rate schedule Hugging Face's cosine
 * scheduler produces, and a loss curve shaped like SERA's smoke run (Qwen3-8B, 48-step warmup:
 * 0.558 at step 1, 0.358 at 20, 0.263 at 48, 0.235 at 100, 0.226 at 150). The loss is a
 * made-up curve with seeded noise, printed so the log parser and the metrics tables have
 * realistic input; it measures nothing.
 */

/** Linear warmup from 0, then cosine decay to 0, as `get_cosine_schedule_with_warmup`; `step` is 1-based. */
export function cosineLearningRate(step: number, baseLr: number, warmupSteps: number, totalSteps: number): number {
  const done = step - 1;
  if (done < warmupSteps) return (baseLr * done) / Math.max(1, warmupSteps);
  const progress = (done - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
  return baseLr * 0.5 * (1 + Math.cos(Math.PI * progress));
}

function noise(seed: number, step: number): number {
  // xorshift on (seed, step): the same run prints the same curve.
  let x = (seed * 2654435761 + step * 40503) >>> 0 || 1;
  x ^= x << 13;
  x >>>= 0;
  x ^= x >>> 17;
  x ^= x << 5;
  x >>>= 0;
  return (x / 0xffffffff - 0.5) * 2;
}

export function standInLoss(step: number, seed: number): number {
  const floor = 0.225;
  const value = floor + 0.333 * Math.exp(-(step - 1) / 22) + 0.01 * noise(seed, step);
  return Number(value.toFixed(4));
}

export function standInGradNorm(step: number, seed: number): number {
  const value = 0.4 + 13.6 * Math.exp(-(step - 1) / 6) + 0.05 * Math.abs(noise(seed + 7, step));
  return Number(value.toFixed(4));
}
