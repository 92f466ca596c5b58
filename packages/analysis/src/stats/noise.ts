/**
 * Signal-to-noise of a difference between conditions, SNR = |Δ| / SD, with the
 * paper's verdict bands: below 1 not trustworthy, 1 to 2 borderline, above 2
 * likely real. Both band edges (exactly 1, exactly 2) count as borderline,
 * since the paper asks for SNR above 2 before calling an effect real.
 */

export type SnrVerdict = "not trustworthy" | "borderline" | "likely real";

export function signalToNoise(delta: number, sd: number): number {
  if (!Number.isFinite(delta)) throw new RangeError(`delta must be finite, got ${delta}`);
  if (!(sd >= 0) || !Number.isFinite(sd)) throw new RangeError(`sd must be finite and >= 0, got ${sd}`);
  if (sd === 0) return delta === 0 ? 0 : Infinity;
  return Math.abs(delta) / sd;
}

export function snrVerdict(snr: number): SnrVerdict {
  if (Number.isNaN(snr)) throw new RangeError("SNR is NaN");
  if (snr < 1) return "not trustworthy";
  if (snr <= 2) return "borderline";
  return "likely real";
}

export interface NoiseAssessment {
  delta: number;
  sd: number;
  snr: number;
  verdict: SnrVerdict;
  withinNoise: boolean;
}

/**
 * True when a difference should not be reported as a finding: SNR at or below
 * `threshold` (default 2, the paper's bar for "likely real"; SNR ≤ 2 results are
 * preliminary). Pass threshold 1 to flag only differences smaller than one SD.
 */
export function withinNoise(delta: number, sd: number, threshold = 2): boolean {
  return signalToNoise(delta, sd) <= threshold;
}

export function assessNoise(delta: number, sd: number): NoiseAssessment {
  const snr = signalToNoise(delta, sd);
  return { delta, sd, snr, verdict: snrVerdict(snr), withinNoise: withinNoise(delta, sd) };
}
