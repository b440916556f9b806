/**
 * The performance map: the ln-811 `profile_result` payload (contract §9) built from what the
 * profile worker measured. Pure: data in, data out; every rule deterministic, named and
 * documented in docs/profile-rules.md.
 *
 *  - steps (perf-map-steps.ts): step markers when the program printed any, else the CPU
 *    profile's top functions by self time; each with `time_share_pct` of the wall time.
 *  - bottleneck_classification + bottleneck_detail (perf-map-classify.ts): rules R0-R8, on the
 *    CPU ratio net of the time spent waiting for a CPU (perf-map-cpu-wait.ts).
 *  - top_bottlenecks: the 3 steps with the largest exclusive share (ties: lower id first), each
 *    with its step's bottleneck kind and a description.
 *  - suspicion_stack (suspicions.ts, `suspicionsFromSource`, run by the caller, which reads
 *    files) and optimization_hints: one hint per CONFIRMED suspicion, in stack order.
 *  - wrong_tool_indicators (perf-map-indicators.ts), with `wrong_tool_evidence` giving the
 *    reason for each (an extension of §9, for the Gate's message).
 *  - e2e_test and instrumented_files are passed through.
 */
import type { CpuProfileSummary } from "./cpu-profile-parse.ts";
import { classify, type ClassificationEvidence, type ClassificationRule } from "./perf-map-classify.ts";
import { type OperationKind, type WrongToolEvidence, type WrongToolIndicator, wrongToolIndicators } from "./perf-map-indicators.ts";
import { exclusiveShare, flattenSteps, stepBottleneckType, stepsFromMarkers, stepsFromProfile } from "./perf-map-steps.ts";
import type { CpuWaitSource } from "./perf-map-cpu-wait.ts";
import type { Suspicion } from "./suspicions.ts";
import type { Baseline, BottleneckClass, Step, TargetSpec } from "./types.ts";

export { type Suspicion, type SuspicionCategory, type SuspicionOptions, suspicionsFromSource } from "./suspicions.ts";
export { classify, type Classification, type ClassificationRule } from "./perf-map-classify.ts";
export { inferOperationKind, OPERATION_NORMS, type OperationKind, type OperationNorm, type WrongToolEvidence, type WrongToolIndicator } from "./perf-map-indicators.ts";

/** How many top bottlenecks the map lists (contract §9: top 3). */
export const TOP_BOTTLENECKS = 3;

export type E2eSource = "user" | "route" | "function" | "module" | "none";

export interface PerfMapInput {
  target: TargetSpec;
  /** For a command, `cpu_wait_ms` too (perf-map-cpu-wait.ts: null when not measured). */
  baseline: Baseline;
  /** Where `baseline.cpu_wait_ms` came from. */
  cpuWaitSource?: CpuWaitSource | null;
  /** Steps from step markers (medians across runs), flat with `parent` or nested with `children`. */
  markerSteps?: readonly Step[];
  cpuProfile?: CpuProfileSummary | null;
  /** From `suspicionsFromSource`. */
  suspicions?: readonly Suspicion[];
  /** The person's absolute target, for `already_optimized`. */
  targetMetric?: { metric: string; value: number; better?: "lower" | "higher" } | null;
  /** For `within_industry_norm`; inferred when absent. */
  operationKind?: OperationKind | null;
  testCommand: string | null;
  e2eTest?: { command: string | null; source: E2eSource };
  instrumentedFiles?: readonly string[];
}

export interface TopBottleneck {
  /** The step's id. */
  step: string;
  type: BottleneckClass;
  /** Exclusive share of the wall time, %. */
  share: number;
  description: string;
}

export interface PerformanceMap {
  test_command: string | null;
  baseline: Baseline;
  steps: Step[];
  bottleneck_classification: BottleneckClass;
  bottleneck_detail: string;
  top_bottlenecks: Omit<TopBottleneck, "description">[];
}

export interface ProfileResult {
  performance_map: PerformanceMap;
  bottleneck_classification: BottleneckClass;
  bottleneck_detail: string;
  top_bottlenecks: TopBottleneck[];
  optimization_hints: string[];
  suspicion_stack: Suspicion[];
  e2e_test: { command: string | null; source: E2eSource };
  instrumented_files: string[];
  wrong_tool_indicators: WrongToolIndicator[];
  /** Extension of §9: why each indicator fired. */
  wrong_tool_evidence: WrongToolEvidence[];
  /** Extension of §9: the classification rule that fired and the numbers it used. */
  classification_rule: ClassificationRule;
  classification_evidence: ClassificationEvidence;
}

export function buildPerformanceMap(input: PerfMapInput): ProfileResult {
  const profile = input.cpuProfile ?? null;
  const steps = input.markerSteps && input.markerSteps.length > 0
    ? stepsFromMarkers(input.markerSteps, input.baseline)
    : profile
      ? stepsFromProfile(profile, input.baseline)
      : [];
  const classification = classify({ target: input.target, baseline: input.baseline, steps, cpuProfile: profile, cpuWaitSource: input.cpuWaitSource ?? null });
  const top = topBottlenecks(steps);
  const evidence = wrongToolIndicators({
    target: input.target,
    baseline: input.baseline,
    steps,
    classification: classification.classification,
    cpuProfile: profile,
    targetMetric: input.targetMetric,
    operationKind: input.operationKind,
  });
  const suspicions = [...(input.suspicions ?? [])];
  return {
    performance_map: {
      test_command: input.testCommand,
      baseline: input.baseline,
      steps,
      bottleneck_classification: classification.classification,
      bottleneck_detail: classification.detail,
      top_bottlenecks: top.map(({ step, type, share }) => ({ step, type, share })),
    },
    bottleneck_classification: classification.classification,
    bottleneck_detail: classification.detail,
    top_bottlenecks: top,
    optimization_hints: suspicions.filter((item) => item.verdict === "confirmed").map((item) => `${item.location} (${item.function}): ${item.advice}`),
    suspicion_stack: suspicions,
    e2e_test: input.e2eTest ?? { command: null, source: "none" },
    instrumented_files: [...(input.instrumentedFiles ?? [])],
    wrong_tool_indicators: evidence.map((item) => item.indicator),
    wrong_tool_evidence: evidence,
    classification_rule: classification.rule,
    classification_evidence: classification.evidence,
  };
}

/** The steps with the largest exclusive share, ties broken by id. */
export function topBottlenecks(steps: readonly Step[], count = TOP_BOTTLENECKS): TopBottleneck[] {
  return flattenSteps(steps)
    .map((step) => ({ step, share: exclusiveShare(step) }))
    .sort((a, b) => b.share - a.share || compareIds(a.step.id, b.step.id))
    .slice(0, count)
    .map(({ step, share }) => {
      const type = stepBottleneckType(step);
      const where = step.location ? ` at ${step.location}` : "";
      const calls = step.calls !== undefined ? `, ${step.calls} calls` : "";
      return {
        step: step.id,
        type,
        share,
        description: `${step.function}${where}: ${share}% of the wall time (${step.wall_time_ms} ms${calls}), ${describeType(type)}`,
      };
    });
}

function describeType(type: BottleneckClass): string {
  switch (type) {
    case "CPU":
      return "computation in the process";
    case "I/O-DB":
      return "database calls";
    case "I/O-Network":
      return "network calls";
    case "I/O-File":
      return "file-system calls";
    case "External":
      return "waiting outside the process";
    default:
      return type;
  }
}

/** "1.10" after "1.9": numeric per dotted part. */
function compareIds(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0 && !Number.isNaN(d)) return d;
  }
  return a.localeCompare(b);
}
