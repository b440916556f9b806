/**
 * What to do next, derived from disk alone (runtime contract §5.4), with the original's quirks fixed:
 * after a BLOCK it points at aggregate, at REPORT it names `complete`, and the next cycle number is
 * right because the cycle only advances when PROFILE starts it (FIX 12).
 */
import { latestCheckpoint } from "./checkpoints.ts";
import { validateTransition } from "./guards.ts";
import { EDGES, isPhase } from "./phases.ts";
import type { Checkpoints, State } from "./schemas.ts";

export function computeResumeAction(state: State, checkpoints: Checkpoints): string {
  const phase = state.phase;
  const cycle = state.current_cycle;
  if (state.complete || phase === "DONE") return "Run complete";
  if (phase === "PAUSED") return `Paused: ${state.paused_reason || "manual intervention required"}`;
  if (!isPhase(phase) || !latestCheckpoint(checkpoints, phase, cycle)) {
    return `Complete ${phase} and write its checkpoint`;
  }
  const payload = latestCheckpoint(checkpoints, phase, cycle)?.payload ?? {};
  if (phase === "PHASE_6_WRITE_CONTEXT" && !state.context_file) {
    return "Write optimization context file and checkpoint PHASE_6_WRITE_CONTEXT";
  }
  if (phase === "PHASE_7_VALIDATE_PLAN" && payload.validation_verdict === "NO_GO") {
    return "Present NO_GO issues to the user, then resolve or pause";
  }
  if (phase === "PHASE_8_EXECUTE" && state.execution_mode === "plan_only" && payload.status !== "skipped_by_mode") {
    return "Checkpoint PHASE_8_EXECUTE as skipped_by_mode, then advance to PHASE_9_CYCLE_BOUNDARY";
  }
  if (phase === "PHASE_3_WRONG_TOOL_GATE" && payload.gate_verdict === "BLOCK") return "Advance to PHASE_10_AGGREGATE";
  if (phase === "PHASE_3_WRONG_TOOL_GATE" && !payload.gate_verdict) {
    return "Record gate_verdict (PROCEED, CONCERNS, WAIVED or BLOCK) in the PHASE_3_WRONG_TOOL_GATE checkpoint";
  }
  if (phase === "PHASE_7_VALIDATE_PLAN" && !payload.validation_verdict) {
    return "Record validation_verdict (GO, GO_WITH_CONCERNS, WAIVED or NO_GO) in the PHASE_7_VALIDATE_PLAN checkpoint";
  }
  if (phase === "PHASE_4_RESEARCH" && payload.hypotheses_count === 0) return "Advance to PHASE_10_AGGREGATE";
  if (phase === "PHASE_9_CYCLE_BOUNDARY") {
    if (state.stop_reason) return "Advance to PHASE_10_AGGREGATE";
    const next = validateTransition(state, checkpoints, phase, "PHASE_2_PROFILE");
    if (!next.ok) return next.error;
    return `Advance to PHASE_2_PROFILE for cycle ${cycle + 1}`;
  }
  if (phase === "PHASE_11_REPORT") {
    if (!state.report_ready) return "Write final report checkpoint for PHASE_11_REPORT";
    if (!state.final_result) return "Record final_result in the PHASE_11_REPORT checkpoint";
    return "Complete the run (runtime complete)";
  }
  const successor = EDGES[phase][0];
  return successor ? `Advance to ${successor}` : "No automatic resume action available";
}
