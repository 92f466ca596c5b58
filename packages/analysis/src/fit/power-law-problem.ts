import type { LeastSquaresProblem } from "./levenberg-marquardt.js";

/**
 * Residuals and Jacobian of y = c − a·x^(−b) over reusable typed arrays: the
 * bootstrap rewrites lnX / y / sqrtWeights in place and changes `count`, so a
 * refit allocates nothing. Parameter vector: [a, b] when c is fixed, [a, b, c]
 * otherwise. Residuals are sqrt(w)·(model − y).
 */
export interface PowerLawWorkspace {
  count: number;
  readonly lnX: Float64Array;
  readonly y: Float64Array;
  readonly sqrtWeights: Float64Array;
  readonly fixedC: number | null;
  readonly problem: LeastSquaresProblem;
}

export function createPowerLawWorkspace(capacity: number, fixedC: number | null): PowerLawWorkspace {
  const lnX = new Float64Array(capacity);
  const y = new Float64Array(capacity);
  const sqrtWeights = new Float64Array(capacity).fill(1);
  const paramCount = fixedC === null ? 3 : 2;
  const workspace: PowerLawWorkspace = {
    count: capacity,
    lnX,
    y,
    sqrtWeights,
    fixedC,
    problem: {
      get residualCount() {
        return workspace.count;
      },
      paramCount,
      residuals(params, out) {
        const a = params[0];
        const b = params[1];
        const c = fixedC === null ? params[2] : fixedC;
        for (let i = 0; i < workspace.count; i++) {
          out[i] = sqrtWeights[i] * (c - a * Math.exp(-b * lnX[i]) - y[i]);
        }
      },
      jacobian(params, out) {
        const a = params[0];
        const b = params[1];
        for (let i = 0; i < workspace.count; i++) {
          const power = Math.exp(-b * lnX[i]);
          const row = i * paramCount;
          out[row] = -sqrtWeights[i] * power;
          out[row + 1] = sqrtWeights[i] * a * power * lnX[i];
          if (paramCount === 3) out[row + 2] = sqrtWeights[i];
        }
      },
    },
  };
  return workspace;
}

/** Σ w·(model − y)² for given a, b, c over the workspace points. */
export function powerLawSquaredError(workspace: PowerLawWorkspace, a: number, b: number, c: number): number {
  let total = 0;
  for (let i = 0; i < workspace.count; i++) {
    const residual = c - a * Math.exp(-b * workspace.lnX[i]) - workspace.y[i];
    total += workspace.sqrtWeights[i] ** 2 * residual * residual;
  }
  return total;
}
