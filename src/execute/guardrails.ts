/**
 * Guardrails (docs/run.md, "Guardrails"): a change kept for its wall time must not pay for it in
 * another metric. Each comparison already judges peak memory (and CPU time) with the same paired
 * statistics on the same rounds (ab-sampler.ts `guardrails`); a set whose wall time is faster but
 * whose peak memory is significantly worse beyond the minimum effect (the whole 95% interval of the
 * paired ratio above 1 + e, p < alpha) is not kept, with that reason, unless the person allowed it
 * (`--allow-regression memory`). What was judged, breach or not, is kept for the report.
 */
import * as v from "valibot";
import { UsageError } from "../errors.ts";
import type { Verdict } from "../measure/index.ts";
import type { AbCompared } from "../profile/ab-sampler.ts";

/** The metrics a person may let regress, by the name the flag takes. */
export const REGRESSION_NAMES = ["memory"] as const;
export type RegressionName = (typeof REGRESSION_NAMES)[number];

export const GuardrailRecordSchema = v.object({
  hypotheses: v.array(v.string()),
  against: v.array(v.string()),
  metric: v.string(),
  ratio: v.number(),
  ratio_ci: v.tuple([v.number(), v.number()]),
  p_value: v.number(),
  /** "regressed": significantly worse beyond the minimum effect; else "held". */
  verdict: v.picklist(["held", "regressed"]),
  /** A regression the person allowed with --allow-regression: the change was kept anyway. */
  allowed: v.boolean(),
});
export type GuardrailRecord = v.InferOutput<typeof GuardrailRecordSchema>;

/** `--allow-regression` values, as typed: each must name a guardrail. */
export function parseAllowRegression(values: readonly string[]): RegressionName[] {
  const names = new Set<RegressionName>();
  for (const value of values) {
    const name = value.trim().toLowerCase();
    if (!(REGRESSION_NAMES as readonly string[]).includes(name)) {
      throw new UsageError(`--allow-regression ${JSON.stringify(value)} names no guardrail`, `use --allow-regression ${REGRESSION_NAMES.join(" or ")}`);
    }
    names.add(name as RegressionName);
  }
  return [...names];
}

const regressed = (v: Verdict, minEffect: number) => v.outcome === "slower" && v.ratio_ci[0] > 1 + minEffect;

/**
 * The guardrails of one comparison of `bIds` against `aIds` whose wall time was faster: their
 * records, and the breach that removes the set (null when none, or when it was allowed).
 */
export function judgeGuardrails(result: AbCompared, aIds: readonly string[], bIds: readonly string[], allow: readonly RegressionName[]): { records: GuardrailRecord[]; breach: string | null } {
  const memory = result.guardrails.memory_peak_mb;
  if (!memory) return { records: [], breach: null };
  const worse = regressed(memory, result.min_effect);
  const allowed = worse && allow.includes("memory");
  const record: GuardrailRecord = { hypotheses: [...bIds], against: [...aIds], metric: "memory_peak_mb", ratio: memory.ratio, ratio_ci: [...memory.ratio_ci], p_value: memory.p_value, verdict: worse ? "regressed" : "held", allowed };
  const what = `peak memory ${memory.ratio.toFixed(2)}x ${aIds.length ? aIds.join(", ") : "the base"}'s (95% CI ${memory.ratio_ci[0].toFixed(2)}-${memory.ratio_ci[1].toFixed(2)}, p ${memory.p_value < 0.0001 ? "< 0.0001" : `= ${memory.p_value.toPrecision(2)}`})`;
  const breach = worse && !allowed ? `the memory guardrail: ${what}, beyond the ${Number((result.min_effect * 100).toFixed(1))}% minimum effect (--allow-regression memory keeps such a change)` : null;
  return { records: [record], breach };
}

/** One line of the report per guardrail that was judged on a kept or removed set. */
export function describeGuardrail(g: GuardrailRecord): string {
  const on = `${g.hypotheses.join(", ")} against ${g.against.length ? g.against.join(", ") : "the base"}`;
  const verdict = g.verdict === "held" ? "held" : g.allowed ? "regressed, allowed by --allow-regression memory" : "regressed: removed";
  return `peak memory ${verdict}: ${on}, ratio ${g.ratio.toFixed(3)} (95% CI ${g.ratio_ci[0].toFixed(3)}-${g.ratio_ci[1].toFixed(3)})`;
}
