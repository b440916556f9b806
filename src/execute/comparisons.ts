/**
 * The executor's comparisons as the run report keeps them (docs/report-html.md): one per row of
 * the experiment log (experiment-log.ts), in order, with what the TSV leaves out: the set it was
 * measured against, the minimum effect, the p-value and the per-round ratios B/A of the judged
 * metric (ab-sampler.ts roundValue: below 1 is better), so that report.html can draw each
 * comparison's distribution. A comparison of many rounds keeps ROUND_RATIO_CAP of them, evenly
 * spread over the session, each rounded to RATIO_DIGITS significant digits: small enough for the
 * checkpoint and report.json. Pure.
 */
import * as v from "valibot";
import type { AbCompared } from "../profile/ab-sampler.ts";
import { roundValue } from "../profile/ab-sampler.ts";
import type { LogRow } from "./experiment-log.ts";

/** Per-round ratios kept per comparison (a comparison has at most --max-runs rounds; the pooled `final` one can have more). */
export const ROUND_RATIO_CAP = 200;
/** Significant digits of a kept ratio: 0.01% of resolution, far below any effect judged. */
const RATIO_DIGITS = 5;

const nullableNumber = v.nullable(v.number());

export const ComparisonSchema = v.object({
  phase: v.string(),
  /** The set measured (B). */
  hypotheses: v.array(v.string()),
  /** The set it was measured against (A): [] is the base. */
  against: v.array(v.string()),
  status: v.string(),
  ratio: nullableNumber,
  ratio_ci: v.nullable(v.tuple([v.number(), v.number()])),
  p_value: nullableNumber,
  /** The minimum effect the verdict used, a fraction (0.02 is 2%). */
  min_effect: nullableNumber,
  rounds: nullableNumber,
  /** The verdict in words, or why nothing was measured. */
  outcome: v.string(),
  e2e_status: v.string(),
  /** At most ROUND_RATIO_CAP per-round ratios B/A, in the order measured (thinned evenly when there were more). */
  round_ratios: v.array(v.number()),
});
export type Comparison = v.InferOutput<typeof ComparisonSchema>;

/** `count` indices spread evenly over 0..n-1 (all of them when n <= count), first and last included. */
export function evenIndices(n: number, count: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  if (count <= 1) return count === 1 ? [0] : [];
  return Array.from({ length: count }, (_, i) => Math.round((i * (n - 1)) / (count - 1)));
}

/** The per-round ratios B/A of the comparison's judged metric, at most `cap` of them. */
export function roundRatios(result: AbCompared, cap = ROUND_RATIO_CAP): number[] {
  const measured = (samples: AbCompared["samples_a"]) => samples.filter((sample) => !sample.warmup);
  const a = measured(result.samples_a);
  const b = measured(result.samples_b);
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const va = roundValue(a[i]!, result.metric);
    const vb = roundValue(b[i]!, result.metric);
    if (va === null || vb === null || !(va > 0) || !Number.isFinite(vb)) continue;
    ratios.push(Number((vb / va).toPrecision(RATIO_DIGITS)));
  }
  return evenIndices(ratios.length, cap).map((i) => ratios[i]!);
}

/** The set a row's comparison was measured against: what was kept before it for one on top (contested, rebased), else the base. */
function againstOf(row: Pick<LogRow, "phase" | "hypotheses">): string[] {
  return row.phase === "contested" || row.phase === "rebased" ? row.hypotheses.slice(0, -1) : [];
}

/** A log row with its comparison (null when nothing was measured) as the report keeps it. */
export function comparisonOf(row: LogRow, result: AbCompared | null): Comparison {
  return {
    phase: row.phase,
    hypotheses: [...row.hypotheses],
    against: result === null ? [] : againstOf(row),
    status: row.status,
    ratio: row.ratio,
    ratio_ci: row.ratio_ci ? [row.ratio_ci[0], row.ratio_ci[1]] : null,
    p_value: result?.verdict.p_value ?? null,
    min_effect: result?.min_effect ?? null,
    rounds: row.rounds,
    outcome: row.outcome,
    e2e_status: row.e2e_status,
    round_ratios: result ? roundRatios(result) : [],
  };
}
