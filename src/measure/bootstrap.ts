/**
 * Percentile bootstrap confidence intervals of a median, and of the ratio of two medians from
 * independent samples (B. Efron, "Bootstrap Methods: Another Look at the Jackknife", Ann.
 * Statist. 7(1), 1979; B. Efron and R. J. Tibshirani, "An Introduction to the Bootstrap",
 * Chapman & Hall 1993, ch. 13, the percentile interval). Each resample draws n values with
 * replacement; the interval is the (1 - c)/2 and (1 + c)/2 quantiles (Hyndman & Fan type 7) of
 * the resampled statistic. Resampling is seeded (rng.ts), so an interval is a pure function of
 * its inputs and seed.
 *
 * A resample's median is found without sorting: the input is sorted once, a resample is a
 * vector of counts per sorted position (multinomial), and its median is read by walking the
 * cumulative counts, O(n) per resample.
 */
import { createRng, DEFAULT_SEED, type Rng } from "./rng.ts";
import { median, quantileSorted, requireSamples, sortedCopy } from "./summary.ts";

/**
 * Resamples per interval. Efron & Tibshirani (1993) ask for at least 1,000 resamples for
 * percentile interval endpoints (a few hundred suffice only for a standard error). 2,000
 * keeps the Monte Carlo error of the 2.5% tail at about +-0.35 percentage points of coverage
 * (sqrt(0.025 * 0.975 / 2000)) and costs a few milliseconds for n = 100, so the adaptive
 * planner can recompute intervals after every batch.
 */
export const BOOTSTRAP_RESAMPLES = 2000;
/** Two-sided confidence level of every interval unless a caller says otherwise. */
export const CONFIDENCE_LEVEL = 0.95;

export interface BootstrapOptions {
  resamples?: number;
  confidence?: number;
  seed?: number;
}

export interface Interval {
  /** The statistic on the samples as given. */
  estimate: number;
  lo: number;
  hi: number;
  confidence: number;
  resamples: number;
  seed: number;
}

interface Settings {
  resamples: number;
  confidence: number;
  seed: number;
}

function settings(options: BootstrapOptions): Settings {
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES;
  const confidence = options.confidence ?? CONFIDENCE_LEVEL;
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  return { resamples, confidence, seed };
}

/** Median of one resample of `sorted` (drawn with replacement), using `counts` as scratch space. */
function resampledMedian(sorted: readonly number[], counts: Uint32Array, rng: Rng): number {
  const n = sorted.length;
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const at = rng.int(n);
    counts[at] = (counts[at] as number) + 1;
  }
  // Type 7 median: mean of the order statistics at 0-based ranks floor((n-1)/2) and floor(n/2).
  const lowRank = (n - 1) >> 1;
  const highRank = n >> 1;
  let seen = 0;
  let low = Number.NaN;
  for (let i = 0; i < n; i++) {
    seen += counts[i] as number;
    if (Number.isNaN(low) && seen > lowRank) low = sorted[i] as number;
    if (seen > highRank) return (low + (sorted[i] as number)) / 2;
  }
  return low; // unreachable: the counts sum to n
}

function percentileInterval(estimate: number, draws: Float64Array, s: Settings): Interval {
  draws.sort();
  const tail = (1 - s.confidence) / 2;
  return {
    estimate,
    lo: quantileSorted(draws, tail),
    hi: quantileSorted(draws, 1 - tail),
    confidence: s.confidence,
    resamples: s.resamples,
    seed: s.seed,
  };
}

/** Percentile bootstrap interval of the median of `samples`. */
export function bootstrapMedianCi(samples: readonly number[], options: BootstrapOptions = {}): Interval {
  requireSamples(samples);
  const s = settings(options);
  const sorted = sortedCopy(samples);
  const counts = new Uint32Array(sorted.length);
  const rng = createRng(s.seed);
  const draws = new Float64Array(s.resamples);
  for (let r = 0; r < s.resamples; r++) draws[r] = resampledMedian(sorted, counts, rng);
  return percentileInterval(median(samples), draws, s);
}

/**
 * Percentile bootstrap interval of median(b) / median(a), resampling a and b independently
 * (one seeded stream for both). For positive quantities (durations, bytes): every value of a
 * must be > 0, so no resampled denominator is 0.
 */
export function bootstrapRatioCi(
  a: readonly number[],
  b: readonly number[],
  options: BootstrapOptions = {},
): Interval {
  requireSamples(a, "baseline samples");
  requireSamples(b, "candidate samples");
  if (a.some((value) => value <= 0)) throw new RangeError("a ratio of medians needs baseline samples > 0");
  const s = settings(options);
  const sortedA = sortedCopy(a);
  const sortedB = sortedCopy(b);
  const countsA = new Uint32Array(sortedA.length);
  const countsB = new Uint32Array(sortedB.length);
  const rng = createRng(s.seed);
  const draws = new Float64Array(s.resamples);
  for (let r = 0; r < s.resamples; r++) {
    const denominator = resampledMedian(sortedA, countsA, rng);
    draws[r] = resampledMedian(sortedB, countsB, rng) / denominator;
  }
  return percentileInterval(median(b) / median(a), draws, s);
}
