import { powerLawSquaredError, type PowerLawWorkspace } from "./power-law-problem.js";
import type { PowerLawBounds, PowerLawParams } from "./types.js";

/**
 * Deterministic starting values for y = c − a·x^(−b).
 *
 * For a given c the model linearizes: ln(s·(c − y)) = ln|a| − b·ln x, with
 * s = +1 for a rising curve (a > 0) and −1 for a falling one. An ordinary
 * least-squares line through the points on the right side of c gives a and b.
 * When c is free, a fixed ladder of candidate asymptotes beyond the data is
 * tried and the candidate with the smallest squared error (in y, not in the
 * log space) wins. No randomness, so fits are reproducible.
 */

const ASYMPTOTE_LADDER = [0.02, 0.1, 0.3, 1, 3, 10];

function clamp(value: number, range: readonly [number, number]): number {
  return Math.min(range[1], Math.max(range[0], value));
}

function linearizedAB(workspace: PowerLawWorkspace, c: number, direction: 1 | -1): { a: number; b: number } | null {
  let count = 0;
  let sumX = 0;
  let sumZ = 0;
  for (let i = 0; i < workspace.count; i++) {
    const gap = direction * (c - workspace.y[i]);
    if (gap > 0) {
      count++;
      sumX += workspace.lnX[i];
      sumZ += Math.log(gap);
    }
  }
  if (count < 2) return null;
  const meanX = sumX / count;
  const meanZ = sumZ / count;
  let sxx = 0;
  let sxz = 0;
  for (let i = 0; i < workspace.count; i++) {
    const gap = direction * (c - workspace.y[i]);
    if (gap > 0) {
      const dx = workspace.lnX[i] - meanX;
      sxx += dx * dx;
      sxz += dx * (Math.log(gap) - meanZ);
    }
  }
  if (!(sxx > 0)) return null;
  const slope = sxz / sxx;
  return { a: direction * Math.exp(meanZ - slope * meanX), b: -slope };
}

export function powerLawStart(workspace: PowerLawWorkspace, bounds: PowerLawBounds, userStart: Partial<PowerLawParams>): PowerLawParams {
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < workspace.count; i++) {
    minY = Math.min(minY, workspace.y[i]);
    maxY = Math.max(maxY, workspace.y[i]);
  }
  const span = Math.max(maxY - minY, 1e-3 * Math.abs(maxY), 1e-9);
  const direction: 1 | -1 = bounds.a[1] > 0 ? 1 : -1;
  const candidates =
    workspace.fixedC !== null
      ? [workspace.fixedC]
      : userStart.c !== undefined
        ? [userStart.c]
        : ASYMPTOTE_LADDER.map((k) => clamp(direction === 1 ? maxY + k * span : minY - k * span, bounds.c));

  let best: PowerLawParams | null = null;
  let bestError = Infinity;
  for (const c of candidates) {
    const line = linearizedAB(workspace, c, direction);
    const a = clamp(userStart.a ?? line?.a ?? direction * span, bounds.a);
    const b = clamp(userStart.b ?? (line && line.b > 0 ? line.b : 0.5), bounds.b);
    const error = powerLawSquaredError(workspace, a, b, c);
    if (error < bestError || best === null) {
      best = { a, b, c };
      bestError = error;
    }
  }
  return best as PowerLawParams;
}
