/**
 * The wrong-tool gate (phase 3): deterministic rules over the profile digest decide whether
 * optimizing the code is worth a cycle. Pure. Rules, first the blocking ones (docs/run.md, "The
 * gate"):
 *
 *   B1 BLOCK     a wrong-tool indicator of the profile fired (already_optimized,
 *                within_industry_norm, external_service_no_alternative, infrastructure_bound),
 *                each with its evidence
 *   B2 BLOCK     an absolute target the baseline already meets (already_optimized, checked here
 *                for every target form the person can give)
 *   B3 BLOCK     nothing usable was measured: an endpoint where no request succeeded, or no
 *                value of the main metric
 *   C1 CONCERNS  noisy: the 95% interval of the median is wider than NOISY_INTERVAL_PCT of it
 *   C2 CONCERNS  the adaptive run count hit its cap before the interval narrowed
 *   C3 CONCERNS  OUTLIER_SHARE_CONCERN or more of the runs are outliers
 *   C4 CONCERNS  the bottleneck could not be classified (Unknown)
 *   C5 CONCERNS  a JS/TS command whose CPU profile failed (no hot functions to go on)
 *   C6 CONCERNS  an endpoint answered some requests with errors
 *   PROCEED      none of the above
 *
 * WAIVED: a BLOCK the person overrode (`--waive-gate`, or the answer to the gate's question).
 * What a BLOCK means depends on the cycle: in cycle 1 the run ends as a diagnostic result; from
 * cycle 2 on a BLOCK for already_optimized or within_industry_norm is a successful stop (the
 * earlier cycles got it there), any other BLOCK ends the run with what was gained so far.
 */
import type { MetricSpec } from "../model/metric-spec.ts";
import { meets } from "../model/metric-spec.ts";
import type { ProfileDigest } from "../model/profile-digest.ts";
import { mainMetricOf, targetFigureOf } from "../model/metrics.ts";

/** C1: the interval of the median, hi - lo, wider than this share of the median (%). */
export const NOISY_INTERVAL_PCT = 10;
/** C3: this share of the runs flagged as outliers. */
export const OUTLIER_SHARE_CONCERN = 0.2;
/** Indicators that, from cycle 2 on, mean the earlier cycles reached a good place. */
export const SUCCESS_INDICATORS = ["already_optimized", "within_industry_norm"] as const;

export type GateVerdict = "PROCEED" | "CONCERNS" | "BLOCK" | "WAIVED";

export interface GateFinding {
  rule: string;
  level: "block" | "concern";
  message: string;
}

export interface GateDecision {
  /** What the rules say (PROCEED, CONCERNS or BLOCK). */
  computed: Exclude<GateVerdict, "WAIVED">;
  findings: GateFinding[];
  indicators: string[];
  /** For a BLOCK: the stop it means in this cycle. */
  block: { stop_reason: "WRONG_TOOL_BLOCK"; final_result: "DIAGNOSTIC" | "ALREADY_OPTIMIZED" | "STOPPED"; success: boolean } | null;
}

export interface GateInput {
  digest: ProfileDigest;
  cycle: number;
  /** The person's target metric (phase 1), if any. */
  target: MetricSpec | null;
}

export function evaluateGate(input: GateInput): GateDecision {
  const { digest, cycle, target } = input;
  const findings: GateFinding[] = [];
  const indicators = [...digest.wrong_tool_indicators];
  for (const evidence of digest.wrong_tool_evidence) {
    findings.push({ rule: "B1", level: "block", message: `${evidence.indicator}: ${evidence.reason}` });
  }
  const main = digest.metrics[mainMetricOf(digest.target_kind)] ?? null;
  if (target?.kind === "absolute" && !indicators.includes("already_optimized")) {
    const value = baselineValue(digest, target.metric);
    if (value !== null && meets(target, value, value)) {
      indicators.push("already_optimized");
      findings.push({ rule: "B2", level: "block", message: `already_optimized: the baseline ${round(value)} already meets the target ${target.text}` });
    }
  }
  if (digest.target_kind === "endpoint" && digest.endpoint_errors && main === null) {
    findings.push({ rule: "B3", level: "block", message: `no request succeeded (${digest.endpoint_errors} errors): there is nothing to optimize until the endpoint answers` });
  } else if (main === null) {
    findings.push({ rule: "B3", level: "block", message: "the main metric was not measured" });
  }
  if (main) {
    const width = main.median > 0 ? ((main.ci[1] - main.ci[0]) / main.median) * 100 : 0;
    if (width > NOISY_INTERVAL_PCT) {
      findings.push({ rule: "C1", level: "concern", message: `noisy: the 95% interval of the median is ${round(width)}% of it wide (over ${NOISY_INTERVAL_PCT}%); gains smaller than that are hard to prove` });
    }
    if (main.n > 0 && main.outliers / main.n >= OUTLIER_SHARE_CONCERN) {
      findings.push({ rule: "C3", level: "concern", message: `${main.outliers} of ${main.n} runs are outliers (${main.outlier_reasons.join("; ") || "far from the median"})` });
    }
  }
  if (digest.stopped_because === "cap") {
    findings.push({ rule: "C2", level: "concern", message: `the run count reached its cap (${digest.runs} runs) before the interval of the median narrowed` });
  }
  if (digest.classification === "Unknown") {
    findings.push({ rule: "C4", level: "concern", message: `the bottleneck could not be classified: ${digest.bottleneck_detail}` });
  }
  if (digest.cpu_profile.attempted && !digest.cpu_profile.ok) {
    findings.push({ rule: "C5", level: "concern", message: `no CPU profile: ${digest.cpu_profile.reason ?? "it failed"}` });
  }
  if (digest.target_kind === "endpoint" && main !== null && (digest.endpoint_errors ?? 0) > 0) {
    findings.push({ rule: "C6", level: "concern", message: `${digest.endpoint_errors} requests failed` });
  }
  const blocked = findings.some((f) => f.level === "block");
  const computed = blocked ? "BLOCK" : findings.length > 0 ? "CONCERNS" : "PROCEED";
  let block: GateDecision["block"] = null;
  if (blocked) {
    const success = cycle > 1 && indicators.some((i) => (SUCCESS_INDICATORS as readonly string[]).includes(i));
    block = { stop_reason: "WRONG_TOOL_BLOCK", final_result: cycle === 1 ? "DIAGNOSTIC" : success ? "ALREADY_OPTIMIZED" : "STOPPED", success };
  }
  return { computed, findings, indicators: [...new Set(indicators)], block };
}

/** The baseline value of a metric named like the metric parser names it. */
export function baselineValue(digest: ProfileDigest, metric: string): number | null {
  // A function's time target is its time per call (targetFigureOf).
  const { key, scale } = targetFigureOf(metric, digest.target_kind);
  const value = digest.baseline[key];
  return typeof value === "number" ? value * scale : null;
}

function round(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1);
}
