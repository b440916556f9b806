/**
 * What the run review (report/review.ts) is built from, gathered from the run on disk: its
 * checkpoints and history (the phases' times, pauses, recorded failures and worker results), the
 * hypotheses research gave with their origins, this run's rows of the experiment log, the first
 * profile's spread of the base and the run's options. The report built so far gives the cycles
 * and the agent calls. No writes; the log is read by the caller (phase-report.ts).
 */
import * as v from "valibot";
import { MAX_AB_RUNS } from "../measure/adaptive.ts";
import { MIN_EFFECT_FLOOR } from "../measure/min-effect.ts";
import { isHigherBetter } from "../model/metrics.ts";
import { parseExperimentLog } from "../report/experiment-rows.ts";
import type { ReviewInput } from "../report/review.ts";
import type { SourceKind } from "../report/review-schema.ts";
import type { RunReport } from "../report/run-report.ts";
import { mainMetric } from "../report/run-text.ts";
import type { Run } from "../runtime/store.ts";
import { hasProfile, payloadOf, profileDigestOf } from "./loop-context.ts";
import { FAILURE_WORKER, FailureSchema } from "./phase-failures.ts";
import { KNOBS_SOURCE, OWN_SOURCE, RULES_SOURCE } from "./research-builtin.ts";
import type { RunOptions } from "./run-options.ts";

const PERCENT = 100;
const WORKER_NAMES = ["ln-811", "ln-812", "ln-813", "ln-814"];
const WorkerRecordSchema = v.looseObject({ cycle: v.number(), recorded_at: v.string() });
const PausedStateSchema = v.looseObject({
  phase: v.string(),
  current_cycle: v.number(),
  paused_from: v.nullish(v.string()),
  paused_reason: v.nullish(v.string()),
  pending_decision: v.nullish(v.looseObject({ kind: v.string(), question: v.optional(v.string()) })),
});
const ResearchedSchema = v.array(v.looseObject({ id: v.string(), expected_impact: v.nullish(v.union([v.string(), v.number()]), null) }));

/** The kind of source an origin names (coordinator/phase-research.ts, research-builtin.ts). */
export function sourceKind(origin: string | null): SourceKind {
  if (origin === null || origin === "unknown") return "unknown";
  if (origin === RULES_SOURCE) return "rules";
  if (origin === KNOBS_SOURCE || origin.startsWith("--knob")) return "knob";
  if (origin === OWN_SOURCE) return "branch";
  if (origin.startsWith("agent:")) return "agent";
  return "file";
}

function pauses(run: Run): ReviewInput["pauses"] {
  const out: { cycle: number; phase: string; reason: string; at: string; resumed_at: string | null }[] = [];
  run.history.forEach((event, index) => {
    if (event.event_type !== "RUN_PAUSED") return;
    const state = v.safeParse(PausedStateSchema, event.state);
    if (!state.success) return;
    const s = state.output;
    const resumed = run.history.slice(index + 1).find((e) => e.event_type === "CHECKPOINT_RECORDED" || (e.event_type !== "RUN_PAUSED" && (e.state as { phase?: unknown } | undefined)?.phase !== "PAUSED"));
    const reason = s.pending_decision?.question ?? s.paused_reason ?? s.pending_decision?.kind ?? "paused";
    out.push({ cycle: s.current_cycle, phase: s.paused_from ?? "PAUSED", reason, at: event.created_at, resumed_at: resumed?.created_at ?? null });
  });
  return out;
}

/** Each change of the recorded failure and of each worker's result, in the order of the history. */
function recorded(run: Run): Pick<ReviewInput, "phase_failures" | "worker_results"> {
  const failures: ReviewInput["phase_failures"][number][] = [];
  const workers: ReviewInput["worker_results"][number][] = [];
  const seen = new Map<string, string>();
  for (const event of run.history) {
    const results = (event.state as { worker_results?: Record<string, unknown> } | undefined)?.worker_results;
    if (!results) continue;
    const failure = v.safeParse(FailureSchema, results[FAILURE_WORKER]);
    const failureText = failure.success ? JSON.stringify(failure.output) : "";
    if (failure.success && seen.get(FAILURE_WORKER) !== failureText) failures.push({ ...failure.output, at: event.created_at });
    seen.set(FAILURE_WORKER, failureText);
    for (const worker of WORKER_NAMES) {
      const record = v.safeParse(WorkerRecordSchema, results[worker]);
      if (!record.success || seen.get(worker) === record.output.recorded_at) continue;
      seen.set(worker, record.output.recorded_at);
      workers.push({ worker, cycle: record.output.cycle, recorded_at: record.output.recorded_at });
    }
  }
  return { phase_failures: failures, worker_results: workers };
}

function researched(run: Run): ReviewInput["hypotheses"] {
  const out: ReviewInput["hypotheses"][number][] = [];
  for (let cycle = 1; cycle <= run.state.current_cycle; cycle++) {
    const research = payloadOf(run, "PHASE_4_RESEARCH", cycle);
    const list = v.safeParse(ResearchedSchema, research?.hypotheses);
    if (!list.success) continue;
    const origins = research?.origins && typeof research.origins === "object" ? (research.origins as Record<string, unknown>) : {};
    for (const h of list.output) {
      const origin = typeof origins[h.id] === "string" ? (origins[h.id] as string) : null;
      out.push({ cycle, id: h.id, origin, source: sourceKind(origin), expected_impact: h.expected_impact ?? null });
    }
  }
  return out;
}

/** The base's spread in the first profile, on the main metric: MAD and the median's interval as percentages of the median. */
function baseNoise(run: Run, metric: string): ReviewInput["base_noise"] {
  if (!hasProfile(run, 1)) return null;
  const digest = profileDigestOf(run, 1);
  const m = digest.metrics[metric] ?? Object.values(digest.metrics)[0];
  const share = (part: number, whole: number | null | undefined) => (whole ? Math.round((part / whole) * PERCENT * 100) / 100 : null);
  const wall = digest.baseline.wall_time_ms;
  const wait = digest.baseline.cpu_wait_ms;
  return {
    spread_pct: m ? share(m.mad, m.median) : null,
    ci_pct: m ? share(m.ci[1] - m.ci[0], m.median) : null,
    host_busy_pct: typeof wait === "number" && typeof wall === "number" ? share(wait, wall) : null,
  };
}

/** `logText`: the slug's experiment log (null when absent); only the rows written during this run count. */
export function reviewInput(run: Run, options: RunOptions, report: RunReport, logText: string | null): ReviewInput {
  const from = Date.parse(run.state.created_at);
  const to = Date.parse(run.state.updated_at);
  const comparisons = logText === null ? [] : parseExperimentLog(logText).filter((row) => Date.parse(row.timestamp) >= from && Date.parse(row.timestamp) <= to);
  const state = run.state;
  const paused = state.phase === "PAUSED";
  // Phase 11 builds the report it is in: that is not an unfinished run.
  const open = state.complete || state.phase === "PHASE_11_REPORT" ? null : { phase: (paused ? state.paused_from : state.phase) ?? state.phase, cycle: state.current_cycle, paused };
  const metric = mainMetric(report);
  return {
    slug: report.slug,
    started_at: state.created_at,
    finished_at: state.updated_at,
    checkpoints: run.checkpoints._history.map((entry) => ({ phase: entry.phase, cycle: entry.cycle ?? 1, created_at: entry.created_at, failed: entry.payload?.phase_failed === true })),
    open,
    pauses: pauses(run),
    ...recorded(run),
    hypotheses: researched(run),
    cycles: report.cycles,
    comparisons,
    agent_calls: report.agent_calls,
    base_noise: baseNoise(run, metric),
    settings: {
      cap: options.max_runs ?? MAX_AB_RUNS,
      cap_from_flag: options.max_runs !== null,
      threshold_pct: options.threshold_pct,
      min_effect_pct: Math.max(options.threshold_pct ?? 0, MIN_EFFECT_FLOOR * PERCENT),
      agent: options.agent,
      timeout_s: options.timeout_s,
      agent_timeout_s: options.agent_timeout_s,
      max_cycles: options.max_cycles,
      plateau_pct: options.plateau_pct,
      higher_better: isHigherBetter(metric),
    },
    result: { final_result: report.final_result, stop_reason: report.stop_reason, target_met: report.target_met, target: report.target_metric?.text ?? null },
  };
}
