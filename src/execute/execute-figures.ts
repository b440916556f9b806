/**
 * The executor's figures: the per-metric table of the kept set against the base (one figure per
 * change, docs/measurement.md) and where the execution's time went (docs/run.md, "Where the time
 * goes"). Pure, from the measurement and the counters.
 */
import type { AbCompared } from "../profile/ab-sampler.ts";
import type { Rounds } from "./rounds.ts";
import type { Workspace } from "./workspace.ts";
import { isHigherBetter, metricsOf } from "../model/metrics.ts";

export interface MetricRow {
  metric: string;
  baseline: number | null;
  final: number | null;
  /** Positive means better (less time or memory, more throughput). */
  improvement_pct: number | null;
  /** baseline / final: 2 means twice as fast. */
  multiplier: number | null;
}

export interface ExecuteTime {
  total_ms: number;
  /** The base's tests, e2e check and one run of the target. */
  baseline_ms: number;
  /** The candidates' tests and e2e checks, and how many ran; a tree tested before is not tested again (cached). */
  tests_ms: number;
  test_runs: number;
  tests_cached: number;
  /** The interleaved comparisons (warm-ups included), and their runs. */
  measured_ms: number;
  measured_runs: number;
  /** Writing the side trees (materializing, --setup, switching between hypothesis sets). */
  side_trees_ms: number;
  /** Everything else: applying hypotheses, git, statistics, the log. */
  other_ms: number;
}

/** The metrics of the per-metric table first, in the vocabulary's order; any other measured metric follows. */
const ORDER = metricsOf("command").map((metric) => metric.key);
/**
 * The per-metric table of the kept set against the base. The metric the verdict judges (`judged`:
 * wall time, or the target's CPU time or peak memory) reads the verdict's paired ratio (docs/measurement.md, "One figure per change"): its change and
 * multiplier are that ratio's, and `final` is the base's median times it, so that every place that
 * shows the gain shows the same number. The other metrics are the ratio of the two sides' medians.
 * `only`: the metrics the target kind reports (a function's round process has a wall time too, but
 * the person's figure is its time per call).
 */
export function metricRows(result: AbCompared, judged: string = result.metric, only: readonly string[] | null = null): MetricRow[] {
  const measured = [...Object.keys(result.metrics_a), ...Object.keys(result.metrics_b)].filter((metric) => only === null || metric === judged || only.includes(metric));
  const order = only === null ? ORDER : [judged, ...only];
  const names = [...new Set([...order.filter((m) => m === judged || measured.includes(m)), ...measured])];
  return names.map((metric) => {
    const baseline = result.metrics_a[metric]?.median ?? null;
    const higher = isHigherBetter(metric);
    // The verdict's ratio is of values where lower is better (ab-sampler.ts roundValue): a throughput's is of its reciprocal.
    const ratio = metric === judged ? result.verdict.ratio : null;
    const final = ratio !== null && baseline !== null ? (higher ? baseline / ratio : baseline * ratio) : (result.metrics_b[metric]?.median ?? null);
    const known = baseline !== null && final !== null && baseline > 0 && final > 0;
    return {
      metric,
      baseline,
      final,
      improvement_pct: known ? ((higher ? final - baseline : baseline - final) / baseline) * 100 : null,
      multiplier: known ? (higher ? final / baseline : baseline / final) : null,
    };
  });
}

export function timeOf(totalMs: number, baselineMs: number, rounds: Rounds, workspace: Workspace): ExecuteTime {
  const t = rounds.time;
  const known = baselineMs + t.testMs + t.measuredMs + workspace.sideTreesMs;
  const ms = (value: number) => Math.round(value);
  return {
    total_ms: ms(totalMs),
    baseline_ms: ms(baselineMs),
    tests_ms: ms(t.testMs),
    test_runs: t.testRuns,
    tests_cached: t.testsCached,
    measured_ms: ms(t.measuredMs),
    measured_runs: t.measuredRuns,
    side_trees_ms: ms(workspace.sideTreesMs),
    other_ms: ms(Math.max(0, totalMs - known)),
  };
}
