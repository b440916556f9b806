/**
 * How many runs to take: start small, add runs while the answer is not yet clear, stop at a cap
 * (DESIGN: "start at 10, add runs while the confidence interval is wider than the noise
 * threshold, up to a cap"; Chromium's Pinpoint likewise adds attempts to an UNKNOWN comparison
 * up to a maximum).
 *
 * One sample (profiling): enough once the bootstrap interval of the median, relative to the
 * median, is no wider than the minimum effect. Otherwise the next batch is sized from the
 * 1/sqrt(n) shrinkage of a median's standard error: about n (width / target)^2 runs in all
 * are needed, so add that many minus n, at least MIN_EXTRA_RUNS and at most n (never more than
 * double at once, since the projection is rough), and never beyond the cap.
 *
 * Two arms (A/B): enough once the verdict is not "unknown"; otherwise double the runs per arm
 * (at least MIN_EXTRA_RUNS, at most up to the cap). At the cap an unknown stays unknown, which
 * the caller treats as "not kept".
 *
 * Tried, measured, and off by default (`confirmChanges`): claiming a change ("faster" or "slower")
 * only once one more batch of half as many rounds, measured later, confirms it, i.e. the verdict
 * on all rounds still says the same and that batch on its own leans the same way (its median
 * ratio on the same side of 1). Stopping at the first significant look inflates false positives
 * (P. Armitage, C. K. McPherson and B. C. Rowe, "Repeated significance tests on accumulating
 * data", J. R. Statist. Soc. A 132(2), 1969), and the wrong A/A verdicts bench/verdicts had seen
 * under a CPU hog came at the 10-round minimum. Replayed on the very same rounds (bench/verdicts/
 * replay.ts, 2026-12-01, docs/measurement.md), the rule without it made no A/A mistake in 270
 * trials, under a steady hog or one in bursts, while confirming lost 5 of 120 real 5% gains in
 * bursts (kept 88% -> 84%) and needed a median of 40-52 rounds for a real gain instead of 20. With it on, a
 * confirming batch that leans the other way makes the change provisional again; at the cap such a
 * change is "unknown"; a change first seen at the cap stands, and its reason says so.
 */
import { bootstrapMedianCi, type BootstrapOptions } from "./bootstrap.ts";
import { MIN_EFFECT_FLOOR } from "./min-effect.ts";
import { median, requireSamples } from "./summary.ts";
import { type CompareOptions, compareSamples, type Outcome, type Verdict } from "./verdict.ts";

/** Runs (per arm) before the first decision (DESIGN: "start at 10"). */
export const INITIAL_RUNS = 10;
/** Most runs per arm; beyond it the answer is what it is. */
export const MAX_RUNS = 60;
/**
 * The cap on rounds (runs per arm) of an A/B comparison that is still "unknown". Measured with
 * bench/verdicts on this project's 2-core machines (paired verdicts, 2% floor, load about 1): a
 * real 5% gain was kept 34/40 times with a cap of 60 (6 ended "unknown" at the cap) and 40/40 with
 * 100, at a median of 20 runs per arm either way; no A/A false positive in either.
 */
export const MAX_AB_RUNS = 100;
/** Smallest batch worth starting: fewer runs would hardly move an interval. */
export const MIN_EXTRA_RUNS = 5;
/**
 * With `confirmChanges`, the confirming batch as a share of the rounds so far (at least
 * MIN_EXTRA_RUNS). Half, not as many again: under a steady CPU hog (150 + 150 trials) a full
 * batch doubled the runs of every real gain (median 20 -> 40) and no A/A change was seen to stop.
 */
export const CONFIRMING_BATCH_SHARE = 0.5;

export type PlanAction = "enough" | "more" | "cap";

export interface RunPlan {
  action: PlanAction;
  /** Runs to add (per arm for A/B); 0 unless action is "more". */
  runs: number;
  n: number;
  reason: string;
}

export interface SamplePlan extends RunPlan {
  /** (hi - lo) / median of the bootstrap interval of the median; null before the first decision. */
  relative_width: number | null;
}

/** A change the verdict found at `n` rounds per arm, awaiting its confirming batch. */
export interface ProvisionalChange {
  outcome: Extract<Outcome, "faster" | "slower">;
  n: number;
}

export interface AbPlan extends RunPlan {
  /** The verdict on the runs so far; null before the first decision. */
  verdict: Verdict | null;
  /** Set when this plan's batch is the one that must confirm a change; pass it to the next call. */
  provisional: ProvisionalChange | null;
  /** The confirming batch's own median ratio (B/A) when this plan judged one, else null. */
  confirming_ratio: number | null;
}

export interface AbPlanOptions extends PlanOptions, CompareOptions {
  /** Claim a change only after a confirming batch (see the module comment); default false. */
  confirmChanges?: boolean;
  /** With confirmChanges: the provisional change of the previous plan (its `provisional`), if any. */
  provisional?: ProvisionalChange | null;
}

export interface PlanOptions {
  initialRuns?: number;
  maxRuns?: number;
}

interface Limits {
  initial: number;
  cap: number;
}

function limits(options: PlanOptions): Limits {
  const initial = options.initialRuns ?? INITIAL_RUNS;
  const cap = options.maxRuns ?? MAX_RUNS;
  if (!Number.isInteger(initial) || initial < 1) {
    throw new RangeError(`initial runs must be a positive integer, got ${initial}`);
  }
  if (!Number.isInteger(cap) || cap < initial) {
    throw new RangeError(`the run cap must be an integer >= the initial runs (${initial}), got ${cap}`);
  }
  return { initial, cap };
}

/** The next batch: `wanted`, but at least MIN_EXTRA_RUNS, at most n (doubling) and at most up to the cap. */
function batch(n: number, wanted: number, cap: number): number {
  return Math.max(0, Math.min(Math.max(wanted, MIN_EXTRA_RUNS), n, cap - n));
}

export type SamplePlanOptions = PlanOptions & BootstrapOptions & { minEffect?: number };

/** Plans more runs of one target until its median is known to within the minimum effect. */
export function planSampleRuns(samples: readonly number[], options: SamplePlanOptions = {}): SamplePlan {
  const { initial, cap } = limits(options);
  const target = options.minEffect ?? MIN_EFFECT_FLOOR;
  if (!(target > 0 && target < 1)) throw new RangeError(`minEffect must be a fraction in (0, 1), got ${target}`);
  const n = samples.length;
  if (n < initial) {
    return { action: "more", runs: initial - n, n, relative_width: null, reason: `${n} of the first ${initial} runs taken` };
  }
  requireSamples(samples);
  const interval = bootstrapMedianCi(samples, options);
  const width = interval.hi - interval.lo;
  const relative = width === 0 ? 0 : width / Math.abs(interval.estimate);
  const plan = (action: PlanAction, runs: number, reason: string): SamplePlan => ({
    action,
    runs,
    n,
    relative_width: relative,
    reason: `the median's ${Math.round(interval.confidence * 100)}% interval spans ${(relative * 100).toFixed(1)}% of it, ${reason}`,
  });
  const goal = `the ${(target * 100).toFixed(1)}% minimum effect`;
  if (relative <= target) return plan("enough", 0, `within ${goal}`);
  if (n >= cap) return plan("cap", 0, `wider than ${goal}, at the cap of ${cap} runs`);
  const projected = Math.ceil(n * (relative / target) ** 2);
  const runs = batch(n, projected - n, cap);
  return plan("more", runs, `wider than ${goal}: ${runs} more runs`);
}

/** Plans more interleaved A/B runs while the verdict is unknown (or, with confirmChanges, a change is not yet confirmed). */
export function planAbRuns(a: readonly number[], b: readonly number[], options: AbPlanOptions = {}): AbPlan {
  const { initial, cap } = limits(options);
  const n = Math.min(a.length, b.length);
  const plan = (fields: Omit<AbPlan, "n" | "provisional" | "confirming_ratio"> & Partial<AbPlan>): AbPlan => ({
    n,
    provisional: null,
    confirming_ratio: null,
    ...fields,
  });
  if (n < initial) {
    return plan({ action: "more", runs: initial - n, verdict: null, reason: `${n} of the first ${initial} runs per arm taken` });
  }
  const verdict = compareSamples(a, b, options);
  if (verdict.outcome === "no_difference" || (verdict.outcome !== "unknown" && options.confirmChanges !== true)) {
    return plan({ action: "enough", runs: 0, verdict, reason: `decided: ${verdict.reason}` });
  }
  if (verdict.outcome === "unknown") {
    if (n >= cap) {
      return plan({ action: "cap", runs: 0, verdict, reason: `still unknown at the cap of ${cap} runs per arm: ${verdict.reason}` });
    }
    const runs = batch(n, n, cap);
    return plan({ action: "more", runs, verdict, reason: `${runs} more runs per arm: ${verdict.reason}` });
  }

  const outcome = verdict.outcome;
  const earlier = options.provisional ?? null;
  const confirming = earlier !== null && earlier.outcome === outcome && earlier.n < n ? batchRatio(a, b, earlier.n, n, options.paired === true) : null;
  const lower = verdict.better === "lower";
  const leansSame = confirming !== null && (outcome === "faster" ? (lower ? confirming < 1 : confirming > 1) : lower ? confirming > 1 : confirming < 1);
  const batchText = confirming === null ? "" : `the ${n - (earlier as ProvisionalChange).n} rounds since it was first seen have a median ratio of ${confirming.toFixed(3)} on their own`;
  if (leansSame) {
    return plan({
      action: "enough",
      runs: 0,
      verdict,
      confirming_ratio: confirming,
      reason: `decided and confirmed (${batchText}): ${verdict.reason}`,
    });
  }
  if (n >= cap && confirming === null) {
    return plan({ action: "enough", runs: 0, verdict, reason: `decided at the cap, with no room for a confirming batch: ${verdict.reason}` });
  }
  if (n >= cap) {
    // The last batch contradicts the change: it is not claimed.
    const reason = `not confirmed at the cap of ${cap} runs per arm: ${outcome} on all rounds, but ${batchText}; ${verdict.reason}`;
    return plan({ action: "cap", runs: 0, verdict: { ...verdict, outcome: "unknown", reason }, confirming_ratio: confirming, reason });
  }
  const runs = batch(n, Math.ceil(n * CONFIRMING_BATCH_SHARE), cap);
  const first = confirming === null ? `provisionally ${outcome}` : `still ${outcome} on all rounds, but ${batchText}`;
  return plan({
    action: "more",
    runs,
    verdict,
    provisional: { outcome, n },
    confirming_ratio: confirming,
    reason: `${first}; confirming with ${runs} more runs per arm: ${verdict.reason}`,
  });
}

/** The median ratio B/A of rounds [from, to): of the per-round ratios when paired, else of the medians. */
function batchRatio(a: readonly number[], b: readonly number[], from: number, to: number, paired: boolean): number {
  const sliceA = a.slice(from, to);
  const sliceB = b.slice(from, to);
  if (paired) return median(sliceA.map((value, i) => (sliceB[i] as number) / value));
  return median(sliceB) / median(sliceA);
}
