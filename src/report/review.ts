/**
 * The run review (the original's phase 12, docs/report.md "The run review"): what a finished or
 * unfinished run did, from its own records. Per phase and per worker its time and status, from
 * the checkpoints and the recorded worker results; the failure points (failed phases, phases done
 * again, time limits, pauses, failed agent calls); each hypothesis' expected impact against the
 * one measured (the experiment log's comparisons, else its cycle's figure) and each source's
 * tally; the noise of the run; then advice for the next run (review-advice.ts). Pure: the run's
 * records in (the coordinator gathers them, coordinator/review-input.ts), the review out.
 */
import { impactScore } from "../research/hypotheses-order.ts";
import { phaseLabel } from "../runtime/phases.ts";
import type { LogEntry } from "./experiment-rows.ts";
import { adviseRun } from "./review-advice.ts";
import type { ReviewInput } from "./review-facts.ts";
import { removalKind, TIMEOUT, undecided } from "./review-reasons.ts";
import type { ReviewFailure, ReviewHypothesis, ReviewNoise, ReviewPhase, ReviewSource, ReviewWorker, RunReview } from "./review-schema.ts";
import type { ReportCycle } from "./run-report.ts";

export type { ReviewInput } from "./review-facts.ts";

/** The worker each coordinated phase records (runtime contract), and what it does. */
const WORKERS: Readonly<Record<string, { phase: string; role: string }>> = {
  "ln-811": { phase: "PHASE_2_PROFILE", role: "profiler" },
  "ln-812": { phase: "PHASE_4_RESEARCH", role: "researcher" },
  "ln-813": { phase: "PHASE_7_VALIDATE_PLAN", role: "plan validator" },
  "ln-814": { phase: "PHASE_8_EXECUTE", role: "executor" },
};

const at = (iso: string) => Date.parse(iso);
const round2 = (value: number) => Math.round(value * 100) / 100;
const key = (phase: string, cycle: number) => `${cycle}:${phase}`;

function phases(input: ReviewInput): ReviewPhase[] {
  const rows = new Map<string, ReviewPhase>();
  const row = (phase: string, cycle: number) => {
    const k = key(phase, cycle);
    if (!rows.has(k)) rows.set(k, { cycle, phase, label: phaseLabel(phase), ms: 0, waited_ms: 0, attempts: 1, status: "ok" });
    return rows.get(k)!;
  };
  let last = at(input.started_at);
  for (const checkpoint of input.checkpoints) {
    const entry = row(checkpoint.phase, checkpoint.cycle);
    entry.ms += Math.max(0, at(checkpoint.created_at) - last);
    if (checkpoint.failed) entry.status = "failed";
    last = at(checkpoint.created_at);
  }
  if (input.open) {
    const entry = row(input.open.phase, input.open.cycle);
    entry.ms += Math.max(0, at(input.finished_at) - last);
    entry.status = input.open.paused ? "paused" : "unfinished";
  }
  for (const pause of input.pauses) {
    const entry = rows.get(key(pause.phase, pause.cycle));
    if (entry) entry.waited_ms += Math.max(0, at(pause.resumed_at ?? input.finished_at) - at(pause.at));
  }
  for (const entry of rows.values()) {
    const failures = input.phase_failures.filter((f) => f.phase === entry.phase && f.cycle === entry.cycle && f.count > 0).length;
    entry.attempts = Math.max(1, failures + (entry.status === "ok" || entry.status === "paused" ? 1 : 0));
  }
  return [...rows.values()];
}

function workers(input: ReviewInput): ReviewWorker[] {
  const before = (iso: string) => {
    let last = at(input.started_at);
    for (const c of input.checkpoints) if (at(c.created_at) <= at(iso)) last = at(c.created_at);
    return last;
  };
  const out: ReviewWorker[] = input.worker_results
    .filter((w) => WORKERS[w.worker])
    .map((w) => ({ cycle: w.cycle, worker: w.worker, role: WORKERS[w.worker]!.role, ms: Math.max(0, at(w.recorded_at) - before(w.recorded_at)), status: "ok", note: null }));
  for (const [worker, { phase, role }] of Object.entries(WORKERS)) {
    for (const c of input.checkpoints) {
      if (c.phase !== phase || out.some((w) => w.worker === worker && w.cycle === c.cycle)) continue;
      out.push({ cycle: c.cycle, worker, role, ms: null, status: c.failed ? "failed" : "skipped", note: c.failed ? "its phase failed and ended the run" : "its phase recorded no result (plan only, or nothing to do)" });
    }
  }
  for (const call of input.agent_calls) {
    out.push({ cycle: call.cycle, worker: `agent: ${call.agent}`, role: call.idea ? `${call.kind} ${call.idea}` : call.kind, ms: call.wall_ms, status: call.ok ? "ok" : "failed", note: call.ok ? null : call.error });
  }
  return out.sort((a, b) => a.cycle - b.cycle);
}

const duration = (ms: number) => (ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`);

function failures(input: ReviewInput, phaseRows: readonly ReviewPhase[]): ReviewFailure[] {
  const out: ReviewFailure[] = [];
  for (const f of input.phase_failures) {
    if (f.count > 0) out.push({ kind: "error", cycle: f.cycle, where: phaseLabel(f.phase), detail: `${f.message} (${f.code}; failure ${f.count} in a row)` });
  }
  for (const p of phaseRows) {
    if (p.attempts < 2) continue;
    const then = p.status === "ok" ? "then it passed" : p.status === "failed" ? "then the run was ended there" : "not finished yet";
    out.push({ kind: "retry", cycle: p.cycle, where: p.label, detail: `done ${p.attempts} times; ${then}` });
  }
  for (const cycle of input.cycles) {
    for (const r of cycle.removed) if (TIMEOUT.test(r.reason)) out.push({ kind: "timeout", cycle: cycle.cycle, where: r.id, detail: r.reason });
  }
  for (const p of input.pauses) {
    const waited = p.resumed_at ? `answered after ${duration(at(p.resumed_at) - at(p.at))}` : "still waiting for an answer";
    out.push({ kind: "pause", cycle: p.cycle, where: phaseLabel(p.phase), detail: `${p.reason}; ${waited}` });
  }
  for (const call of input.agent_calls) {
    if (call.ok) continue;
    const detail = `${call.agent} ${call.kind}${call.idea ? ` ${call.idea}` : ""}: ${call.error ?? `exit ${call.exit_code ?? "?"}`}`;
    out.push({ kind: TIMEOUT.test(call.error ?? "") ? "timeout" : "agent", cycle: call.cycle, where: call.transcript, detail });
  }
  return out;
}

/** The measured gain of a ratio on the main metric, in percent (positive = better). */
function gainOf(ratio: number, higherBetter: boolean): number {
  return round2(higherBetter ? (ratio - 1) * 100 : (1 - ratio) * 100);
}

function measuredOf(id: string, cycle: ReportCycle | undefined, rows: readonly LogEntry[], input: ReviewInput): Pick<ReviewHypothesis, "measured_pct" | "measured"> {
  const measuredRows = rows.filter((r) => r.ratio !== null);
  const alone = measuredRows.filter((r) => r.hypotheses.length === 1 && r.hypotheses[0] === id).at(-1);
  if (alone) return { measured_pct: gainOf(alone.ratio!, input.settings.higher_better), measured: "alone" };
  const onTop = measuredRows.filter((r) => (r.phase === "contested" || r.phase === "rebased") && r.hypotheses.length > 1 && r.hypotheses.at(-1) === id).at(-1);
  if (onTop) return { measured_pct: gainOf(onTop.ratio!, input.settings.higher_better), measured: "on_top" };
  if (cycle && cycle.ratio !== null && cycle.kept.some((k) => k.id === id)) {
    return { measured_pct: round2(cycle.improvement_pct), measured: cycle.kept.length === 1 ? "alone" : "with_others" };
  }
  return { measured_pct: null, measured: "not_measured" };
}

/** Each execute checkpoint's cycle claims the log rows written up to it (rows after the last: the open cycle's). */
function rowsByCycle(input: ReviewInput): Map<number, LogEntry[]> {
  const ends = input.checkpoints.filter((c) => c.phase === "PHASE_8_EXECUTE").map((c) => ({ cycle: c.cycle, at: at(c.created_at) }));
  const out = new Map<number, LogEntry[]>();
  for (const row of input.comparisons) {
    const cycle = ends.find((e) => at(row.timestamp) <= e.at)?.cycle ?? input.open?.cycle ?? ends.at(-1)?.cycle ?? 1;
    out.set(cycle, [...(out.get(cycle) ?? []), row]);
  }
  return out;
}

function hypotheses(input: ReviewInput): ReviewHypothesis[] {
  const listed = [...input.hypotheses];
  // Kept or removed ids research did not list (a run recorded before origins were stored): still counted.
  for (const cycle of input.cycles) {
    for (const h of [...cycle.kept, ...cycle.removed]) {
      if (!listed.some((x) => x.cycle === cycle.cycle && x.id === h.id)) listed.push({ cycle: cycle.cycle, id: h.id, origin: h.origin ?? null, source: "unknown", expected_impact: null });
    }
  }
  const rows = rowsByCycle(input);
  return listed.map((h) => {
    const cycle = input.cycles.find((c) => c.cycle === h.cycle);
    const removed = cycle?.removed.find((r) => r.id === h.id);
    const kept = cycle?.kept.some((k) => k.id === h.id) ?? false;
    const score = impactScore(h.expected_impact);
    return {
      cycle: h.cycle,
      id: h.id,
      origin: h.origin,
      source: h.source,
      expected: h.expected_impact,
      expected_pct: score === null ? null : round2(score * 100),
      ...measuredOf(h.id, cycle, rows.get(h.cycle) ?? [], input),
      outcome: kept ? "kept" : removed ? removalKind(removed.reason) : "not_tried",
      reason: removed?.reason ?? null,
    };
  });
}

function sources(list: readonly ReviewHypothesis[]): ReviewSource[] {
  const out = new Map<string, ReviewSource>();
  for (const h of list) {
    const origin = h.origin ?? "unknown";
    const entry = out.get(origin) ?? { origin, source: h.source, hypotheses: 0, kept: 0, removed_tests: 0, removed_no_gain: 0, removed_other: 0, not_tried: 0 };
    entry.hypotheses += 1;
    entry[h.outcome] += 1;
    out.set(origin, entry);
  }
  return [...out.values()];
}

function noise(input: ReviewInput): ReviewNoise {
  const measured = input.comparisons.filter((r) => r.rounds !== null && r.phase !== "final");
  const unknown = measured.filter((r) => undecided(r.outcome));
  const base = input.base_noise;
  return {
    comparisons: measured.length,
    unknown: unknown.length,
    unknown_at_cap: unknown.filter((r) => r.rounds! >= input.settings.cap).length,
    cap: input.settings.cap,
    cap_from_flag: input.settings.cap_from_flag,
    min_effect_pct: input.settings.min_effect_pct,
    base_spread_pct: base?.spread_pct ?? null,
    base_ci_pct: base?.ci_pct ?? null,
    host_busy_pct: base?.host_busy_pct ?? null,
  };
}

export function buildReview(input: ReviewInput): RunReview {
  const phaseRows = phases(input);
  const hypothesisRows = hypotheses(input);
  const review: Omit<RunReview, "advice"> = {
    phases: phaseRows,
    workers: workers(input),
    failures: failures(input, phaseRows),
    hypotheses: hypothesisRows,
    sources: sources(hypothesisRows),
    noise: noise(input),
  };
  return { ...review, advice: adviseRun(review, input) };
}
