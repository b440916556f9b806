/**
 * The profile digest: what the coordinator keeps of a profile (phase 2) in the PROFILE checkpoint,
 * so that the gate, the context, the report and a resumed run read it from disk. The whole profile
 * stays in its summary envelope (`summary_path`); the digest is small enough to sit in every
 * history event that carries the state. Pure: a ProfileReport in, a digest out.
 */
import { hotEvidenceFrom } from "../research/rules/propose.ts";
import type { ProfileReport } from "../profile/profile.ts";
import type { MetricDigest, ProfileDigest } from "../model/profile-digest.ts";

/** Steps and hot functions kept in the digest (the summary has them all). */
export const DIGEST_STEPS = 10;
export const DIGEST_HOT_FUNCTIONS = 8;

/** Hot functions kept for the rules (the rules look at MAX_RULE_FUNCTIONS of them at most). */
export const DIGEST_HOT_CODE = 15;

/**
 * `subdir` is where the command runs inside the repository (`--cwd`): the profile names files
 * relative to it, the rules and patches relative to the repository root.
 */
export function digestProfile(report: ProfileReport, commit: string, subdir = ""): ProfileDigest {
  const result = report.result;
  const measurement = report.measurement;
  const metrics: Record<string, MetricDigest> = {};
  const keep = (name: string, summary: { median: number; ci: [number, number]; mad: number; min: number; max: number; n: number; unit: string; outliers: { reason?: string }[] }) => {
    metrics[name] = {
      median: summary.median,
      ci: [summary.ci[0], summary.ci[1]],
      mad: summary.mad,
      min: summary.min,
      max: summary.max,
      n: summary.n,
      unit: summary.unit,
      outliers: summary.outliers.length,
      outlier_reasons: [...new Set(summary.outliers.map((o) => String(o.reason ?? "")).filter(Boolean))].slice(0, 3),
    };
  };
  let runs: number | null = null;
  let stopped: string | null = null;
  let endpointErrors: number | null = null;
  if (measurement.kind === "command") {
    for (const [name, summary] of Object.entries(measurement.metrics)) keep(name, summary);
    runs = measurement.runs;
    stopped = measurement.plan.stopped_because;
  } else if (measurement.kind === "function") {
    keep("time_per_call_ns", measurement.time_per_call_ns);
  } else {
    if (measurement.latency_ms) keep("latency_p50_ms", measurement.latency_ms);
    endpointErrors = measurement.errors.total;
  }
  const cpu = report.cpu_profile;
  const hot = cpu?.ok ? cpu.profile.top_by_self.slice(0, DIGEST_HOT_FUNCTIONS) : [];
  return {
    commit,
    target_kind: report.target.kind,
    baseline: { ...result.performance_map.baseline },
    metrics,
    runs,
    stopped_because: stopped,
    classification: result.bottleneck_classification,
    bottleneck_detail: result.bottleneck_detail,
    classification_rule: String(result.classification_rule),
    top_bottlenecks: result.top_bottlenecks.map((b) => ({ ...b })),
    steps: flatSteps(result.performance_map.steps).slice(0, DIGEST_STEPS),
    hot_functions: hot.map((h) => ({ function: h.function || "(anonymous)", location: h.location, self_pct: h.self_pct, total_pct: h.total_pct })),
    hot_code: hotEvidenceFrom(cpu?.ok ? [...cpu.profile.top_by_self, ...cpu.profile.top_by_total] : [], subdir, DIGEST_HOT_CODE),
    suspicions: result.suspicion_stack.map((s) => ({ category: s.category, location: s.location, verdict: s.verdict, description: s.description, evidence: s.evidence, function: s.function })),
    optimization_hints: [...result.optimization_hints],
    wrong_tool_indicators: [...result.wrong_tool_indicators],
    wrong_tool_evidence: result.wrong_tool_evidence.map((e) => ({ indicator: e.indicator, reason: e.reason })),
    cpu_profile: cpu
      ? {
          attempted: cpu.ok || cpu.runtime !== null,
          ok: cpu.ok,
          reason: cpu.ok ? null : cpu.reason,
          runtime: cpu.runtime ?? null,
          categories: cpu.ok ? { duration_ms: cpu.profile.duration_ms, self_ms_by_category: { ...cpu.profile.self_ms_by_category } } : null,
        }
      : { attempted: false, ok: false, reason: null, runtime: null, categories: null },
    endpoint_errors: endpointErrors,
    warnings: [...report.warnings],
    summary_path: report.summary_path,
  };
}

type StepLike = { id: string; function: string; wall_time_ms: number; time_share_pct?: number; location?: string; children?: StepLike[] };

function flatSteps(steps: readonly StepLike[]): ProfileDigest["steps"] {
  const out: ProfileDigest["steps"] = [];
  const walk = (list: readonly StepLike[]) => {
    for (const step of list) {
      const item: ProfileDigest["steps"][number] = { id: step.id, function: step.function, wall_time_ms: step.wall_time_ms };
      if (step.time_share_pct !== undefined) item.time_share_pct = step.time_share_pct;
      if (step.location !== undefined) item.location = step.location;
      out.push(item);
      if (step.children) walk(step.children);
    }
  };
  walk(steps);
  return out;
}
