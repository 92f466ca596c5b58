import { normalQuantile } from "../special/distributions.js";

export interface SeedPlanOptions {
  /** Effect to detect, in the same unit as sd (pp of resolve rate). */
  delta: number;
  /** Seed-to-seed SD of one condition. */
  sd: number;
  alpha?: number;
  power?: number;
}

export interface SeedPlan {
  seedsPerArm: number;
  /** Unrounded n from the formula. */
  exact: number;
  formula: string;
  zAlpha: number;
  zPower: number;
}

/**
 * Seeds per arm for a two-sided comparison of two means at level alpha with the
 * given power, normal approximation: n = 2·(z_{1−α/2} + z_{power})²·σ² / Δ²,
 * rounded up, at least 2 (an SD needs two seeds).
 */
export function planSeeds(options: SeedPlanOptions): SeedPlan {
  const alpha = options.alpha ?? 0.05;
  const power = options.power ?? 0.8;
  if (!(options.delta !== 0 && Number.isFinite(options.delta))) throw new RangeError("delta must be finite and non-zero");
  if (!(options.sd > 0)) throw new RangeError("sd must be > 0");
  if (!(alpha > 0 && alpha < 1)) throw new RangeError("alpha must be in (0, 1)");
  if (!(power > 0 && power < 1)) throw new RangeError("power must be in (0, 1)");
  const zAlpha = normalQuantile(1 - alpha / 2);
  const zPower = normalQuantile(power);
  const exact = (2 * (zAlpha + zPower) ** 2 * options.sd ** 2) / options.delta ** 2;
  return {
    seedsPerArm: Math.max(2, Math.ceil(exact - 1e-9)),
    exact,
    formula: "n = 2·(z_{1−α/2} + z_{power})²·σ²/Δ² per arm (normal approximation), rounded up, minimum 2",
    zAlpha,
    zPower,
  };
}

/**
 * The paper's rule of thumb for SNR ≥ 2: n ≈ (2σ/δ)². Returned unrounded; the
 * published Table 10 counts are only matched with σ ≈ 1.94, rounded up with a
 * floor of 2 (see PAPER_SEED_TABLE).
 */
export function paperSeedRule(delta: number, sd: number): number {
  if (!(delta !== 0 && Number.isFinite(delta))) throw new RangeError("delta must be finite and non-zero");
  return ((2 * sd) / delta) ** 2;
}

/** Smallest effect detectable with n seeds per arm at alpha and power (same formula, solved for Δ). */
export function detectableEffect(seedsPerArm: number, sd: number, alpha = 0.05, power = 0.8): number {
  if (!(seedsPerArm > 0)) throw new RangeError("seedsPerArm must be > 0");
  return (normalQuantile(1 - alpha / 2) + normalQuantile(power)) * sd * Math.sqrt(2 / seedsPerArm);
}

/** Table 10 of the paper, kept verbatim as a fixture (σ stated as 1.2). */
export const PAPER_SEED_TABLE: readonly { effectPp: number; publishedSeeds: number; verdictAtThreeSeeds: string }[] = [
  { effectPp: 1, publishedSeeds: 15, verdictAtThreeSeeds: "cannot detect" },
  { effectPp: 2, publishedSeeds: 4, verdictAtThreeSeeds: "borderline" },
  { effectPp: 3, publishedSeeds: 2, verdictAtThreeSeeds: "adequate" },
  { effectPp: 5, publishedSeeds: 2, verdictAtThreeSeeds: "high confidence" },
];
