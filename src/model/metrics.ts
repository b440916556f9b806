/**
 * The metric vocabulary: every metric perfloop measures or reports, one record each, with its key
 * (as stored in checkpoints and JSON), its label for people, its unit, which way is better, how a
 * value prints, and the kinds of target that have it. The profile, the executor, the metric parser
 * and every report read it from here (docs/measurement.md, "The metrics"). Pure.
 * One key per metric: an endpoint's median latency is `latency_p50_ms` in its profile, its
 * checkpoints, its verdicts and its report alike; a function's time per call `time_per_call_ns`.
 */
import { formatValue } from "../ui/table.ts";

export const TARGET_KINDS = ["command", "function", "endpoint"] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];
export type Better = "lower" | "higher";
/** "MiB" is 1024 * 1024 bytes; "count" is a plain number (round trips, errors). */
export type MetricUnit = "ms" | "ns" | "MiB" | "bytes" | "req/s" | "count";

export interface Metric {
  key: string;
  label: string;
  unit: MetricUnit;
  better: Better;
  /** The kinds of target whose profile measures it. */
  kinds: readonly TargetKind[];
}

const COMMAND: readonly TargetKind[] = ["command"];
const FUNCTION: readonly TargetKind[] = ["function"];
const ENDPOINT: readonly TargetKind[] = ["endpoint"];

/** Every metric, in the order tables list them. */
export const METRICS: readonly Metric[] = [
  { key: "wall_time_ms", label: "wall time", unit: "ms", better: "lower", kinds: COMMAND },
  { key: "cpu_time_ms", label: "CPU time", unit: "ms", better: "lower", kinds: COMMAND },
  // Describes the host during the measurement, not the program: no report compares it.
  { key: "cpu_wait_ms", label: "waiting for a CPU", unit: "ms", better: "lower", kinds: COMMAND },
  { key: "memory_peak_mb", label: "peak memory", unit: "MiB", better: "lower", kinds: COMMAND },
  { key: "io_read_bytes", label: "disk read", unit: "bytes", better: "lower", kinds: COMMAND },
  { key: "io_write_bytes", label: "disk write", unit: "bytes", better: "lower", kinds: COMMAND },
  { key: "time_per_call_ns", label: "time per call", unit: "ns", better: "lower", kinds: FUNCTION },
  { key: "time_per_call_p99_ns", label: "p99 time per call", unit: "ns", better: "lower", kinds: FUNCTION },
  { key: "heap_bytes_per_call", label: "heap per call", unit: "bytes", better: "lower", kinds: FUNCTION },
  { key: "latency_p50_ms", label: "p50 latency", unit: "ms", better: "lower", kinds: ENDPOINT },
  { key: "latency_p95_ms", label: "p95 latency", unit: "ms", better: "lower", kinds: ENDPOINT },
  { key: "latency_p99_ms", label: "p99 latency", unit: "ms", better: "lower", kinds: ENDPOINT },
  { key: "throughput_rps", label: "throughput", unit: "req/s", better: "higher", kinds: ENDPOINT },
  { key: "http_round_trips", label: "HTTP round trips", unit: "count", better: "lower", kinds: ENDPOINT },
  { key: "error_count", label: "errors", unit: "count", better: "lower", kinds: ENDPOINT },
];

/** The metrics a --target or --observed names (the metric parser, metric-spec.ts). */
export const TARGET_METRICS = ["wall_time_ms", "cpu_time_ms", "memory_peak_mb", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms", "throughput_rps"] as const;
export type TargetMetric = (typeof TARGET_METRICS)[number];

const BY_KEY = new Map(METRICS.map((metric) => [metric.key, metric]));

/** The main metric per target kind: what a verdict, a gate and a run's headline are about. */
const MAIN: Record<TargetKind, string> = { command: "wall_time_ms", function: "time_per_call_ns", endpoint: "latency_p50_ms" };

/**
 * The metrics a command's verdicts may judge: wall time, or the person's --target metric when it
 * names CPU time or peak memory (docs/run.md, "Guardrails"); the others are guardrails then.
 */
export const VERDICT_METRICS = ["wall_time_ms", "cpu_time_ms", "memory_peak_mb"] as const;
export type VerdictMetric = (typeof VERDICT_METRICS)[number];

/** What a command's verdicts judge, from the metric its target names (none, or another: wall time). */
export function verdictMetricOf(target?: string | null): VerdictMetric {
  return (VERDICT_METRICS as readonly string[]).includes(target ?? "") ? (target as VerdictMetric) : "wall_time_ms";
}

/**
 * The metrics a run reports before and after for a kind of target, measured in every round of the
 * executor (src/execute/target-runners.ts): a function's time per call and heap, an endpoint's
 * latencies, throughput and errors; null: a command's, every metric its runs measure.
 */
const REPORTED: Record<TargetKind, readonly string[] | null> = {
  command: null,
  function: ["time_per_call_ns", "heap_bytes_per_call"],
  endpoint: ["latency_p50_ms", "latency_p95_ms", "latency_p99_ms", "throughput_rps", "error_count"],
};

export function reportedMetricsOf(kind: TargetKind): readonly string[] | null {
  return REPORTED[kind];
}

/** An endpoint's metrics a --target may name for its verdicts to judge (the others guard it). */
const ENDPOINT_JUDGED = ["latency_p50_ms", "latency_p95_ms", "latency_p99_ms", "throughput_rps"];

/**
 * What a run's verdicts judge (docs/run.md, "Which metric is optimized"): a command's follows its
 * target (verdictMetricOf), a function's is its time per call, an endpoint's the latency or
 * throughput its target names (default the median latency).
 */
export function judgedMetricOf(kind: TargetKind, target?: string | null): string {
  if (kind === "command") return verdictMetricOf(target);
  if (kind === "function") return "time_per_call_ns";
  return ENDPOINT_JUDGED.includes(target ?? "") ? (target as string) : "latency_p50_ms";
}

/** The main metric of a kind of target; a command's follows the metric its target names (verdictMetricOf). */
export function mainMetricOf(kind: TargetKind, target?: string | null): string {
  return kind === "command" ? verdictMetricOf(target) : MAIN[kind];
}

/**
 * The time of one execution of the target in a profile's baseline, in ms, whatever its kind: a
 * command's wall time, an endpoint's median latency, a function's time per call. What step shares
 * and the classification measure against.
 */
export function baselineTimeMs(baseline: Readonly<Record<string, number | null | undefined>>): number | null {
  const perCall = baseline.time_per_call_ns;
  return baseline.wall_time_ms ?? baseline.latency_p50_ms ?? (typeof perCall === "number" ? perCall / 1e6 : null);
}

export function isTargetKind(kind: string): kind is TargetKind {
  return (TARGET_KINDS as readonly string[]).includes(kind);
}

/** The metrics a kind of target has, in table order. */
export function metricsOf(kind: TargetKind): Metric[] {
  return METRICS.filter((metric) => metric.kinds.includes(kind));
}

/** A key's label: "CPU time"; a key outside the vocabulary reads with spaces for underscores. */
export function metricLabel(key: string): string {
  return BY_KEY.get(key)?.label ?? key.replaceAll("_", " ");
}

export function betterOf(key: string): Better {
  return BY_KEY.get(key)?.better ?? "lower";
}

export function isHigherBetter(key: string): boolean {
  return betterOf(key) === "higher";
}

/** The unit of a key; one outside the vocabulary is read from its suffix (_ms, _ns, _mb, _bytes, _rps). */
export function metricUnit(key: string): MetricUnit {
  const known = BY_KEY.get(key);
  if (known) return known.unit;
  if (key.endsWith("_ms")) return "ms";
  if (key.endsWith("_ns")) return "ns";
  if (key.endsWith("_mb")) return "MiB";
  if (key.endsWith("_bytes") || key.endsWith("_bytes_per_call")) return "bytes";
  if (key.endsWith("_rps")) return "req/s";
  return "count";
}

/** A value in its metric's unit for people: "12.3 ms", "1.50 MiB", "900 req/s"; "-" when unknown. */
export function formatMetricValue(key: string, value: number | null | undefined): string {
  if (value === null || value === undefined) return "-";
  const unit = metricUnit(key);
  return unit === "count" ? String(Number(value.toPrecision(4))) : formatValue(value, unit);
}

/** The words for a change that is better and one that is worse: "faster"/"slower", "fewer"/"more". */
export function directionWords(key: string): [better: string, worse: string] {
  if (isHigherBetter(key)) return ["higher", "lower"];
  const unit = metricUnit(key);
  if (unit === "ms" || unit === "ns" || key.includes("time") || key.includes("latency")) return ["faster", "slower"];
  const counted = BY_KEY.has(key) ? unit === "count" : key.endsWith("_count") || key.endsWith("_trips");
  return counted ? ["fewer", "more"] : ["smaller", "larger"];
}

/**
 * Where a run's before/after figures hold the metric a --target names (outcome.ts targetStatus),
 * and the factor from that figure to the target's unit: a function's time target (`2ms`) is its
 * time per call, reported in ns. Every other metric is reported under its own key.
 */
export function targetFigureOf(metric: string, kind: TargetKind): { key: string; scale: number } {
  return kind === "function" && metric === "wall_time_ms" ? { key: "time_per_call_ns", scale: 1e-6 } : { key: metric, scale: 1 };
}
