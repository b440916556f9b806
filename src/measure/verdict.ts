/**
 * The three-outcome verdict on a baseline A and a candidate B (DESIGN, "Deciding that a change
 * is real"). The effect is the ratio of medians, median(B) / median(A), with a percentile
 * bootstrap interval (bootstrap.ts); the test is the two-sided Mann-Whitney U (mann-whitney.ts),
 * Holm-adjusted when several candidates are judged in one round (holm.ts). With e the minimum
 * effect (min-effect.ts) and "lower is better" (durations, bytes):
 *
 *   faster         p < alpha and the whole interval is below 1 - e (keep);
 *   slower         p < alpha and the whole interval is above 1 + e;
 *   no_difference  otherwise, when the interval excludes a gain of e (lo > 1 - e): discard;
 *   unknown        anything else: the interval still admits a gain of e but does not prove it,
 *                  or the interval and the test disagree. More samples may decide it, up to a
 *                  cap (adaptive.ts), as Chromium's Pinpoint adds attempts to an UNKNOWN
 *                  comparison.
 *
 * For "higher is better" metrics (throughput) the inequalities mirror: faster is a whole
 * interval above 1 + e. Requiring both a significant test and an interval wholly beyond a
 * threshold is criterion.rs's rule (its "change within noise threshold" outcome); asv likewise
 * pairs Mann-Whitney U with a ratio threshold. Outliers are flagged on each arm and recorded,
 * never dropped.
 */
import { bootstrapMedianCi, bootstrapRatioCi, type BootstrapOptions } from "./bootstrap.ts";
import { wilcoxonSignedRank } from "./wilcoxon.ts";
import { holmAdjust } from "./holm.ts";
import { type MannWhitneyMethod, mannWhitneyU } from "./mann-whitney.ts";
import { MIN_EFFECT_FLOOR } from "./min-effect.ts";
import { findOutliers, type Outlier } from "./outliers.ts";
import { median } from "./summary.ts";

/** Significance level of the rank test (after Holm adjustment when several are judged). */
export const SIGNIFICANCE_LEVEL = 0.05;

export type Outcome = "faster" | "slower" | "no_difference" | "unknown";
/** Which direction of the metric is an improvement. */
export type Better = "lower" | "higher";

export interface CompareOptions extends BootstrapOptions {
  /** Minimum effect as a fraction (0.02 = 2%); use minimumEffect() to build it. Default MIN_EFFECT_FLOOR. */
  minEffect?: number;
  /** Significance level; default SIGNIFICANCE_LEVEL. */
  alpha?: number;
  /** Default "lower" (durations, memory). */
  better?: Better;
  /**
   * a[i] and b[i] were measured together (one interleaved round each): the effect is then the
   * median of the per-round ratios b[i]/a[i] with a bootstrap over rounds, and the test is the
   * Wilcoxon signed-rank test on log(b[i]/a[i]) (wilcoxon.ts). Drift shared by a round cancels.
   */
  paired?: boolean;
}

export interface Verdict {
  outcome: Outcome;
  /** median_b / median_a. */
  ratio: number;
  ratio_ci: [number, number];
  confidence: number;
  /** Bootstrap resamples and seed: the interval is reproducible from them. */
  resamples: number;
  seed: number;
  /** The p-value the decision used: Holm-adjusted in compareSeveral, else the raw one. */
  p_value: number;
  p_value_raw: number;
  alpha: number;
  test: MannWhitneyMethod;
  /** Which test decided: Mann-Whitney U on independent samples, or Wilcoxon signed-rank on rounds. */
  test_name: "mann-whitney" | "wilcoxon";
  paired: boolean;
  n_a: number;
  n_b: number;
  median_a: number;
  median_b: number;
  min_effect: number;
  better: Better;
  outliers_a: Outlier[];
  outliers_b: Outlier[];
  reason: string;
}

interface Settings {
  minEffect: number;
  alpha: number;
  better: Better;
}

function settings(options: CompareOptions): Settings {
  const minEffect = options.minEffect ?? MIN_EFFECT_FLOOR;
  const alpha = options.alpha ?? SIGNIFICANCE_LEVEL;
  if (!(minEffect >= 0 && minEffect < 1)) throw new RangeError(`minEffect must be a fraction in [0, 1), got ${minEffect}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  return { minEffect, alpha, better: options.better ?? "lower" };
}

const percent = (fraction: number): string => `${Number((fraction * 100).toFixed(1))}%`;

interface Decision {
  outcome: Outcome;
  reason: string;
}

interface Evidence {
  ratio: number;
  lo: number;
  hi: number;
  confidence: number;
  p: number;
  /** "p" or "Holm-adjusted p". */
  pName: string;
}

function decide(ev: Evidence, s: Settings): Decision {
  const { ratio, lo, hi, p } = ev;
  const e = s.minEffect;
  const lower = s.better === "lower";
  const significant = p < s.alpha;
  const wholeGain = lower ? hi < 1 - e : lo > 1 + e;
  // A loss needs no minimum effect to be named: an interval wholly on the worse side of 1 is slower.
  const wholeLoss = lower ? lo > 1 : hi < 1;
  const beyondLoss = lower ? lo > 1 + e : hi < 1 - e;
  const smallGain = lower ? hi < 1 : lo > 1;
  const excludesGain = lower ? lo > 1 - e : hi < 1 + e;
  const pText = `${ev.pName} = ${Number(p.toPrecision(2))}`;
  const ci = `${Math.round(ev.confidence * 100)}% CI ${lo.toFixed(3)}-${hi.toFixed(3)}`;
  const evidence = `median ratio ${ratio.toFixed(3)} (${ci}, ${pText})`;
  const minimum = `the ${percent(e)} minimum effect`;
  const change = percent(Math.abs(ratio - 1));
  if (significant && wholeGain) {
    return { outcome: "faster", reason: `the candidate is ${change} faster: ${evidence}, wholly beyond ${minimum}` };
  }
  if (significant && wholeLoss) {
    return { outcome: "slower", reason: `the candidate is ${change} slower: ${evidence}, ${beyondLoss ? `wholly beyond ${minimum}` : "the interval excludes no change"}` };
  }
  if (wholeLoss) {
    return { outcome: "no_difference", reason: `the candidate is ${change} slower by its interval, but the rank test is not significant at alpha ${s.alpha}: ${evidence}` };
  }
  if (excludesGain) {
    if (smallGain) return { outcome: "no_difference", reason: `the candidate is ${change} faster, less than ${minimum}: ${evidence}; the interval excludes a gain of ${percent(e)}` };
    return { outcome: "no_difference", reason: `no gain of ${percent(e)} or more: ${evidence}; the interval excludes it` };
  }
  if (wholeGain) {
    return {
      outcome: "unknown",
      reason:
        `inconclusive: ${evidence}; the interval is beyond ${minimum} ` +
        `but the rank test is not significant at alpha ${s.alpha}; more runs may decide`,
    };
  }
  return {
    outcome: "unknown",
    reason: `inconclusive: ${evidence}; the interval admits a gain of ${percent(e)} but does not prove one; more runs may decide`,
  };
}

/**
 * The outcome in words that never contradict the interval (docs/measurement.md): an interval
 * wholly below 1 is "faster" and wholly above 1 "slower" (for a time), whatever the minimum effect
 * decided; only an interval that holds 1 reads "no difference" or "unknown".
 */
export function describeOutcome(v: Pick<Verdict, "outcome" | "ratio_ci" | "better" | "min_effect">): string {
  if (v.outcome === "faster" || v.outcome === "slower") return v.outcome;
  const [lo, hi] = v.ratio_ci;
  const lower = v.better === "lower";
  if (lower ? lo > 1 : hi < 1) return "slower";
  if (lower ? hi < 1 : lo > 1) return `faster, ${v.outcome === "unknown" ? "not proven beyond" : "less than"} the ${percent(v.min_effect)} minimum effect`;
  return v.outcome === "unknown" ? "unknown" : "no difference";
}

function build(
  a: readonly number[],
  b: readonly number[],
  options: CompareOptions,
  rawP: number,
  usedP: number,
  test: MannWhitneyMethod,
  adjusted: boolean,
  paired = false,
): Verdict {
  const s = settings(options);
  const interval = paired ? bootstrapMedianCi(pairRatios(a, b), options) : bootstrapRatioCi(a, b, options);
  const { outcome, reason } = decide(
    {
      ratio: interval.estimate,
      lo: interval.lo,
      hi: interval.hi,
      confidence: interval.confidence,
      p: usedP,
      pName: adjusted ? "Holm-adjusted p" : "p",
    },
    s,
  );
  return {
    outcome,
    ratio: interval.estimate,
    ratio_ci: [interval.lo, interval.hi],
    confidence: interval.confidence,
    resamples: interval.resamples,
    seed: interval.seed,
    p_value: usedP,
    p_value_raw: rawP,
    alpha: s.alpha,
    test,
    test_name: paired ? "wilcoxon" : "mann-whitney",
    paired,
    n_a: a.length,
    n_b: b.length,
    median_a: median(a),
    median_b: median(b),
    min_effect: s.minEffect,
    better: s.better,
    outliers_a: findOutliers(a),
    outliers_b: findOutliers(b),
    reason,
  };
}

/** Verdict on candidate samples b against baseline samples a (both > 0 for the ratio). */
export function compareSamples(a: readonly number[], b: readonly number[], options: CompareOptions = {}): Verdict {
  settings(options);
  if (options.paired) {
    if (a.length !== b.length) throw new RangeError(`paired samples need equal lengths, got ${a.length} and ${b.length}`);
    const test = wilcoxonSignedRank(pairRatios(a, b).map(Math.log));
    return build(a, b, options, test.p_value, test.p_value, test.method, false, true);
  }
  const test = mannWhitneyU(a, b);
  return build(a, b, options, test.p_value, test.p_value, test.method, false);
}

/** b[i] / a[i] for each round. */
function pairRatios(a: readonly number[], b: readonly number[]): number[] {
  if (a.some((value) => value <= 0)) throw new RangeError("a ratio needs baseline samples > 0");
  return a.map((value, i) => (b[i] as number) / value);
}

/** Verdicts on several candidates against one baseline in one round, p-values Holm-adjusted. */
export function compareSeveral(
  baseline: readonly number[],
  candidates: readonly (readonly number[])[],
  options: CompareOptions = {},
): Verdict[] {
  settings(options);
  const tests = candidates.map((candidate) => mannWhitneyU(baseline, candidate));
  const adjusted = holmAdjust(tests.map((test) => test.p_value));
  return candidates.map((candidate, index) => {
    const test = tests[index] as (typeof tests)[number];
    return build(baseline, candidate, options, test.p_value, adjusted[index] as number, test.method, true);
  });
}
