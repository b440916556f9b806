/**
 * The arithmetic of a run's outcome, pure: cumulative change over cycles, the target, the stop
 * rule of the cycle boundary and the final result (docs/run.md, "Cycles and stopping").
 *
 * Every cycle measures its result against its own base, interleaved in one session; cycles are
 * chained: after = before x the product of the per-cycle ratios of the cycles that kept a
 * change. For the metric the verdicts judge (wall time, or the target's CPU time or peak memory)
 * the ratio is the executor's verdict ratio (the median of the per-round ratios,
 * measure/verdict.ts); for the other metrics it is the ratio of the medians. When a run
 * kept changes in two cycles or more, aggregate measures the first base against the final commit
 * directly, and those numbers replace the chain.
 */
import { meets, type MetricSpec } from "../model/metric-spec.ts";
import { isHigherBetter } from "../model/metrics.ts";

export interface CycleChange {
  /** The executor's verdict ratio (result / base) on the judged metric; null when nothing was kept. */
  ratio: number | null;
  baseline: Record<string, number | null>;
  final: Record<string, number | null>;
  kept: boolean;
}

export interface MetricChange {
  metric: string;
  before: number | null;
  after: number | null;
  /** Positive means better (less time or memory). */
  improvement_pct: number | null;
  /** before / after: 2 means twice as fast. */
  multiplier: number | null;
}

export function change(metric: string, before: number | null, after: number | null): MetricChange {
  const known = before !== null && after !== null && before > 0 && after > 0;
  const higher = isHigherBetter(metric);
  return {
    metric,
    before,
    after,
    improvement_pct: known ? (higher ? (after - before) / before : (before - after) / before) * 100 : null,
    multiplier: known ? (higher ? after / before : before / after) : null,
  };
}

/** The product of the verdict ratios of the cycles that kept something (1 when none did). */
export function chainedRatio(cycles: readonly CycleChange[]): number {
  return cycles.filter((c) => c.kept && c.ratio !== null).reduce((product, c) => product * (c.ratio as number), 1);
}

/** Before (the first cycle's base) and after (chained) for every metric of the first baseline; `judged` takes the verdict ratios. */
export function chainedChanges(first: Record<string, number | null>, cycles: readonly CycleChange[], judged = "wall_time_ms"): MetricChange[] {
  return Object.keys(first).map((metric) => {
    const before = first[metric] ?? null;
    if (before === null) return change(metric, null, null);
    let after: number | null = before;
    for (const cycle of cycles) {
      if (!cycle.kept || after === null) continue;
      if (metric === judged && cycle.ratio !== null) {
        after *= cycle.ratio;
        continue;
      }
      const b = cycle.baseline[metric];
      const f = cycle.final[metric];
      if (b === null || b === undefined || f === null || f === undefined) after = null;
      // A metric at zero (no disk I/O) cannot be scaled: carry the absolute change.
      else after = b > 0 ? after * (f / b) : after + (f - b);
    }
    return change(metric, before, after);
  });
}

export interface TargetStatus {
  /** null when the target's metric was not measured before and after. */
  met: boolean | null;
  before: number | null;
  after: number | null;
  /** The value the target asks for, in the metric's unit. */
  wanted: number | null;
}

/** `figure`: where the changes hold the spec's metric, and the factor to its unit (model/metrics.ts targetFigureOf). */
export function targetStatus(spec: MetricSpec | null, changes: readonly MetricChange[], figure: (metric: string) => { key: string; scale: number } = (metric) => ({ key: metric, scale: 1 })): TargetStatus {
  if (!spec) return { met: null, before: null, after: null, wanted: null };
  const { key, scale } = figure(spec.metric);
  const row = changes.find((c) => c.metric === key);
  const before = row?.before === null || row?.before === undefined ? null : row.before * scale;
  const after = row?.after === null || row?.after === undefined ? null : row.after * scale;
  if (before === null || after === null) return { met: null, before, after, wanted: spec.kind === "absolute" ? spec.value : null };
  const wanted = spec.kind === "absolute" ? spec.value : before * spec.factor;
  return { met: meets(spec, after, before), before, after, wanted };
}

export type Stop = "TARGET_MET" | "PLATEAU" | "MAX_CYCLES" | "NO_HYPOTHESES" | "PLAN_ONLY";

export interface StopInput {
  mode: "execute" | "plan_only";
  cycle: number;
  maxCycles: number;
  plateauPct: number;
  /** This cycle's gain, percent (0 when it kept nothing). */
  cycleImprovementPct: number;
  targetMet: boolean | null;
  /** false when no source can offer a hypothesis not tried yet; null when that is not known (an agent). */
  moreHypotheses: boolean | null;
}

/** The cycle boundary's rule, first match: plan only, target met, plateau, max cycles, no more hypotheses; else go on. */
export function decideStop(input: StopInput): Stop | null {
  if (input.mode === "plan_only") return "PLAN_ONLY";
  if (input.targetMet === true) return "TARGET_MET";
  if (input.cycleImprovementPct < input.plateauPct) return "PLATEAU";
  if (input.cycle >= input.maxCycles) return "MAX_CYCLES";
  if (input.moreHypotheses === false) return "NO_HYPOTHESES";
  return null;
}

export type FinalResult = "TARGET_MET" | "IMPROVED" | "NO_IMPROVEMENT" | "DIAGNOSTIC" | "ALREADY_OPTIMIZED" | "PLAN_READY" | "PLAN_DECLINED";

/** What the run achieved, for `final_result` and the report's headline. */
export function finalResult(input: { stop: string; targetMet: boolean | null; anyKept: boolean; blockResult?: string | null; mode: "execute" | "plan_only" }): FinalResult {
  if (input.mode === "plan_only" && input.stop !== "WRONG_TOOL_BLOCK") return "PLAN_READY";
  if (input.stop === "PLAN_DECLINED" && !input.anyKept) return "PLAN_DECLINED";
  if (input.targetMet === true) return "TARGET_MET";
  if (input.stop === "WRONG_TOOL_BLOCK") {
    if (input.blockResult === "ALREADY_OPTIMIZED") return "ALREADY_OPTIMIZED";
    if (!input.anyKept) return "DIAGNOSTIC";
  }
  return input.anyKept ? "IMPROVED" : "NO_IMPROVEMENT";
}
