/**
 * Box-constrained Levenberg–Marquardt for small nonlinear least-squares problems.
 *
 * Bounds are handled by projection with an active set: at each iteration a
 * parameter that sits on a bound while the gradient pushes it outward is held
 * fixed, the damped Gauss–Newton step is solved over the remaining parameters,
 * and the trial point is clipped back into the box. A step is accepted only if
 * it lowers the objective, so every iterate is feasible and the objective is
 * monotone. Damping uses Marquardt's diagonal scaling (running maximum of the
 * diagonal of JᵀWJ, as MINPACK does), which makes steps invariant to the units
 * of each parameter.
 *
 * Robust loss: with a Huber delta the objective is Σ ρ(r_i), ρ(r) = r²/2 for
 * |r| ≤ δ and δ|r| − δ²/2 beyond. Each iteration reweights the normal equations
 * with w_i = min(1, δ/|r_i|) (iteratively reweighted least squares inside LM);
 * acceptance is judged on the true Huber objective, so the iteration converges
 * to its minimum (the same objective as scipy least_squares(loss="huber",
 * f_scale=δ)).
 *
 * All work arrays are allocated once per solver, so repeated solves (bootstrap
 * refits) do not allocate.
 */

export interface LeastSquaresProblem {
  readonly residualCount: number;
  readonly paramCount: number;
  residuals(params: Float64Array, out: Float64Array): void;
  /** Row-major residualCount × paramCount matrix of ∂r_i/∂θ_j. */
  jacobian(params: Float64Array, out: Float64Array): void;
}

export interface LmSettings {
  lower: Float64Array;
  upper: Float64Array;
  huberDelta: number | null;
  maxIterations: number;
  /** Stop when every parameter moved less than this, relative to its size. */
  stepTolerance: number;
  /** Stop when an accepted step lowered the objective by less than this fraction. */
  costTolerance: number;
  /** Stop when the largest cosine between the residual vector and a free Jacobian column is below this. */
  gradientTolerance: number;
}

export type LmStopReason = "gradient" | "step" | "cost" | "max-iterations" | "no-progress" | "non-finite";

export interface LmOutcome {
  converged: boolean;
  reason: LmStopReason;
  iterations: number;
  /** Final objective: Σ r²/2, or the Huber sum. */
  cost: number;
  /** Largest cosine between residuals and a free Jacobian column at the end. */
  gradientCosine: number;
}

export const DEFAULT_LM_SETTINGS = {
  maxIterations: 500,
  stepTolerance: 1e-12,
  costTolerance: 1e-15,
  gradientTolerance: 1e-12,
} as const;

export interface LmSolver {
  /** Minimizes from `params` (overwritten with the solution); `params` must hold paramCount values. */
  solve(problem: LeastSquaresProblem, params: Float64Array, settings: LmSettings): LmOutcome;
}

const MAX_DAMPING = 1e20;
const MIN_DAMPING = 1e-15;

export function createLmSolver(maxResiduals: number, paramCount: number): LmSolver {
  const residuals = new Float64Array(maxResiduals);
  const trialResiduals = new Float64Array(maxResiduals);
  const jacobian = new Float64Array(maxResiduals * paramCount);
  const irlsWeights = new Float64Array(maxResiduals);
  const gradient = new Float64Array(paramCount);
  const normal = new Float64Array(paramCount * paramCount);
  const damped = new Float64Array(paramCount * paramCount);
  const step = new Float64Array(paramCount);
  const trial = new Float64Array(paramCount);
  const scale = new Float64Array(paramCount);
  const freeIndex = new Int32Array(paramCount);

  function objective(values: Float64Array, count: number, huberDelta: number | null): number {
    let total = 0;
    for (let i = 0; i < count; i++) {
      const r = values[i];
      if (huberDelta === null || Math.abs(r) <= huberDelta) total += 0.5 * r * r;
      else total += huberDelta * Math.abs(r) - 0.5 * huberDelta * huberDelta;
    }
    return total;
  }

  // Solves damped · x = rhs for the leading `size` block in place (Cholesky);
  // returns false when the block is not positive definite.
  function choleskySolve(size: number, rhs: Float64Array): boolean {
    for (let col = 0; col < size; col++) {
      let diagonal = damped[col * size + col];
      for (let k = 0; k < col; k++) diagonal -= damped[col * size + k] ** 2;
      if (!(diagonal > 0)) return false;
      const root = Math.sqrt(diagonal);
      damped[col * size + col] = root;
      for (let row = col + 1; row < size; row++) {
        let value = damped[row * size + col];
        for (let k = 0; k < col; k++) value -= damped[row * size + k] * damped[col * size + k];
        damped[row * size + col] = value / root;
      }
    }
    for (let row = 0; row < size; row++) {
      let value = rhs[row];
      for (let k = 0; k < row; k++) value -= damped[row * size + k] * rhs[k];
      rhs[row] = value / damped[row * size + row];
    }
    for (let row = size - 1; row >= 0; row--) {
      let value = rhs[row];
      for (let k = row + 1; k < size; k++) value -= damped[k * size + row] * rhs[k];
      rhs[row] = value / damped[row * size + row];
    }
    return true;
  }

  function solve(problem: LeastSquaresProblem, params: Float64Array, settings: LmSettings): LmOutcome {
    const m = problem.residualCount;
    const p = problem.paramCount;
    if (m > maxResiduals || p !== paramCount) throw new RangeError("problem does not fit this solver's workspace");
    const { lower, upper, huberDelta } = settings;
    for (let j = 0; j < p; j++) params[j] = Math.min(upper[j], Math.max(lower[j], params[j]));
    scale.fill(0);
    problem.residuals(params, residuals);
    let cost = objective(residuals, m, huberDelta);
    if (!Number.isFinite(cost)) return { converged: false, reason: "non-finite", iterations: 0, cost, gradientCosine: NaN };
    let damping = 1e-3;
    let gradientCosine = NaN;

    for (let iteration = 1; iteration <= settings.maxIterations; iteration++) {
      problem.jacobian(params, jacobian);
      let weightedSquares = 0;
      for (let i = 0; i < m; i++) {
        const r = residuals[i];
        irlsWeights[i] = huberDelta === null || Math.abs(r) <= huberDelta ? 1 : huberDelta / Math.abs(r);
        weightedSquares += irlsWeights[i] * r * r;
      }
      for (let j = 0; j < p; j++) {
        let g = 0;
        for (let i = 0; i < m; i++) g += jacobian[i * p + j] * irlsWeights[i] * residuals[i];
        gradient[j] = g;
        for (let k = 0; k <= j; k++) {
          let h = 0;
          for (let i = 0; i < m; i++) h += jacobian[i * p + j] * irlsWeights[i] * jacobian[i * p + k];
          normal[j * p + k] = h;
          normal[k * p + j] = h;
        }
        scale[j] = Math.max(scale[j], normal[j * p + j]);
      }
      let freeCount = 0;
      gradientCosine = 0;
      for (let j = 0; j < p; j++) {
        const pushedBelow = params[j] <= lower[j] && gradient[j] > 0;
        const pushedAbove = params[j] >= upper[j] && gradient[j] < 0;
        if (pushedBelow || pushedAbove) continue;
        freeIndex[freeCount++] = j;
        const columnNorm = Math.sqrt(normal[j * p + j]);
        if (columnNorm > 0 && weightedSquares > 0) {
          gradientCosine = Math.max(gradientCosine, Math.abs(gradient[j]) / (columnNorm * Math.sqrt(weightedSquares)));
        }
      }
      if (freeCount === 0 || cost === 0 || gradientCosine <= settings.gradientTolerance) {
        return { converged: true, reason: "gradient", iterations: iteration, cost, gradientCosine };
      }

      let accepted = false;
      while (!accepted) {
        for (let a = 0; a < freeCount; a++) {
          const j = freeIndex[a];
          for (let b = 0; b < freeCount; b++) damped[a * freeCount + b] = normal[j * p + freeIndex[b]];
          damped[a * freeCount + a] += damping * (scale[j] > 0 ? scale[j] : 1);
          step[a] = -gradient[j];
        }
        if (choleskySolve(freeCount, step)) {
          trial.set(params);
          for (let a = 0; a < freeCount; a++) {
            const j = freeIndex[a];
            trial[j] = Math.min(upper[j], Math.max(lower[j], params[j] + step[a]));
          }
          problem.residuals(trial, trialResiduals);
          const trialCost = objective(trialResiduals, m, huberDelta);
          if (trialCost < cost) {
            let largestMove = 0;
            for (let j = 0; j < p; j++) {
              largestMove = Math.max(largestMove, Math.abs(trial[j] - params[j]) / (Math.abs(params[j]) + settings.stepTolerance));
            }
            const reduction = cost - trialCost;
            params.set(trial);
            residuals.set(trialResiduals.subarray(0, m));
            const previousCost = cost;
            cost = trialCost;
            damping = Math.max(damping / 5, MIN_DAMPING);
            accepted = true;
            if (largestMove <= settings.stepTolerance) {
              return { converged: true, reason: "step", iterations: iteration, cost, gradientCosine };
            }
            if (reduction <= settings.costTolerance * previousCost) {
              return { converged: true, reason: "cost", iterations: iteration, cost, gradientCosine };
            }
            continue;
          }
        }
        damping *= 4;
        if (damping > MAX_DAMPING) {
          // No damped step lowers the objective: we sit at a minimum up to
          // rounding, unless the gradient says otherwise.
          return {
            converged: gradientCosine < 1e-6,
            reason: "no-progress",
            iterations: iteration,
            cost,
            gradientCosine,
          };
        }
      }
    }
    return { converged: false, reason: "max-iterations", iterations: settings.maxIterations, cost, gradientCosine };
  }

  return { solve };
}
