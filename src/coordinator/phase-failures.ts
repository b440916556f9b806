/**
 * A run that can never finish is a defect (docs/safety.md): `perfloop resume` does a failed phase
 * again, and a phase that fails the same way every time (the base's tests broken since, a disk
 * that stays full, a bug) would fail every resume forever. So every failure of a phase is recorded
 * in the run (the state's worker results, under FAILURE_WORKER), and when the same phase of the
 * same cycle has failed MAX_SAME_FAILURES times with the same error code, it is not simply tried
 * again: with `--yes` the run ends there with a report (stop reason PHASE_FAILED, what earlier
 * cycles kept stays kept); on a terminal the person is asked; otherwise the run pauses with the
 * question (`perfloop resume --decide retry|end`).
 */
import * as v from "valibot";
import { CancelledError, PerfloopError } from "../errors.ts";
import { phaseLabel, type WorkPhase } from "../runtime/phases.ts";
import type { PendingDecision } from "../runtime/schemas.ts";
import type { Run } from "../runtime/store.ts";
import { payloadOf, type LoopContext } from "./loop-context.ts";
import { endCycleEarly } from "./phase-close.ts";

export const FAILURE_WORKER = "perfloop-phase-failure";
/** The same failure this many times in a row, and the phase is not just done again. */
const MAX_SAME_FAILURES = 2;
export const PHASE_FAILED = "PHASE_FAILED";

export const FailureSchema = v.object({ cycle: v.number(), phase: v.string(), code: v.string(), message: v.string(), count: v.number() });
export type PhaseFailure = v.InferOutput<typeof FailureSchema>;

function failureOf(run: Run): PhaseFailure | null {
  const parsed = v.safeParse(FailureSchema, run.state.worker_results[FAILURE_WORKER]);
  return parsed.success ? parsed.output : null;
}

/** What is not a failure of the phase: the person stopped it, or the invocation's budget ended. */
function counts(error: unknown): boolean {
  if (error instanceof CancelledError) return false;
  return !(error instanceof PerfloopError && error.code === "budget_spent");
}

/** Records that `phase` failed with `error` (best effort: a run that cannot even record it says nothing more). */
export function recordFailure(ctx: LoopContext, run: Run, phase: WorkPhase, error: unknown): void {
  if (!counts(error)) return;
  const code = error instanceof PerfloopError ? error.code : "internal";
  const message = error instanceof Error ? error.message : String(error);
  const previous = failureOf(run);
  const same = previous && previous.cycle === run.state.current_cycle && previous.phase === phase && previous.code === code && previous.count > 0;
  try {
    ctx.client.recordWorker(FAILURE_WORKER, { cycle: run.state.current_cycle, phase, code, message, count: same ? previous.count + 1 : 1 });
  } catch {
    // The error itself is what the person needs to see.
  }
}

/** The failure that stops `phase` being done again blindly, or null. */
export function repeatedFailure(run: Run, phase: WorkPhase): PhaseFailure | null {
  const failure = failureOf(run);
  if (!failure || failure.cycle !== run.state.current_cycle || failure.phase !== phase) return null;
  return failure.count >= MAX_SAME_FAILURES ? failure : null;
}

/** "retry" was chosen: the count starts again. */
export function clearFailure(ctx: LoopContext, run: Run): void {
  const failure = failureOf(run);
  if (failure) ctx.client.recordWorker(FAILURE_WORKER, { ...failure, count: 0 });
}

export function failureQuestion(run: Run, failure: PhaseFailure): string {
  return `${phaseLabel(failure.phase as WorkPhase)} of cycle ${run.state.current_cycle} failed ${failure.count} times with: ${failure.message}. Try it again, or end the run here with a report?`;
}

export function failurePause(run: Run, phase: WorkPhase, failure: PhaseFailure): PendingDecision {
  return {
    kind: "phase_failed",
    question: failureQuestion(run, failure),
    choices: ["retry", "end"],
    default_choice: "end",
    context: { cycle: run.state.current_cycle, phase, code: failure.code, message: failure.message, count: failure.count },
    resume_to_phase: phase,
    blocking: true,
  };
}

/** Ends the cycle at the failed phase: a checkpoint that says so, and the stop reason; aggregate comes next. */
export function endAtFailure(ctx: LoopContext, run: Run, phase: WorkPhase, failure: PhaseFailure): void {
  ctx.client.checkpoint(phase, { phase_failed: true, error: failure.message, code: failure.code, failures: failure.count });
  endCycleEarly(ctx, ctx.client.load(), PHASE_FAILED, null);
}

/** Whether the phase's checkpoint is the one endAtFailure wrote. */
export function endedAtFailure(run: Run, phase: WorkPhase): boolean {
  return payloadOf(run, phase)?.phase_failed === true;
}
