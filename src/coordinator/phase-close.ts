/**
 * Phases 9 and 10: the cycle boundary (the cycle's record, the stop rule) and the aggregate
 * (cumulative change; a direct base-vs-final comparison when several cycles kept changes).
 */
import { existsSync } from "node:fs";
import * as v from "valibot";
import { CancelledError, PerfloopError } from "../errors.ts";
import { compareArms, judgedBy, type CompareCommandsResult } from "../profile/ab-sampler.ts";
import { commandRunner, type TargetRunner } from "../execute/target-runners.ts";
import { targetRunnerOf } from "./target-runner.ts";
import { comparisonProgress } from "../profile/ab-progress.ts";
import { loadHypotheses } from "../research/hypotheses.ts";
import type { Run } from "../runtime/store.ts";
import type { CycleRecord } from "../model/cycle-record.ts";
import { reportedMetricsOf, targetFigureOf, type TargetKind } from "../model/metrics.ts";
import { completedCycles, cycleBase, hasProfile, payloadOf, profileDigestOf, readStored, type LoopContext } from "./loop-context.ts";
import { feasibilityOf, verdictMetric } from "./phase-execute.ts";
import { storedMetric } from "../model/metric-spec-schema.ts";
import { chainedChanges, chainedRatio, change, decideStop, finalResult, targetStatus, type CycleChange } from "./outcome.ts";
import { sideTree } from "./phase-profile.ts";

const ExecutionResultSchema = v.looseObject({
  status: v.string(),
  base: v.string(),
  commit: v.nullable(v.string()),
  kept: v.array(v.string()),
  removed: v.array(v.object({ id: v.string(), reason: v.string() })),
  verdict: v.nullable(v.looseObject({ ratio: v.number(), ratio_ci: v.tuple([v.number(), v.number()]), p_value: v.number(), n_a: v.number(), n_b: v.number() })),
  metrics: v.array(v.looseObject({ metric: v.string(), baseline: v.nullable(v.number()), final: v.nullable(v.number()) })),
});

function cycleChanges(records: readonly CycleRecord[]): CycleChange[] {
  return records.map((r) => ({ ratio: r.ratio, baseline: r.baseline, final: r.final, kept: r.commit !== null }));
}

/** The first cycle's base metrics: measured interleaved by its executor, else its profile. */
export function firstBaseline(run: Run, records: readonly CycleRecord[], kind: TargetKind): Record<string, number | null> {
  const measured = records[0]?.baseline ?? {};
  // A run that ended at a failed profile has no profile: only what its executor measured, if anything.
  const profiled = hasProfile(run, 1) ? profileDigestOf(run, 1).baseline : measured;
  // A function's or an endpoint's figures are its own metrics: not the wall time of a round's process.
  const reported = reportedMetricsOf(kind);
  const out: Record<string, number | null> = {};
  const keys = reported === null ? Object.keys(profiled) : reported.filter((metric) => metric in profiled);
  for (const metric of keys) {
    const value = profiled[metric] ?? null;
    // The time spent waiting for a CPU describes the host during the profile, not the program.
    if (value === null || metric === "cpu_wait_ms") continue;
    out[metric] = typeof measured[metric] === "number" ? measured[metric] : value;
  }
  return out;
}

/** The record of the current cycle, from its EXECUTE checkpoint (or its early end). */
function recordOf(ctx: LoopContext, run: Run, extra: { stop_reason?: string; final_result?: string; next_cycle?: number }): CycleRecord {
  const cycle = run.state.current_cycle;
  const base = cycleBase(run, ctx.options, cycle);
  const planned = (payloadOf(run, "PHASE_4_RESEARCH")?.hypotheses ?? []).map((h) => h.id);
  const exec = payloadOf(run, "PHASE_8_EXECUTE");
  const result = exec?.execution_result ? readStored(ExecutionResultSchema, exec.execution_result, run, `cycle ${cycle} execution checkpoint`) : null;
  const invalid = (payloadOf(run, "PHASE_7_VALIDATE_PLAN") ? feasibilityOf(run).invalid : []).map((i) => ({ id: i.id, reason: `not executed: ${i.reason}` }));
  const kept = result?.kept ?? [];
  const ratio = result?.commit ? (result.verdict?.ratio ?? null) : null;
  const baseline = Object.fromEntries((result?.metrics ?? []).map((m) => [m.metric, m.baseline]));
  const final = Object.fromEntries((result?.metrics ?? []).map((m) => [m.metric, m.final]));
  return {
    cycle,
    status: "completed",
    mode: ctx.options.mode,
    base_commit: base,
    commit: result?.commit ?? null,
    planned,
    kept,
    removed: [...(result?.removed ?? []), ...invalid],
    ratio,
    ratio_ci: result?.commit && result.verdict ? result.verdict.ratio_ci : null,
    p_value: result?.commit && result.verdict ? result.verdict.p_value : null,
    runs: result?.verdict ? [result.verdict.n_a, result.verdict.n_b] : null,
    improvement_pct: ratio === null ? 0 : (1 - ratio) * 100,
    baseline,
    final,
    target_met: false,
    ...extra,
  };
}

/** Can a later cycle get a hypothesis not tried yet? Unknown (null) with an agent. */
async function moreHypotheses(ctx: LoopContext, tried: ReadonlySet<string>): Promise<boolean | null> {
  if (ctx.options.agent) return null;
  if (!ctx.options.hypotheses_file || !existsSync(ctx.options.hypotheses_file)) return false;
  try {
    const list = await loadHypotheses(ctx.options.hypotheses_file, ctx.repo.dir);
    return list.some((h) => !tried.has(h.id));
  } catch {
    return null; // a broken file is reported by the next research, with its reason
  }
}

/** Phase 9: the cycle's record and the stop rule. */
export async function boundaryPhase(ctx: LoopContext, run: Run): Promise<void> {
  const cycle = run.state.current_cycle;
  const draft = recordOf(ctx, run, {});
  const records = [...completedCycles(run).filter((c) => c.cycle < cycle), draft];
  const changes = chainedChanges(firstBaseline(run, records, ctx.options.target_spec.kind), cycleChanges(records), verdictMetric(ctx, run));
  const target = targetStatus(storedMetric(payloadOf(run, "PHASE_5_SET_TARGET")?.target_metric), changes, (m) => targetFigureOf(m, ctx.options.target_spec.kind));
  const tried = new Set(records.flatMap((r) => [...r.planned]));
  const stop = decideStop({
    mode: ctx.options.mode,
    cycle,
    maxCycles: ctx.options.max_cycles,
    plateauPct: ctx.options.plateau_pct,
    cycleImprovementPct: draft.improvement_pct,
    targetMet: target.met,
    moreHypotheses: await moreHypotheses(ctx, tried),
  });
  const anyKept = records.some((r) => r.commit !== null);
  const extra = stop
    ? { stop_reason: stop, final_result: finalResult({ stop, targetMet: target.met, anyKept, mode: ctx.options.mode }) }
    : { next_cycle: cycle + 1 };
  ctx.client.recordCycle({ ...draft, target_met: target.met === true, ...extra });
  ctx.client.checkpoint("PHASE_9_CYCLE_BOUNDARY", { ...extra, target_status: target });
}

/** A cycle that ends before executing (a blocked gate, no hypotheses, a declined plan): its record. */
export function endCycleEarly(ctx: LoopContext, run: Run, stopReason: string, blockResult: string | null): void {
  const cycle = run.state.current_cycle;
  const records = completedCycles(run).filter((c) => c.cycle < cycle);
  const anyKept = records.some((r) => r.commit !== null);
  const targetMet = records.at(-1)?.target_met ?? null;
  const result = finalResult({ stop: stopReason, targetMet, anyKept, blockResult, mode: ctx.options.mode });
  ctx.client.recordCycle({ ...recordOf(ctx, run, {}), stop_reason: stopReason, final_result: result });
}

/** What aggregate records (the AGGREGATE checkpoint), and reads back through the same schema. */
export const AggregateSchema = v.looseObject({
  base: v.string(),
  final_commit: v.nullable(v.string()),
  branch: v.nullable(v.string()),
  changes: v.array(v.object({ metric: v.string(), before: v.nullable(v.number()), after: v.nullable(v.number()), improvement_pct: v.nullable(v.number()), multiplier: v.nullable(v.number()) })),
  improvement_pct: v.nullable(v.number()),
  multiplier: v.nullable(v.number()),
  measurement: v.string(),
  confirmation: v.nullable(v.object({ ratio: v.number(), ratio_ci: v.tuple([v.number(), v.number()]), p_value: v.number(), runs: v.tuple([v.number(), v.number()]) })),
  target: v.object({ met: v.nullable(v.boolean()), before: v.nullable(v.number()), after: v.nullable(v.number()), wanted: v.nullable(v.number()) }),
  stop_reason: v.string(),
  final_result: v.string(),
});
export type Aggregate = v.InferOutput<typeof AggregateSchema>;

/** The run's aggregate, validated; null before phase 10. */
export function aggregateOf(run: Run): Aggregate | null {
  const payload = payloadOf(run, "PHASE_10_AGGREGATE");
  return payload ? readStored(AggregateSchema, payload.aggregate, run, "aggregate checkpoint") : null;
}

/**
 * The first base against the final commit, interleaved, each in a side tree of its own whose
 * target runs confined there (its sandbox); both sandboxes are closed however it ends.
 */
async function confirmFinal(ctx: LoopContext, runner: TargetRunner, finalCommit: string, judged: string): Promise<CompareCommandsResult> {
  const base = await sideTree(ctx, "confirm-base", ctx.options.base);
  try {
    const final = await sideTree(ctx, "confirm-final", finalCommit);
    try {
      const a = await runner.open(base.sandbox.platform, base.cwd, base.env);
      if (!a.ok) throw new PerfloopError("command_failed", `the target could not be started on the base while confirming the result: ${a.reason}`);
      try {
        const b = await runner.open(final.sandbox.platform, final.cwd, final.env);
        if (!b.ok) throw new PerfloopError("command_failed", `the target could not be started on the final commit while confirming the result: ${b.reason}`);
        try {
          const progress = comparisonProgress("the final commit against the base", () => ctx.platform.now());
          return await compareArms(a.target, b.target, { metric: judged, userThreshold: ctx.options.threshold_pct === null ? null : ctx.options.threshold_pct / 100, maxRuns: ctx.options.max_runs ?? undefined, signal: ctx.signal, onProgress: (p) => ctx.say(`aggregate: ${progress(p)}`) });
        } finally {
          await b.target.close();
        }
      } finally {
        await a.target.close();
      }
    } finally {
      await final.sandbox.close();
    }
  } finally {
    await base.sandbox.close();
  }
}

/** Phase 10: everything the cycles did, measured as one change from the first base. */
export async function aggregatePhase(ctx: LoopContext, run: Run): Promise<void> {
  const records = completedCycles(run);
  const keptCycles = records.filter((r) => r.commit !== null);
  const finalCommit = keptCycles.at(-1)?.commit ?? null;
  const judged = verdictMetric(ctx, run);
  let changes = records.length > 0 && hasProfile(run, 1) ? chainedChanges(firstBaseline(run, records, ctx.options.target_spec.kind), cycleChanges(records), judged) : [];
  let measurement = keptCycles.length === 0 ? "nothing was kept: the baseline is the profile of the base" : keptCycles.length === 1 ? `cycle ${keptCycles[0]!.cycle}: the base and the result measured interleaved` : `chained over ${keptCycles.length} cycles`;
  let confirmation: Aggregate["confirmation"] = null;
  let ratio = keptCycles.length > 0 ? chainedRatio(cycleChanges(records)) : null;
  const choice = targetRunnerOf(ctx.options, ctx.repo.dir);
  if (keptCycles.length >= 2 && finalCommit && choice.kind !== "unservable") {
    ctx.say(`aggregate: measuring the base against the final commit, interleaved`);
    const runner = choice.kind === "runner" ? choice.runner : commandRunner(ctx.options.target);
    const measured = await confirmFinal(ctx, runner, finalCommit, judged);
    if (measured.status === "aborted") throw new CancelledError(`stopped while confirming: continue with perfloop resume --slug ${ctx.slug}`);
    if (measured.status === "failed") throw new PerfloopError("command_failed", `the target failed while confirming the result: ${measured.message}`);
    const compared = judgedBy(measured, judged);
    const first = firstBaseline(run, records, ctx.options.target_spec.kind);
    changes = Object.keys(first).map((metric) => change(metric, compared.metrics_a[metric]?.median ?? null, compared.metrics_b[metric]?.median ?? null));
    const main = changes.find((c) => c.metric === judged);
    if (main && main.before !== null) main.after = main.before * compared.verdict.ratio;
    changes = changes.map((c) => change(c.metric, c.before, c.after));
    ratio = compared.verdict.ratio;
    confirmation = { ratio, ratio_ci: compared.verdict.ratio_ci, p_value: compared.verdict.p_value, runs: [compared.verdict.n_a, compared.verdict.n_b] };
    measurement = `the first base and the final commit measured interleaved (${compared.verdict.n_a}+${compared.verdict.n_b} runs), after ${keptCycles.length} cycles`;
  }
  const spec = storedMetric(payloadOf(run, "PHASE_5_SET_TARGET", records.at(-1)?.cycle ?? 1)?.target_metric) ?? ctx.userTarget;
  const target = targetStatus(spec, changes, (m) => targetFigureOf(m, ctx.options.target_spec.kind));
  const last = records.at(-1);
  const stop = run.state.stop_reason ?? last?.stop_reason ?? "UNKNOWN";
  const blockResult = payloadOf(run, "PHASE_3_WRONG_TOOL_GATE")?.final_result ?? null;
  const result = finalResult({ stop, targetMet: target.met, anyKept: keptCycles.length > 0, blockResult, mode: ctx.options.mode });
  const main = changes.find((c) => c.metric === judged) ?? changes[0] ?? null;
  const aggregate: Aggregate = {
    base: ctx.options.base,
    final_commit: finalCommit,
    branch: finalCommit ? `perfloop/${ctx.slug}` : null,
    changes,
    improvement_pct: ratio === null ? (keptCycles.length === 0 ? 0 : null) : (1 - ratio) * 100,
    multiplier: ratio === null || ratio <= 0 ? null : 1 / ratio,
    measurement,
    confirmation,
    target,
    stop_reason: stop,
    final_result: result,
  };
  if (main && aggregate.improvement_pct === null) aggregate.improvement_pct = main.improvement_pct;
  ctx.client.checkpoint("PHASE_10_AGGREGATE", { aggregate, final_result: result });
}
