/**
 * Cost of producing one training trajectory: teacher inference (API tokens or
 * self-hosted GPU time) plus any fixed extra (e.g. SWE-smith's issue
 * creation), plus the trajectory's share of student training.
 */

export interface TokenPrices {
  /** USD per million uncached input tokens. */
  inputPerMillion: number;
  cachedInputPerMillion: number;
  outputPerMillion: number;
}

export interface TokenProfile {
  /** Uncached ("new") input tokens per trajectory. */
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
}

export type InferenceCostInput =
  | { kind: "api"; prices: TokenPrices; tokens: TokenProfile; extraUsd?: number }
  | { kind: "self-hosted"; gpuHours: number; usdPerGpuHour: number; extraUsd?: number }
  | { kind: "fixed"; usd: number; extraUsd?: number };

export type TrainingCostInput = { gpuHours: number; usdPerGpuHour: number } | { usd: number };

export interface TrajectoryCostInput {
  inference: InferenceCostInput;
  training: TrainingCostInput;
}

export interface TrajectoryCostBreakdown {
  cachedInputUsd: number;
  newInputUsd: number;
  outputUsd: number;
  /** Self-hosted GPU time, or a fixed inference price. */
  gpuUsd: number;
  extraUsd: number;
  inferenceUsd: number;
  trainingUsd: number;
  totalUsd: number;
}

function nonNegative(value: number, label: string): number {
  if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`${label} must be finite and >= 0, got ${value}`);
  return value;
}

export function trajectoryCost(input: TrajectoryCostInput): TrajectoryCostBreakdown {
  const { inference, training } = input;
  let cachedInputUsd = 0;
  let newInputUsd = 0;
  let outputUsd = 0;
  let gpuUsd = 0;
  if (inference.kind === "api") {
    const { prices, tokens } = inference;
    cachedInputUsd = (nonNegative(tokens.cachedInputTokens, "cached input tokens") * nonNegative(prices.cachedInputPerMillion, "cached input price")) / 1e6;
    newInputUsd = (nonNegative(tokens.inputTokens, "input tokens") * nonNegative(prices.inputPerMillion, "input price")) / 1e6;
    outputUsd = (nonNegative(tokens.outputTokens, "output tokens") * nonNegative(prices.outputPerMillion, "output price")) / 1e6;
  } else if (inference.kind === "self-hosted") {
    gpuUsd = nonNegative(inference.gpuHours, "GPU hours") * nonNegative(inference.usdPerGpuHour, "GPU price");
  } else {
    gpuUsd = nonNegative(inference.usd, "inference USD");
  }
  const extraUsd = nonNegative(inference.extraUsd ?? 0, "extra USD");
  const trainingUsd =
    "usd" in training
      ? nonNegative(training.usd, "training USD")
      : nonNegative(training.gpuHours, "training GPU hours") * nonNegative(training.usdPerGpuHour, "training GPU price");
  const inferenceUsd = cachedInputUsd + newInputUsd + outputUsd + gpuUsd + extraUsd;
  return { cachedInputUsd, newInputUsd, outputUsd, gpuUsd, extraUsd, inferenceUsd, trainingUsd, totalUsd: inferenceUsd + trainingUsd };
}

function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  // The small nudge keeps binary representation error (0.0049 → 0.004899…) from flipping a half-way rounding.
  return Math.round(value * factor + Math.sign(value) * 1e-9) / factor;
}

/**
 * Table-style rounding as in the paper's Table 15: each component is rounded to
 * `decimals` first and subtotals are sums of the rounded cells. This is why the
 * table shows 0.4668 for SWE-smith inference although the unrounded sum is
 * 0.46674.
 */
export function roundBreakdownLikeTable(breakdown: TrajectoryCostBreakdown, decimals = 4): TrajectoryCostBreakdown {
  const cachedInputUsd = roundTo(breakdown.cachedInputUsd, decimals);
  const newInputUsd = roundTo(breakdown.newInputUsd, decimals);
  const outputUsd = roundTo(breakdown.outputUsd, decimals);
  const gpuUsd = roundTo(breakdown.gpuUsd, decimals);
  const extraUsd = roundTo(breakdown.extraUsd, decimals);
  const trainingUsd = roundTo(breakdown.trainingUsd, decimals);
  const inferenceUsd = roundTo(cachedInputUsd + newInputUsd + outputUsd + gpuUsd + extraUsd, decimals);
  return {
    cachedInputUsd,
    newInputUsd,
    outputUsd,
    gpuUsd,
    extraUsd,
    inferenceUsd,
    trainingUsd,
    totalUsd: roundTo(inferenceUsd + trainingUsd, decimals),
  };
}

/** Dataset cost for n trajectories at a per-trajectory total. */
export function datasetCostUsd(trajectories: number, usdPerTrajectory: number): number {
  return nonNegative(trajectories, "trajectory count") * nonNegative(usdPerTrajectory, "USD per trajectory");
}
