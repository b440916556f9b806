/**
 * Wrong-tool indicators (contract §6 and §9 `wrong_tool_indicators`): signs that optimizing the
 * code is not the way to a gain. The Gate turns them into BLOCK. Each fires by one rule
 * (docs/profile-rules.md, "Wrong-tool indicators"):
 *
 *  - already_optimized: the person gave an absolute target and the baseline already meets it.
 *  - within_industry_norm: the operation's kind (given, or inferred: see `inferOperationKind`)
 *    has an entry in OPERATION_NORMS and the baseline is at or under its typical upper bound.
 *  - external_service_no_alternative: the classification is External and no local step (CPU or
 *    file work) holds LOCAL_STEP_MIN_PCT of the time.
 *  - infrastructure_bound: the CPU profile shows the person's code on the stack for less than
 *    INFRA_APP_MAX_PCT of the busy (non-idle) time while the runtime itself ((program), GC,
 *    runtime internals: start-up, module loading) holds at least INFRA_RUNTIME_MIN_PCT.
 */
import type { CpuProfileSummary } from "./cpu-profile-parse.ts";
import { exclusiveShare, flattenSteps, stepBottleneckType } from "./perf-map-steps.ts";
import type { Baseline, BottleneckClass, Step, TargetSpec } from "./types.ts";

export type WrongToolIndicator = "external_service_no_alternative" | "within_industry_norm" | "infrastructure_bound" | "already_optimized";

export interface WrongToolEvidence {
  indicator: WrongToolIndicator;
  reason: string;
}

/** A local step holding this share (%) of the time is something to change: no external_service_no_alternative. */
export const LOCAL_STEP_MIN_PCT = 10;
/** infrastructure_bound: the person's code is on the stack for less than this share of busy time (%)… */
export const INFRA_APP_MAX_PCT = 10;
/** …and the runtime itself holds at least this share of it (%). */
export const INFRA_RUNTIME_MIN_PCT = 60;

export type OperationKind = "process_spawn" | "js_runtime_startup" | "loopback_http_request";

export interface OperationNorm {
  /** The baseline metric compared; the first present is used. */
  metrics: readonly string[];
  /** Typical upper bound, in the metric's unit (ms). */
  upper: number;
  description: string;
  /** Where the number comes from. All rough: measured once on one machine, not a survey. */
  source: string;
}

/**
 * Typical costs per operation kind. Kept small and honest: each bound is a rough multiple of what
 * was measured while writing this table (15 runs each, medians, a 2-vCPU AMD EPYC VM, Nov 2026),
 * not an industry survey.
 */
export const OPERATION_NORMS: Record<OperationKind, OperationNorm> = {
  process_spawn: {
    metrics: ["wall_time_ms"],
    upper: 10,
    description: "starting and finishing a small native process",
    source: "rough: `sh -c true` median 0.8 ms measured on the development VM; 10 ms leaves room for a small native program",
  },
  js_runtime_startup: {
    metrics: ["wall_time_ms"],
    upper: 150,
    description: "starting a JS runtime and running a trivial script",
    source: "rough: `node -e 0` 62 ms (Node 20.20), `deno eval 0` 22 ms (Deno 2.9.6), `bun -e 0` 6.5 ms (Bun 1.4.5), medians on the development VM; the bound is about 2.5x the slowest",
  },
  loopback_http_request: {
    metrics: ["latency_p50_ms", "wall_time_ms"],
    upper: 1,
    description: "one request to a trivial HTTP handler over loopback",
    source: "rough: p50 0.15 ms (Bun.serve + fetch) and 0.30 ms (node:http + fetch) over 2,000 requests on the development VM",
  },
};

export interface IndicatorInput {
  target: TargetSpec;
  baseline: Baseline;
  steps: readonly Step[];
  classification: BottleneckClass;
  cpuProfile: CpuProfileSummary | null;
  targetMetric?: { metric: string; value: number; better?: "lower" | "higher" } | null;
  operationKind?: OperationKind | null;
}

/**
 * The operation kind when none was given: a loopback endpoint is `loopback_http_request`; a
 * command whose JS CPU profile shows the person's code on the stack for less than INFRA_APP_MAX_PCT
 * of the busy time is `js_runtime_startup` (not a Python profile: the norm is for JS runtimes); any other command is `process_spawn` (which only
 * matters when it finishes within that norm's few milliseconds).
 */
export function inferOperationKind(target: TargetSpec, profile: CpuProfileSummary | null): OperationKind | null {
  if (target.kind === "endpoint") {
    try {
      const host = new URL(target.url).hostname;
      return host === "localhost" || host === "127.0.0.1" || host === "[::1]" || host === "::1" ? "loopback_http_request" : null;
    } catch {
      return null;
    }
  }
  if (target.kind !== "command") return null;
  const jsProfile = profile && profile.profiler !== "cprofile";
  if (jsProfile && appShareOfBusy(profile) !== null && (appShareOfBusy(profile) as number) < INFRA_APP_MAX_PCT) return "js_runtime_startup";
  return "process_spawn";
}

/** % of the non-idle profile time with the person's code on the stack; null for an empty profile. */
function appShareOfBusy(profile: CpuProfileSummary): number | null {
  const busy = profile.duration_ms - profile.self_ms_by_category.idle;
  return busy > 0 ? (profile.app_inclusive_ms / busy) * 100 : null;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

export function wrongToolIndicators(input: IndicatorInput): WrongToolEvidence[] {
  const found: WrongToolEvidence[] = [];
  const { baseline, targetMetric } = input;

  if (targetMetric) {
    const value = baseline[targetMetric.metric];
    const lowerIsBetter = (targetMetric.better ?? "lower") === "lower";
    if (typeof value === "number" && (lowerIsBetter ? value <= targetMetric.value : value >= targetMetric.value)) {
      found.push({
        indicator: "already_optimized",
        reason: `the baseline ${targetMetric.metric} ${shown(value)} already meets the target ${lowerIsBetter ? "<=" : ">="} ${targetMetric.value}`,
      });
    }
  }

  const kind = input.operationKind ?? inferOperationKind(input.target, input.cpuProfile);
  if (kind) {
    const norm = OPERATION_NORMS[kind];
    const metric = norm.metrics.find((name) => typeof baseline[name] === "number");
    const value = metric ? (baseline[metric] as number) : null;
    if (metric && value !== null && value <= norm.upper) {
      found.push({
        indicator: "within_industry_norm",
        reason: `${metric} ${shown(value)} is within the typical ${norm.upper} for ${norm.description} (${norm.source})`,
      });
    }
  }

  if (input.classification === "External") {
    const local = flattenSteps(input.steps).filter((step) => {
      const type = stepBottleneckType(step);
      return (type === "CPU" || type === "I/O-File") && step.type !== "external" && exclusiveShare(step) >= LOCAL_STEP_MIN_PCT;
    });
    if (local.length === 0) {
      found.push({
        indicator: "external_service_no_alternative",
        reason: `the time is spent outside the process tree and no local step holds ${LOCAL_STEP_MIN_PCT}% of it`,
      });
    }
  }

  const profile = input.cpuProfile;
  if (profile) {
    const busy = profile.duration_ms - profile.self_ms_by_category.idle;
    const app = appShareOfBusy(profile);
    const byCategory = profile.self_ms_by_category;
    const runtime = busy > 0 ? ((byCategory.runtime + byCategory.program + byCategory.gc) / busy) * 100 : 0;
    if (app !== null && app < INFRA_APP_MAX_PCT && runtime >= INFRA_RUNTIME_MIN_PCT) {
      found.push({
        indicator: "infrastructure_bound",
        reason: `the project's code is on the stack for ${round(app)}% of the busy time while the runtime (start-up, module loading, (program), GC) holds ${round(runtime)}%`,
      });
    }
  }
  return found;
}

/** A measured value in a reason: 4 significant digits, no float noise (0.7768630000000201 -> 0.7769). */
function shown(value: number): string {
  return String(Number(value.toPrecision(4)));
}
