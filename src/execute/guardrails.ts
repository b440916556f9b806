/**
 * Guardrails (docs/run.md, "Guardrails"): a change kept for the metric its verdict judges must not
 * pay for it in another metric. Each comparison already judges peak memory, CPU time and wall time
 * with the same paired statistics on the same rounds (ab-sampler.ts `guardrails`); a set that is
 * better on the judged metric but whose guarded metric is significantly worse beyond the minimum
 * effect (the whole 95% interval of the paired ratio above 1 + e, p < alpha) is not kept, with
 * that reason, unless the person allowed it (`--allow-regression memory`, `--allow-regression
 * wall`). Wall time, the usual judged metric, guards peak memory; a target on peak memory is
 * guarded by wall time, one on CPU time by wall time and peak memory. An endpoint's median, p95
 * or throughput is guarded by its p99 latency and its error rate (`--allow-regression p99`,
 * `errors`), its p99 by its error rate; the error rate is judged as a count (errorGuardrail).
 * What was judged, breach or not, is kept for the report.
 */
import * as v from "valibot";
import { UsageError } from "../errors.ts";
import { compareRates, type RateComparison, type Verdict } from "../measure/index.ts";
import type { AbCompared } from "../profile/ab-sampler.ts";
import { metricLabel } from "../model/metrics.ts";

/** The metrics a person may let regress, by the name the flag takes. */
export const REGRESSION_NAMES = ["memory", "wall", "p99", "errors"] as const;
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
  /** The error guardrail: failed requests of all sent, each side (the ratio is of the two rates). */
  errors: v.optional(v.object({ a: v.number(), of_a: v.number(), b: v.number(), of_b: v.number() })),
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

type Guarded = "memory_peak_mb" | "wall_time_ms" | "latency_p99_ms" | "error_count";
/** The name --allow-regression takes for each guarded metric, and the guardrail's name in a reason. */
const GUARDS: Record<Guarded, { name: RegressionName; guardrail: string }> = {
  memory_peak_mb: { name: "memory", guardrail: "the memory guardrail" },
  wall_time_ms: { name: "wall", guardrail: "the wall-time guardrail" },
  latency_p99_ms: { name: "p99", guardrail: "the p99 guardrail" },
  error_count: { name: "errors", guardrail: "the error guardrail" },
};
/** An endpoint's median, p95 or throughput is guarded by its p99 latency and its errors; its p99 by its errors. */
const ENDPOINT_GUARDS: readonly Guarded[] = ["latency_p99_ms", "error_count"];
/** The metrics that guard each judged metric (the module comment). */
const GUARDED_BY: Partial<Record<string, readonly Guarded[]>> = {
  wall_time_ms: ["memory_peak_mb"],
  memory_peak_mb: ["wall_time_ms"],
  cpu_time_ms: ["wall_time_ms", "memory_peak_mb"],
  latency_p50_ms: ENDPOINT_GUARDS,
  latency_p95_ms: ENDPOINT_GUARDS,
  throughput_rps: ENDPOINT_GUARDS,
  latency_p99_ms: ["error_count"],
};

const allowName = (metric: string) => GUARDS[metric as Guarded]?.name ?? metric;

/**
 * The guardrails of one comparison of `bIds` against `aIds` that was better on `judged` (its
 * verdict's metric): their records, and the first breach that removes the set (null when none, or
 * when each was allowed).
 */
export function judgeGuardrails(result: AbCompared, aIds: readonly string[], bIds: readonly string[], allow: readonly RegressionName[], judged: string = "wall_time_ms"): { records: GuardrailRecord[]; breach: string | null } {
  const records: GuardrailRecord[] = [];
  let breach: string | null = null;
  const base = aIds.length ? aIds.join(", ") : "the base";
  const p = (value: number) => (value < 0.0001 ? "< 0.0001" : `= ${value.toPrecision(2)}`);
  for (const metric of GUARDED_BY[judged] ?? []) {
    const { name, guardrail } = GUARDS[metric];
    if (metric === "error_count") {
      const errors = errorGuardrail(result);
      if (!errors) continue;
      const allowed = errors.worse && allow.includes(name);
      const { a, of_a, b, of_b } = errors.counts;
      records.push({ hypotheses: [...bIds], against: [...aIds], metric, ratio: errors.rates.ratio, ratio_ci: [...errors.rates.ratio_ci], p_value: errors.rates.p_value, verdict: errors.worse ? "regressed" : "held", allowed, errors: errors.counts });
      if (errors.worse && !allowed && breach === null) breach = `${guardrail}: ${b} of ${of_b} requests failed against ${a} of ${of_a} with ${base} (Fisher's exact test, p ${p(errors.rates.p_value)}; --allow-regression ${name} keeps such a change)`;
      continue;
    }
    const verdict = result.guardrails[metric];
    if (!verdict) continue;
    const worse = regressed(verdict, result.min_effect);
    const allowed = worse && allow.includes(name);
    records.push({ hypotheses: [...bIds], against: [...aIds], metric, ratio: verdict.ratio, ratio_ci: [...verdict.ratio_ci], p_value: verdict.p_value, verdict: worse ? "regressed" : "held", allowed });
    const what = `${metricLabel(metric)} ${verdict.ratio.toFixed(2)}x ${base}'s (95% CI ${verdict.ratio_ci[0].toFixed(2)}-${verdict.ratio_ci[1].toFixed(2)}, p ${p(verdict.p_value)})`;
    if (worse && !allowed && breach === null) breach = `${guardrail}: ${what}, beyond the ${Number((result.min_effect * 100).toFixed(1))}% minimum effect (--allow-regression ${name} keeps such a change)`;
  }
  return { records, breach };
}

/**
 * The error guardrail on the measured rounds: each side's failed requests of all it sent
 * (`values.error_count` and `values.request_count` per round), compared with Fisher's exact test
 * (measure/fisher.ts). Errors are few or none, so the paired ratio of the other guardrails has
 * nothing to work on; a change that makes requests fail significantly more often (p < alpha) is
 * a regression whatever the size. Null when a round does not count its requests.
 */
function errorGuardrail(result: AbCompared): { counts: { a: number; of_a: number; b: number; of_b: number }; rates: RateComparison; worse: boolean } | null {
  const total = (samples: AbCompared["samples_a"]) => {
    const measured = samples.filter((sample) => !sample.warmup).slice(0, result.rounds);
    let errors = 0;
    let requests = 0;
    for (const sample of measured) {
      const e = sample.values?.error_count;
      const n = sample.values?.request_count;
      if (e === undefined || n === undefined) return null;
      errors += e;
      requests += n;
    }
    return measured.length > 0 ? { errors, requests } : null;
  };
  const a = total(result.samples_a);
  const b = total(result.samples_b);
  if (!a || !b) return null;
  const rates = compareRates(a.errors, a.requests, b.errors, b.requests);
  const worse = b.errors / Math.max(1, b.requests) > a.errors / Math.max(1, a.requests) && rates.p_value < result.verdict.alpha;
  return { counts: { a: a.errors, of_a: a.requests, b: b.errors, of_b: b.requests }, rates, worse };
}

/** The warning for a kept set whose guardrail regressed with the person's leave: "H1 raised peak memory 3.14x (...); kept because of --allow-regression memory". */
export function allowedWarning(g: GuardrailRecord): string {
  if (g.errors) return `${g.hypotheses.join(", ")} made ${g.errors.b} of ${g.errors.of_b} requests fail (against ${g.errors.a} of ${g.errors.of_a}); kept because of --allow-regression ${allowName(g.metric)}`;
  return `${g.hypotheses.join(", ")} raised ${metricLabel(g.metric)} ${g.ratio.toFixed(2)}x (95% CI ${g.ratio_ci[0].toFixed(2)}-${g.ratio_ci[1].toFixed(2)}); kept because of --allow-regression ${allowName(g.metric)}`;
}

/** One line of the report per guardrail that was judged on a kept or removed set. */
export function describeGuardrail(g: GuardrailRecord): string {
  const on = `${g.hypotheses.join(", ")} against ${g.against.length ? g.against.join(", ") : "the base"}`;
  const verdict = g.verdict === "held" ? "held" : g.allowed ? `regressed, allowed by --allow-regression ${allowName(g.metric)}` : "regressed: removed";
  if (g.errors) return `${metricLabel(g.metric)} ${verdict}: ${on}, ${g.errors.b} of ${g.errors.of_b} requests failed against ${g.errors.a} of ${g.errors.of_a} (p ${g.p_value < 0.0001 ? "< 0.0001" : `= ${g.p_value.toPrecision(2)}`})`;
  return `${metricLabel(g.metric)} ${verdict}: ${on}, ratio ${g.ratio.toFixed(3)} (95% CI ${g.ratio_ci[0].toFixed(3)}-${g.ratio_ci[1].toFixed(3)})`;
}
