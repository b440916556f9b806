/**
 * How each runtime command changes the state (runtime contract §5.3 and §2), as pure functions:
 * state in, state out. Times come in as ISO strings so that replay and tests are deterministic.
 */
import { latestCheckpoint } from "./checkpoints.ts";
import { SKILL, type Phase } from "./phases.ts";
import type { CheckpointEntry, Checkpoints, Decision, Manifest, PendingDecision, State } from "./schemas.ts";

export function initialState(manifest: Manifest, runId: string, now: string): State {
  return {
    run_id: runId,
    skill: SKILL,
    mode: manifest.mode,
    identifier: manifest.identifier,
    slug: manifest.slug,
    target: manifest.target,
    execution_mode: manifest.execution_mode,
    cycle_config: manifest.cycle_config,
    target_metric: manifest.target_metric,
    context_file: manifest.context_file,
    phase: "PHASE_0_PREFLIGHT",
    complete: false,
    paused_reason: null,
    paused_from: null,
    pending_decision: null,
    decisions: [],
    current_cycle: 1,
    next_cycle: null,
    cycles: [],
    phases: {},
    worker_results: {},
    stop_reason: null,
    final_result: null,
    report_ready: false,
    created_at: now,
    updated_at: now,
  };
}

const str = (value: unknown): string | null => (typeof value === "string" && value ? value : null);

export const NO_GO_DECISION = "validation_no_go";
export const GATE_BLOCK_DECISION = "gate_block";

function noGoDecision(cycle: number, payload: Record<string, unknown>): PendingDecision {
  return {
    kind: NO_GO_DECISION,
    question: `The plan validator returned NO_GO in cycle ${cycle}. Waive it and execute anyway, or stop?`,
    choices: ["waive", "cancel"],
    default_choice: null,
    context: { cycle, concerns: payload.concerns ?? null },
    resume_to_phase: "PHASE_7_VALIDATE_PLAN",
    blocking: true,
  };
}

function gateBlockDecision(cycle: number, payload: Record<string, unknown>): PendingDecision {
  return {
    kind: GATE_BLOCK_DECISION,
    question: `The wrong-tool gate blocked cycle ${cycle}. End here (${cycle === 1 ? "a diagnostic result" : "a successful stop"}), or waive the gate and continue?`,
    choices: ["end", "waive"],
    default_choice: "end",
    context: { cycle, stop_reason: payload.stop_reason ?? null },
    resume_to_phase: "PHASE_3_WRONG_TOOL_GATE",
    blocking: false,
  };
}

function answer(state: State, kind: string, choice: string, now: string, context?: Record<string, unknown>): Decision[] {
  const decision: Decision = { kind, selected_choice: choice, answered_at: now };
  if (context) decision.context = context;
  return [...state.decisions, decision];
}

/** The state after a checkpoint of `entry.phase` with `entry.payload`. */
export function applyCheckpoint(state: State, entry: CheckpointEntry, now: string): State {
  const payload = entry.payload;
  const next: State = { ...state, updated_at: now, phases: { ...state.phases } };
  next.phases[entry.phase] = {
    status: str(payload.status) ?? str(payload.phase_status) ?? "completed",
    ts: entry.created_at,
  };
  switch (entry.phase) {
    case "PHASE_1_PARSE_INPUT":
      next.target = str(payload.target) ?? state.target;
      next.target_metric = payload.target_metric || state.target_metric;
      break;
    case "PHASE_3_WRONG_TOOL_GATE":
      if (payload.gate_verdict === "BLOCK") {
        next.final_result = str(payload.final_result) ?? state.final_result;
        next.stop_reason = str(payload.stop_reason) ?? state.stop_reason;
        next.pending_decision = gateBlockDecision(state.current_cycle, payload);
      } else if (payload.gate_verdict) {
        // A later verdict in the same cycle replaces a BLOCK: clear what the BLOCK set (FIX 8).
        if (state.pending_decision?.kind === GATE_BLOCK_DECISION) {
          next.decisions = answer(state, GATE_BLOCK_DECISION, payload.gate_verdict === "WAIVED" ? "waive" : "regated", now);
          next.pending_decision = null;
        }
        next.stop_reason = null;
        next.final_result = null;
      }
      break;
    case "PHASE_5_SET_TARGET":
      next.target_metric = payload.target_metric || state.target_metric;
      break;
    case "PHASE_6_WRITE_CONTEXT":
      next.context_file = str(payload.context_file) ?? state.context_file;
      break;
    case "PHASE_7_VALIDATE_PLAN":
      if (payload.validation_verdict === "NO_GO") {
        // NO_GO pauses the run with a real pending decision (FIX 5).
        next.paused_from = state.phase === "PAUSED" ? state.paused_from : state.phase;
        next.phase = "PAUSED";
        next.paused_reason = str(payload.paused_reason) ?? "Validation verdict NO_GO";
        next.pending_decision = noGoDecision(state.current_cycle, payload);
      } else if (payload.validation_verdict && state.pending_decision?.kind === NO_GO_DECISION) {
        // A new verdict answers the NO_GO: waived, or the plan was fixed and validated again.
        next.decisions = answer(state, NO_GO_DECISION, payload.validation_verdict === "WAIVED" ? "waive" : "revalidated", now);
        next.pending_decision = null;
        if (state.phase === "PAUSED") {
          next.phase = state.paused_from ?? "PHASE_7_VALIDATE_PLAN";
          next.paused_from = null;
        }
        next.paused_reason = null;
      }
      break;
    case "PHASE_9_CYCLE_BOUNDARY":
      next.stop_reason = str(payload.stop_reason) ?? state.stop_reason;
      next.final_result = str(payload.final_result) ?? state.final_result;
      if (typeof payload.next_cycle === "number") next.next_cycle = payload.next_cycle;
      break;
    case "PHASE_11_REPORT":
      next.final_result = str(payload.final_result) ?? state.final_result;
      next.report_ready = payload.report_ready === true;
      break;
    default:
      break;
  }
  return next;
}

/** Moves to `to` (already guarded). A new cycle starts when PROFILE follows the boundary. */
export function applyAdvance(state: State, to: Phase, now: string): State {
  const next: State = { ...state, phase: to, paused_reason: null, updated_at: now };
  if (to === "PHASE_2_PROFILE" && state.phase === "PHASE_9_CYCLE_BOUNDARY") {
    next.current_cycle = state.current_cycle + 1;
    next.next_cycle = null;
    next.context_file = null;
    next.pending_decision = null;
  }
  if (to === "PHASE_10_AGGREGATE" && state.pending_decision?.kind === GATE_BLOCK_DECISION) {
    next.decisions = answer(state, GATE_BLOCK_DECISION, "end", now);
    next.pending_decision = null;
  }
  if (to === "DONE") return applyComplete(next, now);
  return next;
}

/**
 * Leaves PAUSED for `to` (the paused phase or one of its successors, already guarded). The answer
 * recorded is `choice` (one of the pending decision's choices, checked by the caller), else "resume".
 */
export function applyResolve(state: State, to: Phase, now: string, choice?: string): State {
  const kind = state.pending_decision?.kind ?? "pause";
  return {
    ...state,
    phase: to,
    paused_reason: null,
    paused_from: null,
    pending_decision: null,
    decisions: answer(state, kind, choice ?? "resume", now, { to }),
    updated_at: now,
  };
}

export function applyPause(state: State, reason: string, pending: PendingDecision | null, now: string): State {
  return {
    ...state,
    phase: "PAUSED",
    paused_from: state.phase === "PAUSED" ? state.paused_from : state.phase,
    paused_reason: reason,
    pending_decision: pending ?? state.pending_decision,
    updated_at: now,
  };
}

export function applyComplete(state: State, now: string): State {
  return { ...state, phase: "DONE", complete: true, paused_reason: null, paused_from: null, pending_decision: null, updated_at: now };
}

export function applyWorkerResult(state: State, worker: string, result: Record<string, unknown>, now: string): State {
  const recorded = { ...result, worker, recorded_at: str(result.recorded_at) ?? now, cycle: state.current_cycle };
  return { ...state, worker_results: { ...state.worker_results, [worker]: recorded }, updated_at: now };
}

/** Upserts a cycle record, keeps the list sorted; `next_cycle` is remembered, not applied (FIX 7). */
export function applyCycleRecord(state: State, record: Record<string, unknown>, now: string): State {
  const cycle = Number(record.cycle || state.current_cycle || 1);
  const stored = { ...record, cycle, recorded_at: str(record.recorded_at) ?? now };
  const cycles = [...state.cycles.filter((item) => Number(item.cycle) !== cycle), stored].sort(
    (a, b) => Number(a.cycle) - Number(b.cycle),
  );
  const next: State = { ...state, cycles, updated_at: now };
  if (typeof record.next_cycle === "number") next.next_cycle = record.next_cycle;
  next.stop_reason = str(record.stop_reason) ?? state.stop_reason;
  next.final_result = str(record.final_result) ?? state.final_result;
  return next;
}

/** The checkpoint entry a `checkpoint` command appends. */
export function newEntry(checkpoints: Checkpoints, phase: Phase, cycle: number, payload: Record<string, unknown>, now: string): CheckpointEntry {
  return { sequence: checkpoints._next_sequence, phase, cycle, created_at: now, payload };
}

export { latestCheckpoint };
