/**
 * Table 11 of the SERA paper: GLM-4.5-Air → Qwen3-32B at 32K, resolve % per
 * seed for each training-set size, with the printed (2-decimal) means.
 */
export interface PaperScalingPoint {
  samples: number;
  seeds: readonly [number, number, number];
  printedMean: number;
  printedSd: number;
  printedUsdVllm: number;
  printedUsdZai: number;
}

export const PAPER_SCALING_POINTS: readonly PaperScalingPoint[] = [
  { samples: 400, seeds: [34.4, 33.0, 33.0], printedMean: 33.47, printedSd: 0.81, printedUsdVllm: 75, printedUsdZai: 37 },
  { samples: 750, seeds: [36.8, 35.0, 37.4], printedMean: 36.4, printedSd: 1.25, printedUsdVllm: 140, printedUsdZai: 69 },
  { samples: 1500, seeds: [38.2, 40.2, 38.2], printedMean: 38.87, printedSd: 1.15, printedUsdVllm: 280, printedUsdZai: 138 },
  { samples: 3000, seeds: [40.6, 37.8, 40.6], printedMean: 39.67, printedSd: 1.62, printedUsdVllm: 560, printedUsdZai: 275 },
  { samples: 4200, seeds: [40.6, 45.8, 39.0], printedMean: 41.8, printedSd: 3.56, printedUsdVllm: 784, printedUsdZai: 386 },
  { samples: 7400, seeds: [43.2, 45.4, 43.4], printedMean: 44.0, printedSd: 1.22, printedUsdVllm: 1382, printedUsdZai: 679 },
  { samples: 16000, seeds: [47.0, 47.0, 45.8], printedMean: 46.6, printedSd: 0.69, printedUsdVllm: 2987, printedUsdZai: 1469 },
];

/** The paper's modelling choice for the asymptote (Appendix A). */
export const PAPER_FIXED_ASYMPTOTE = 70;
