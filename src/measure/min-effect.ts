/**
 * The minimum effect that counts, and the A/A calibration it draws on (DESIGN, "Deciding that a
 * change is real"): the largest of the person's threshold, 2%, and a multiple of the spread
 * seen when the baseline is run against itself.
 *
 * The A/A spread is how far from 1 the bootstrap interval of median(A') / median(A) reaches
 * when both arms run identical code, interleaved: max(1 - lo, hi - 1). It holds the random
 * noise of the machine at the calibration's sample size and any systematic gap between arms
 * (an order effect shows up as an A/A interval that misses 1).
 *
 * Why K = 1 (the multiple is a named constant so it can be tuned): the reach is already a 95%
 * bound, about |bias| + 2 standard errors of the A/A ratio, i.e. the largest effect identical
 * code shows at that confidence; and the verdict (verdict.ts) separately demands that the
 * comparison's own whole interval lie beyond the minimum effect, so sampling noise is counted
 * there. A larger K counts the noise twice and costs power sharply. In a simulation (3% normal
 * run-to-run noise; A/A calibration of 10 or 20 runs per arm; A/B from 10 runs, adaptive up to
 * 60; 60 trials each) a real 5% gain was kept in 23 and 47 of 60 trials with K = 1, 6 and 14
 * with K = 1.5, 2 and 2 with K = 2; with no real gain, K = 1 kept 0 of 150 either way.
 * Between-session variation (T. Kalibera and R. Jones, "Rigorous Benchmarking in Reasonable
 * Time", ISMM 2013) is why perfloop re-measures the baseline interleaved in every session
 * rather than inflating K.
 */
import { bootstrapRatioCi, type BootstrapOptions } from "./bootstrap.ts";
import { mannWhitneyU } from "./mann-whitney.ts";

/** No effect below 2% counts, whatever the noise (DESIGN). */
export const MIN_EFFECT_FLOOR = 0.02;
/** K in K * (A/A spread); see the module comment. */
export const CALIBRATION_SPREAD_MULTIPLE = 1;

function checkFraction(value: number, what: string): void {
  if (!(value >= 0 && value < 1)) {
    throw new RangeError(`${what} must be a fraction in [0, 1) (0.05 means 5%), got ${value}`);
  }
}

/** max(user threshold, MIN_EFFECT_FLOOR, CALIBRATION_SPREAD_MULTIPLE * A/A spread), as a fraction. */
export function minimumEffect(userThreshold?: number | null, calibrationSpread?: number | null): number {
  if (userThreshold != null) checkFraction(userThreshold, "the minimum effect");
  if (calibrationSpread != null && !(calibrationSpread >= 0 && Number.isFinite(calibrationSpread))) {
    throw new RangeError(`the calibration spread must be a finite number >= 0, got ${calibrationSpread}`);
  }
  return Math.max(userThreshold ?? 0, MIN_EFFECT_FLOOR, CALIBRATION_SPREAD_MULTIPLE * (calibrationSpread ?? 0));
}

/** What an A/A calibration stores per target. */
export interface Calibration {
  /** max(1 - lo, hi - 1) of the A/A ratio interval: the number minimumEffect takes. */
  spread: number;
  ratio: number;
  ratio_ci: [number, number];
  /** Mann-Whitney p of the A/A runs; a small one points at an order effect between arms. */
  p_value: number;
  n_a: number;
  n_b: number;
  confidence: number;
  resamples: number;
  seed: number;
  reason: string;
}

/** Turns the two arms of an A/A run (the same baseline, interleaved) into a stored spread. */
export function calibrate(
  first: readonly number[],
  second: readonly number[],
  options: BootstrapOptions = {},
): Calibration {
  const interval = bootstrapRatioCi(first, second, options);
  const spread = Math.max(1 - interval.lo, interval.hi - 1, 0);
  const p = mannWhitneyU(first, second).p_value;
  const ci = `${Math.round(interval.confidence * 100)}% CI ${interval.lo.toFixed(3)}-${interval.hi.toFixed(3)}`;
  const reach = `identical runs differ by up to ${(spread * 100).toFixed(1)}% (A/A median ratio ${interval.estimate.toFixed(3)}, ${ci})`;
  const missesOne = interval.lo > 1 || interval.hi < 1;
  return {
    spread,
    ratio: interval.estimate,
    ratio_ci: [interval.lo, interval.hi],
    p_value: p,
    n_a: first.length,
    n_b: second.length,
    confidence: interval.confidence,
    resamples: interval.resamples,
    seed: interval.seed,
    reason: missesOne ? `${reach}; the interval misses 1, a sign of a systematic gap between the arms` : reach,
  };
}
