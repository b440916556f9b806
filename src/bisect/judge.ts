/**
 * How `perfloop bisect` judges its measurements (docs/bisect.md): pure functions from the rounds
 * of one interleaved session to a decision, or to "more rounds". Every comparison is the verdict
 * `perfloop compare` uses (src/measure/verdict.ts, paired): the median of the per-round ratios
 * with a bootstrap 95% interval, and the Wilcoxon signed-rank test on their logarithms.
 *
 * - The ends (judgeConfirm): bad against good. Confirmed when bad is significantly slower and
 *   the whole interval lies beyond 1 + threshold; refused when the interval excludes a slowdown
 *   of the threshold (bad is not slower), or when bad is significantly slower but the whole
 *   interval lies below 1 + threshold. At the cap, a significant slowdown whose median ratio is
 *   beyond the threshold is confirmed; anything else is refused.
 * - A probed commit X (judgeProbe), measured in rounds with both ends of its range, lo and hi:
 *   X is compared with the geometric midpoint of the ends in each round, sqrt(lo_i * hi_i). X is
 *   slow when it is significantly above it, fast when significantly below it: the bisection's
 *   question is "is X more like bad or more like good", and the midpoint answers it with one
 *   paired test whatever the size of the regression. A commit that sits near the midpoint and is
 *   significantly slower than lo and significantly faster than hi, each by at least
 *   MIN_EFFECT_FLOOR, is intermediate: part of the regression came before it and part after (a
 *   regression in several steps). Anything else is unknown: more rounds, and at the cap the
 *   commit is untestable (skipped, as `git bisect skip` does).
 * - A step (judgeStep): the first slow commit against its parent. Beyond the threshold when the
 *   whole interval is beyond 1 + threshold and the test is significant; within it when it is
 *   significantly slower but the whole interval is below 1 + threshold; not slower when the whole
 *   interval is at or below 1. At the cap the median ratio decides between beyond and within, and
 *   an unproven slowdown is "not slower".
 */
import { compareSamples, MIN_EFFECT_FLOOR, SIGNIFICANCE_LEVEL } from "../measure/index.ts";

/** B against A on paired rounds: the numbers a report shows. */
export interface Comparison {
  /** Median of the per-round ratios b_i / a_i. */
  ratio: number;
  /** Its bootstrap 95% interval. */
  ci: [number, number];
  /** Two-sided Wilcoxon signed-rank p on log(b_i / a_i). */
  p: number;
  /** Rounds. */
  n: number;
  /** Median wall time of each side, ms. */
  median_a: number;
  median_b: number;
}

/** The paired comparison of b against a (equal lengths, a > 0), as `perfloop compare` computes it. */
export function comparePaired(a: readonly number[], b: readonly number[], seed?: number): Comparison {
  const verdict = compareSamples(a, b, { paired: true, minEffect: 0, ...(seed === undefined ? {} : { seed }) });
  return { ratio: verdict.ratio, ci: [verdict.ratio_ci[0], verdict.ratio_ci[1]], p: verdict.p_value, n: verdict.n_a, median_a: verdict.median_a, median_b: verdict.median_b };
}

/** Significantly slower (b above a): p below alpha and the whole interval above `1 + margin`. */
export function provenSlower(c: Comparison, margin = 0): boolean {
  return c.p < SIGNIFICANCE_LEVEL && c.ci[0] > 1 + margin;
}

/** Significantly faster (b below a): p below alpha and the whole interval below `1 - margin`. */
export function provenFaster(c: Comparison, margin = 0): boolean {
  return c.p < SIGNIFICANCE_LEVEL && c.ci[1] < 1 - margin;
}

const pct = (fraction: number) => `${Number((fraction * 100).toFixed(1))}%`;

/** `ratio 4.98 (95% CI 4.90-5.05, p = 0.002, n = 10)` */
export function describeComparison(c: Comparison): string {
  return `ratio ${c.ratio.toFixed(3)} (95% CI ${c.ci[0].toFixed(3)}-${c.ci[1].toFixed(3)}, p = ${Number(c.p.toPrecision(2))}, n = ${c.n})`;
}

export type Judged<T> = { decided: false } | ({ decided: true } & T);

export type ConfirmOutcome = "confirmed" | "not_slower" | "below_threshold";

export interface ConfirmJudgement {
  outcome: ConfirmOutcome;
  /** Bad against good. */
  vs: Comparison;
  reason: string;
}

/** Bad against good, `threshold` a fraction; `atCap`: no more rounds will come. */
export function judgeConfirm(good: readonly number[], bad: readonly number[], threshold: number, atCap: boolean, seed?: number): Judged<ConfirmJudgement> {
  const vs = comparePaired(good, bad, seed);
  const evidence = describeComparison(vs);
  const limit = `the ${pct(threshold)} threshold`;
  if (provenSlower(vs, threshold)) return { decided: true, outcome: "confirmed", vs, reason: `bad is slower than good beyond ${limit}: ${evidence}` };
  if (provenSlower(vs) && vs.ci[1] < 1 + threshold) return { decided: true, outcome: "below_threshold", vs, reason: `bad is slower than good, but by less than ${limit}: ${evidence}` };
  if (vs.ci[1] < 1 + threshold && !provenSlower(vs)) return { decided: true, outcome: "not_slower", vs, reason: `bad is not slower than good by ${limit} or more: ${evidence}` };
  if (!atCap) return { decided: false };
  if (provenSlower(vs)) {
    return vs.ratio > 1 + threshold
      ? { decided: true, outcome: "confirmed", vs, reason: `bad is slower than good, by a median ratio beyond ${limit} at the cap: ${evidence}` }
      : { decided: true, outcome: "below_threshold", vs, reason: `bad is slower than good, but its median ratio is below ${limit} at the cap: ${evidence}` };
  }
  return { decided: true, outcome: "not_slower", vs, reason: `no slowdown of bad against good could be shown at the cap: ${evidence}` };
}

export type ProbeOutcome = "slow" | "fast" | "intermediate" | "untestable";

export interface ProbeJudgement {
  verdict: ProbeOutcome;
  /** X against the lo end (good side) and the hi end (bad side). */
  vs_lo: Comparison;
  vs_hi: Comparison;
  /** X against the geometric midpoint of the ends, round by round. */
  mid: Comparison;
  reason: string;
}

/** A probed commit `x` against the ends of its range, `lo` (the fast end) and `hi` (the slow end), round by round. */
export function judgeProbe(lo: readonly number[], x: readonly number[], hi: readonly number[], atCap: boolean, seed?: number): Judged<ProbeJudgement> {
  const midpoint = lo.map((value, i) => Math.sqrt(value * (hi[i] as number)));
  const mid = comparePaired(midpoint, x, seed);
  const vs_lo = comparePaired(lo, x, seed);
  const vs_hi = comparePaired(hi, x, seed);
  const evidence = `against the midpoint of the ends ${describeComparison(mid)}`;
  const base = { vs_lo, vs_hi, mid };
  if (provenSlower(mid)) return { decided: true, verdict: "slow", ...base, reason: `slow: nearer the bad end, ${evidence}` };
  if (provenFaster(mid)) return { decided: true, verdict: "fast", ...base, reason: `fast: nearer the good end, ${evidence}` };
  if (provenSlower(vs_lo, MIN_EFFECT_FLOOR) && provenFaster(vs_hi, MIN_EFFECT_FLOOR)) {
    return { decided: true, verdict: "intermediate", ...base, reason: `between the ends: slower than the good end (${describeComparison(vs_lo)}) and faster than the bad end (${describeComparison(vs_hi)})` };
  }
  if (!atCap) return { decided: false };
  return { decided: true, verdict: "untestable", ...base, reason: `undecided at the cap: ${evidence}` };
}

export type StepOutcome = "beyond" | "within" | "not_slower";

export interface StepJudgement {
  outcome: StepOutcome;
  /** The commit against its parent. */
  vs: Comparison;
  reason: string;
}

/** A commit (`child`) against its parent, round by round; `threshold` a fraction. */
export function judgeStep(parent: readonly number[], child: readonly number[], threshold: number, atCap: boolean, seed?: number): Judged<StepJudgement> {
  const vs = comparePaired(parent, child, seed);
  const evidence = describeComparison(vs);
  const limit = `the ${pct(threshold)} threshold`;
  if (provenSlower(vs, threshold)) return { decided: true, outcome: "beyond", vs, reason: `slower than its parent beyond ${limit}: ${evidence}` };
  if (provenSlower(vs) && vs.ci[1] < 1 + threshold) return { decided: true, outcome: "within", vs, reason: `slower than its parent, by less than ${limit}: ${evidence}` };
  if (vs.ci[1] <= 1) return { decided: true, outcome: "not_slower", vs, reason: `not slower than its parent: ${evidence}` };
  if (!atCap) return { decided: false };
  if (provenSlower(vs)) {
    return vs.ratio > 1 + threshold
      ? { decided: true, outcome: "beyond", vs, reason: `slower than its parent, by a median ratio beyond ${limit} at the cap: ${evidence}` }
      : { decided: true, outcome: "within", vs, reason: `slower than its parent, by a median ratio below ${limit} at the cap: ${evidence}` };
  }
  return { decided: true, outcome: "not_slower", vs, reason: `not shown slower than its parent at the cap: ${evidence}` };
}
