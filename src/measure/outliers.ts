/**
 * Outliers, flagged with the reason and never dropped: every statistic in this package uses
 * all samples (the median and MAD are robust to them anyway); this list only tells the person
 * which runs looked wrong and why.
 *
 * Method: the modified z-score of B. Iglewicz and D. C. Hoaglin, "How to Detect and Handle
 * Outliers", ASQC Basic References in Quality Control vol. 16, 1993:
 *     M_i = 0.6745 (x_i - median) / MAD,   an outlier when |M_i| > 3.5.
 * 0.6745 is 1 / 1.4826, so M_i counts normal-consistent ("scaled") MADs from the median; the
 * reasons below say "MADs" in that unit.
 *
 * Why 3.5 and not hyperfine's limit: hyperfine (src/outlier_detection.rs) uses the same score
 * but flags only beyond 1.4826 * 10 raw MADs (10 scaled MADs), because it prints a warning
 * asking to re-run the benchmark. perfloop never removes or re-runs on a flag, so it uses the
 * published 3.5, which shows the person more of what disturbed the runs.
 *
 * When more than half the samples are equal the MAD is 0 and every other value would score
 * infinity; then the score uses 1.253314 * MeanAD (mean absolute deviation from the median;
 * 1.253314 = sqrt(pi / 2) makes it normal-consistent), as IBM's statistics products document
 * for the modified z-score. If that is 0 too, all samples are equal and none is an outlier.
 *
 * The first sample gets hyperfine's "slow initial run" reading (src/output/warnings.rs): when
 * it is a high outlier it most likely ran with cold caches, and a warm-up run is the fix.
 */
import { MAD_NORMAL_CONSISTENCY, median, requireSamples } from "./summary.ts";

/** Iglewicz & Hoaglin's limit on |modified z-score|. */
export const MODIFIED_Z_THRESHOLD = 3.5;
/** sqrt(pi / 2): scales the mean absolute deviation into a normal standard deviation (IBM's fallback). */
export const MEAN_AD_CONSISTENCY = 1.253314;

export type OutlierSide = "high" | "low";

export interface Outlier {
  /** Position in the samples as given (0 = the first run). */
  index: number;
  value: number;
  /** The modified z-score, in scaled MADs (or scaled MeanADs when the MAD is 0). */
  score: number;
  side: OutlierSide;
  reason: string;
}

export interface OutlierOptions {
  /** Limit on |modified z-score|; default MODIFIED_Z_THRESHOLD. */
  threshold?: number;
  /** Read a slow first sample as a cold first run (default true). */
  firstSampleIsFirstRun?: boolean;
}

interface Scale {
  center: number;
  spread: number;
  unit: string;
}

function robustScale(samples: readonly number[]): Scale {
  const center = median(samples);
  const deviations = samples.map((value) => Math.abs(value - center));
  const rawMad = median(deviations);
  if (rawMad > 0) return { center, spread: MAD_NORMAL_CONSISTENCY * rawMad, unit: "MADs" };
  const meanAd = deviations.reduce((sum, d) => sum + d, 0) / deviations.length;
  return { center, spread: MEAN_AD_CONSISTENCY * meanAd, unit: "mean absolute deviations (the MAD is 0)" };
}

/** Modified z-scores of every sample (0 for all when the samples are all equal). */
export function modifiedZScores(samples: readonly number[]): number[] {
  requireSamples(samples);
  const { center, spread } = robustScale(samples);
  return samples.map((value) => (spread > 0 ? (value - center) / spread : 0));
}

/** Every sample whose |modified z-score| exceeds the threshold, with the reason, in sample order. */
export function findOutliers(samples: readonly number[], options: OutlierOptions = {}): Outlier[] {
  requireSamples(samples);
  const threshold = options.threshold ?? MODIFIED_Z_THRESHOLD;
  if (!(threshold > 0)) throw new RangeError(`outlier threshold must be > 0, got ${threshold}`);
  const firstIsFirstRun = options.firstSampleIsFirstRun ?? true;
  const { center, spread, unit } = robustScale(samples);
  if (!(spread > 0)) return [];
  const outliers: Outlier[] = [];
  samples.forEach((value, index) => {
    const score = (value - center) / spread;
    if (Math.abs(score) <= threshold) return;
    const side: OutlierSide = score > 0 ? "high" : "low";
    const distance = `${Math.abs(score).toFixed(1)} ${unit} ${side === "high" ? "above" : "below"} the median`;
    const reason =
      index === 0 && side === "high" && firstIsFirstRun
        ? `first run slower than the rest (${distance}): likely a cold cache; a warm-up run avoids it`
        : `${distance} (modified z-score beyond ${threshold})`;
    outliers.push({ index, value, score, side, reason });
  });
  return outliers;
}
