/**
 * Percentile with linear interpolation between order statistics (Hyndman–Fan
 * type 7, numpy's default): position h = (n − 1)·q on the sorted values.
 * +Infinity entries are allowed (an unreachable target in a bootstrap draw);
 * an interpolation that touches one yields +Infinity rather than NaN.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError("percentile of an empty sample");
  if (!(q >= 0 && q <= 1)) throw new RangeError(`percentile level must be in [0, 1], got ${q}`);
  const position = (n - 1) * q;
  const below = Math.floor(position);
  const fraction = position - below;
  const low = sorted[below];
  if (fraction === 0 || below + 1 >= n) return low;
  const high = sorted[below + 1];
  if (high === Infinity) return Infinity;
  return low + (high - low) * fraction;
}

export interface PercentileInterval {
  lower: number;
  upper: number;
}

/** Central percentile interval at the given confidence level (e.g. 0.95 → 2.5th and 97.5th percentiles). */
export function percentileInterval(values: ArrayLike<number>, level: number): PercentileInterval {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  const sorted = Float64Array.from(values).sort();
  const tail = (1 - level) / 2;
  return { lower: percentileOfSorted(sorted, tail), upper: percentileOfSorted(sorted, 1 - tail) };
}
