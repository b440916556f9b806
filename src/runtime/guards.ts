/**
 * The transition guards (runtime contract §5.2), as one pure function. The first failure wins and
 * the error strings are the original's, because callers match on them. perfloop adds cycle scoping
 * and enforces max_cycles and the plateau threshold (FIX 7, 8).
 */
import { latestCheckpoint } from "./checkpoints.ts";
import {
  EDGES,
  GATE_ALLOWS_RESEARCH,
  VALIDATION_ALLOWS_EXECUTION,
  isPhase,
  type Phase,
} from "./phases.ts";
import type { Checkpoints, State } from "./schemas.ts";

export type GuardResult = { ok: true } | { ok: false; error: string; details?: string[] };

const fail = (error: string, details?: string[]): GuardResult =>
  details ? { ok: false, error, details } : { ok: false, error };

function payloadOf(checkpoints: Checkpoints, phase: Phase, cycle: number): Record<string, unknown> {
  return latestCheckpoint(checkpoints, phase, cycle)?.payload ?? {};
}

/** The cycle record for `cycle`, if one was recorded. */
function cycleRecord(state: State, cycle: number): Record<string, unknown> | undefined {
  return state.cycles.find((record) => Number(record.cycle) === cycle);
}

/**
 * Extension, not an edge of the contract's table: a work phase whose checkpoint says it failed
 * the same way again and again (`phase_failed`, src/coordinator/phase-failures.ts), with stop
 * reason PHASE_FAILED recorded, may go to aggregate, so that such a run still ends with a report.
 */
export function isFailedPhaseExit(state: State, checkpoints: Checkpoints, from: string, to: string): boolean {
  return to === "PHASE_10_AGGREGATE" && isPhase(from) && state.stop_reason === "PHASE_FAILED" && payloadOf(checkpoints, from, state.current_cycle).phase_failed === true;
}

export function validateTransition(state: State, checkpoints: Checkpoints, from: string, to: string): GuardResult {
  if (isFailedPhaseExit(state, checkpoints, from, to)) return { ok: true };
  if (!isPhase(from) || !isPhase(to) || !EDGES[from].includes(to)) {
    return fail(`Invalid transition: ${from} -> ${to}`);
  }
  const cycle = state.current_cycle;
  if (!latestCheckpoint(checkpoints, from, cycle)) return fail(`Checkpoint missing for ${from}`);

  if (to === "PHASE_4_RESEARCH") {
    const verdict = payloadOf(checkpoints, "PHASE_3_WRONG_TOOL_GATE", cycle).gate_verdict;
    if (!(GATE_ALLOWS_RESEARCH as readonly unknown[]).includes(verdict)) {
      return fail("Wrong Tool Gate does not allow research");
    }
  }
  if (to === "PHASE_10_AGGREGATE") {
    if (from === "PHASE_3_WRONG_TOOL_GATE") {
      const verdict = payloadOf(checkpoints, from, cycle).gate_verdict;
      if (verdict !== "BLOCK") return fail("Phase 3 can jump to aggregate only on BLOCK");
    }
    if (from === "PHASE_4_RESEARCH") {
      const count = payloadOf(checkpoints, from, cycle).hypotheses_count;
      if (typeof count !== "number" || count > 0) {
        return fail("Phase 4 can jump to aggregate only when no hypotheses remain");
      }
    }
    if (from === "PHASE_9_CYCLE_BOUNDARY" && !state.stop_reason) return fail("Cycle boundary missing stop reason");
    if (from === "PHASE_7_VALIDATE_PLAN") {
      const verdict = payloadOf(checkpoints, from, cycle).validation_verdict;
      if (verdict !== "NO_GO" || !state.stop_reason) {
        return fail("Phase 7 can jump to aggregate only when a NO_GO plan was declined (record stop_reason PLAN_DECLINED)");
      }
    }
  }
  if (to === "PHASE_7_VALIDATE_PLAN" && !state.context_file) return fail("Context file not recorded");
  if (to === "PHASE_8_EXECUTE") {
    const verdict = payloadOf(checkpoints, "PHASE_7_VALIDATE_PLAN", cycle).validation_verdict;
    if (!(VALIDATION_ALLOWS_EXECUTION as readonly unknown[]).includes(verdict)) {
      return fail("Validation verdict does not allow execution");
    }
  }
  if (to === "PHASE_9_CYCLE_BOUNDARY") {
    const payload = payloadOf(checkpoints, "PHASE_8_EXECUTE", cycle);
    const status = payload.status ?? payload.phase_status;
    const skipped = status === "skipped_by_mode" && state.execution_mode === "plan_only";
    if (!payload.execution_result && !skipped) return fail("Execution summary missing");
  }
  if (to === "PHASE_2_PROFILE" && from === "PHASE_9_CYCLE_BOUNDARY") {
    if (state.stop_reason) return fail("Stop reason recorded; cannot continue to another cycle");
    const maxCycles = state.cycle_config.max_cycles;
    if (cycle >= maxCycles) {
      return fail(`Max cycles reached (${cycle} of ${maxCycles}); record stop_reason MAX_CYCLES and advance to PHASE_10_AGGREGATE`);
    }
    const improvement = cycleRecord(state, cycle)?.improvement_pct;
    const plateau = state.cycle_config.plateau_threshold;
    if (typeof improvement === "number" && improvement < plateau) {
      return fail(
        `Plateau: cycle ${cycle} improved ${improvement}% (below plateau_threshold ${plateau}%); record stop_reason PLATEAU and advance to PHASE_10_AGGREGATE`,
      );
    }
  }
  if (to === "DONE") {
    if (!state.report_ready) return fail("Final report checkpoint missing");
    if (!state.final_result) return fail("Final result not recorded");
  }
  return { ok: true };
}
