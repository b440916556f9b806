/**
 * Descriptive statistics of one sample: median, quantiles, MAD, mean, standard deviation,
 * min and max.
 *
 * - Quantiles use definition 7 of R. J. Hyndman and Y. Fan, "Sample Quantiles in Statistical
 *   Packages", The American Statistician 50(4), 1996: linear interpolation between order
 *   statistics at h = (n - 1) p. It is R's default and numpy's "linear" method, so reports
 *   match what people compute elsewhere.
 * - MAD is the median absolute deviation from the median (F. R. Hampel, "The Influence Curve
 *   and its Role in Robust Estimation", JASA 69(346), 1974). Scaled by 1.4826 (= 1 / the
 *   normal distribution's 0.75 quantile) it estimates the standard deviation of normal data
 *   (P. J. Rousseeuw and C. Croux, "Alternatives to the Median Absolute Deviation", JASA
 *   88(424), 1993); this is scipy.stats.median_abs_deviation(x, scale="normal").
 * - The standard deviation is the sample one (divisor n - 1).
 */

/** 1 / Phi^-1(3/4): scales the MAD into a consistent estimator of a normal standard deviation. */
export const MAD_NORMAL_CONSISTENCY = 1.4826;

/** Everything a report says about one sample. Field names are snake_case, as records on disk are. */
export interface Summary {
  n: number;
  mean: number;
  stddev: number;
  median: number;
  /** Raw median absolute deviation from the median. */
  mad: number;
  /** mad * MAD_NORMAL_CONSISTENCY: comparable with a standard deviation. */
  scaled_mad: number;
  min: number;
  max: number;
}

/** Throws a RangeError unless `values` holds at least `min` numbers, all finite. */
export function requireSamples(values: readonly number[], what = "samples", min = 1): void {
  if (values.length < min) throw new RangeError(`${what} need at least ${min} value(s), got ${values.length}`);
  for (const value of values) {
    if (!Number.isFinite(value)) throw new RangeError(`${what} must be finite numbers, got ${value}`);
  }
}

export function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((x, y) => x - y);
}

/** Hyndman & Fan definition 7 on an already sorted, non-empty array; p in [0, 1]. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile probability must be in [0, 1], got ${p}`);
  const n = sorted.length;
  if (n === 0) throw new RangeError("quantile of an empty sample");
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const low = sorted[lo] as number;
  const high = sorted[hi] as number;
  return low + (h - lo) * (high - low);
}

/** Hyndman & Fan definition 7 (numpy "linear", R type 7). */
export function quantile(values: readonly number[], p: number): number {
  requireSamples(values);
  return quantileSorted(sortedCopy(values), p);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Raw median absolute deviation from the median. */
export function mad(values: readonly number[]): number {
  const center = median(values);
  return median(values.map((value) => Math.abs(value - center)));
}

/** MAD scaled by 1.4826, an estimate of the standard deviation robust to outliers. */
export function scaledMad(values: readonly number[]): number {
  return MAD_NORMAL_CONSISTENCY * mad(values);
}

export function mean(values: readonly number[]): number {
  requireSamples(values);
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** Sample standard deviation (divisor n - 1); 0 for a single value. */
export function stddev(values: readonly number[]): number {
  const center = mean(values);
  if (values.length < 2) return 0;
  let squares = 0;
  for (const value of values) squares += (value - center) ** 2;
  return Math.sqrt(squares / (values.length - 1));
}

export function summarize(samples: readonly number[]): Summary {
  requireSamples(samples);
  const sorted = sortedCopy(samples);
  const center = quantileSorted(sorted, 0.5);
  const rawMad = median(samples.map((value) => Math.abs(value - center)));
  return {
    n: samples.length,
    mean: mean(samples),
    stddev: stddev(samples),
    median: center,
    mad: rawMad,
    scaled_mad: MAD_NORMAL_CONSISTENCY * rawMad,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
  };
}
