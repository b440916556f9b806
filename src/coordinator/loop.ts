/**
 * The coordinator's loop (`perfloop run`, `perfloop resume`): phases 1 to 11, driven from disk.
 *
 * Each turn loads the run and does one thing: a phase with no checkpoint in the current cycle
 * does its work and checkpoints; a checkpointed phase advances through the guards to the next
 * one; a paused run takes the answer to its pending decision (`--decide`, or the person at the
 * prompt), or returns `paused`. Nothing is carried in memory from one turn to the next, so a run
 * killed at any point continues from its last checkpoint (the phase in progress is done again;
 * everything it does is in perfloop's own side trees and refs) and a resumed run sees exactly
 * what a continuous one does.
 */
import { CancelledError, PerfloopError, UsageError } from "../errors.ts";
import { latestCheckpoint } from "../runtime/checkpoints.ts";
import { phaseLabel, type Phase, type WorkPhase } from "../runtime/phases.ts";
import type { PendingDecision } from "../runtime/schemas.ts";
import type { Run } from "../runtime/store.ts";
import type { RunReport } from "../report/run-report.ts";
import { CANCELLED } from "./decisions.ts";
import { checkStop, payloadOf, type LoopContext } from "./loop-context.ts";
import { aggregatePhase, boundaryPhase, endCycleEarly } from "./phase-close.ts";
import { askNoGo, executePhase, validatePhase } from "./phase-execute.ts";
import { afterGate, gatePhase, profilePhase } from "./phase-profile.ts";
import { clearFailure, endAtFailure, endedAtFailure, failurePause, failureQuestion, recordFailure, repeatedFailure } from "./phase-failures.ts";
import { buildReport, reportPhase } from "./phase-report.ts";
import { contextPhase, researchPhase, targetPhase } from "./phase-research.ts";

export type DriveOutcome =
  | { kind: "done"; report: RunReport }
  | { kind: "paused"; reason: string; pending: PendingDecision | null; run_id: string };

/** The question a gate BLOCK asks when nobody can answer now (runtime/transitions.ts has the same choices). */
function gatePause(run: Run, reason: string): PendingDecision {
  return {
    kind: "gate_block",
    question: `The wrong-tool gate blocked cycle ${run.state.current_cycle}. End here, or waive the gate and continue?`,
    choices: ["end", "waive"],
    default_choice: "end",
    context: { cycle: run.state.current_cycle, reason },
    resume_to_phase: "PHASE_3_WRONG_TOOL_GATE",
    blocking: true,
  };
}

async function work(ctx: LoopContext, run: Run, phase: WorkPhase): Promise<void> {
  switch (phase) {
    case "PHASE_0_PREFLIGHT":
      throw new PerfloopError("no_preflight", "the run has no preflight checkpoint", { hint: "start it again with perfloop run" });
    case "PHASE_1_PARSE_INPUT":
      ctx.client.checkpoint(phase, { target: ctx.options.target, target_metric: ctx.userTarget, observed_metric: ctx.observed });
      return;
    case "PHASE_2_PROFILE":
      return await profilePhase(ctx, run);
    case "PHASE_3_WRONG_TOOL_GATE":
      return gatePhase(ctx, run);
    case "PHASE_4_RESEARCH":
      return await researchPhase(ctx, run);
    case "PHASE_5_SET_TARGET":
      return await targetPhase(ctx, run);
    case "PHASE_6_WRITE_CONTEXT":
      return contextPhase(ctx, run);
    case "PHASE_7_VALIDATE_PLAN":
      return await validatePhase(ctx, run);
    case "PHASE_8_EXECUTE":
      return await executePhase(ctx, run);
    case "PHASE_9_CYCLE_BOUNDARY":
      return await boundaryPhase(ctx, run);
    case "PHASE_10_AGGREGATE":
      return await aggregatePhase(ctx, run);
    case "PHASE_11_REPORT":
      await reportPhase(ctx, run);
      return;
  }
}

type Next = { to: Phase } | { pause: string; pending: PendingDecision | null } | { complete: true };

/** Where a checkpointed phase goes next. */
async function next(ctx: LoopContext, run: Run, phase: WorkPhase): Promise<Next> {
  if (endedAtFailure(run, phase)) return { to: "PHASE_10_AGGREGATE" };
  switch (phase) {
    case "PHASE_0_PREFLIGHT":
      return { to: "PHASE_1_PARSE_INPUT" };
    case "PHASE_1_PARSE_INPUT":
      return { to: "PHASE_2_PROFILE" };
    case "PHASE_2_PROFILE":
      return { to: "PHASE_3_WRONG_TOOL_GATE" };
    case "PHASE_3_WRONG_TOOL_GATE": {
      const after = await afterGate(ctx, run);
      if (after.kind === "pause") return { pause: after.reason, pending: gatePause(run, after.reason) };
      if (after.to === "PHASE_10_AGGREGATE") endCycleEarly(ctx, ctx.client.load(), "WRONG_TOOL_BLOCK", payloadOf(run, "PHASE_3_WRONG_TOOL_GATE")?.final_result ?? "");
      return { to: after.to };
    }
    case "PHASE_4_RESEARCH":
      if (payloadOf(run, "PHASE_4_RESEARCH")?.hypotheses_count === 0) {
        endCycleEarly(ctx, run, "NO_HYPOTHESES", null);
        return { to: "PHASE_10_AGGREGATE" };
      }
      return { to: "PHASE_5_SET_TARGET" };
    case "PHASE_5_SET_TARGET":
      return { to: "PHASE_6_WRITE_CONTEXT" };
    case "PHASE_6_WRITE_CONTEXT":
      return { to: "PHASE_7_VALIDATE_PLAN" };
    case "PHASE_7_VALIDATE_PLAN":
      return { to: "PHASE_8_EXECUTE" };
    case "PHASE_8_EXECUTE":
      return { to: "PHASE_9_CYCLE_BOUNDARY" };
    case "PHASE_9_CYCLE_BOUNDARY":
      return { to: run.state.stop_reason ? "PHASE_10_AGGREGATE" : "PHASE_2_PROFILE" };
    case "PHASE_10_AGGREGATE":
      return { to: "PHASE_11_REPORT" };
    case "PHASE_11_REPORT":
      return { complete: true };
  }
}

/** Applies the answer to a pending decision of a paused run. */
function answer(ctx: LoopContext, run: Run, pending: PendingDecision, choice: string): void {
  if (pending.kind === "validation_no_go") {
    if (choice === "waive") {
      const previous = payloadOf(run, "PHASE_7_VALIDATE_PLAN");
      ctx.client.checkpoint("PHASE_7_VALIDATE_PLAN", { validation_verdict: "WAIVED", feasibility: previous?.feasibility, summary_path: previous?.summary_path, waived_by: "person" });
      return;
    }
    endCycleEarly(ctx, run, "PLAN_DECLINED", null);
    ctx.client.resolve("PHASE_10_AGGREGATE", choice);
    return;
  }
  if (pending.kind === "gate_block") {
    if (choice === "waive") {
      const previous = payloadOf(run, "PHASE_3_WRONG_TOOL_GATE");
      ctx.client.resolve("PHASE_3_WRONG_TOOL_GATE", choice);
      ctx.client.checkpoint("PHASE_3_WRONG_TOOL_GATE", { gate_verdict: "WAIVED", gate: previous?.gate, waived_by: "person" });
      return;
    }
    endCycleEarly(ctx, run, "WRONG_TOOL_BLOCK", payloadOf(run, "PHASE_3_WRONG_TOOL_GATE")?.final_result ?? "");
    ctx.client.resolve("PHASE_10_AGGREGATE", choice);
    return;
  }
  if (pending.kind === "phase_failed") {
    const phase = pending.resume_to_phase as WorkPhase;
    const failure = repeatedFailure(run, phase);
    if (choice === "end" && failure) {
      endAtFailure(ctx, run, phase, failure);
      ctx.client.resolve("PHASE_10_AGGREGATE", choice);
      return;
    }
    clearFailure(ctx, run);
    ctx.client.resolve(phase, choice);
    return;
  }
  // A decision perfloop does not know (an agent paused the run): resume where it paused.
  ctx.client.resolve(pending.resume_to_phase, choice);
}

/** Asks the person for the answer to a pending decision; "pause" keeps it pending. */
async function ask(ctx: LoopContext, run: Run, pending: PendingDecision): Promise<string> {
  if (pending.kind === "validation_no_go") return await askNoGo(ctx, run);
  await ctx.asker.note("The run is waiting for a decision", [pending.question]);
  const choice = await ctx.asker.select(
    pending.question,
    [...pending.choices.map((c) => ({ value: c, label: c })), { value: "pause", label: "pause", hint: "decide later with perfloop resume --decide" }],
    pending.default_choice ?? "pause",
  );
  if (choice === CANCELLED) throw new CancelledError(`stopped at a question: continue with perfloop resume --slug ${ctx.slug}`);
  return choice;
}

/** On a terminal: try the failing phase again, or end the run with a report. */
async function askAfterFailures(ctx: LoopContext, question: string): Promise<"retry" | "end"> {
  const choice = await ctx.asker.select(question, [
    { value: "end", label: "End here", hint: "a report of what was done; what earlier cycles kept stays on the branch" },
    { value: "retry", label: "Try again", hint: "after fixing what made it fail" },
  ], "end");
  if (choice === CANCELLED) throw new CancelledError(`stopped at a question: continue with perfloop resume --slug ${ctx.slug}`);
  return choice as "retry" | "end";
}

export async function drive(ctx: LoopContext, decide?: string): Promise<DriveOutcome> {
  let pendingAnswer = decide;
  for (;;) {
    checkStop(ctx);
    const run = ctx.client.load();
    const state = run.state;
    ctx.where.cycle = state.current_cycle;
    if (state.complete) return { kind: "done", report: buildReport(run, ctx.repo.dir, (payloadOf(run, "PHASE_11_REPORT")?.merged ?? null) as RunReport["merged"]) };
    if (state.phase === "PAUSED") {
      const pending = state.pending_decision;
      if (!pending) {
        if (pendingAnswer !== undefined) throw new UsageError(`the run is paused (${state.paused_reason ?? "by hand"}) but has no pending decision to answer with --decide ${pendingAnswer}`, `resume it without --decide: perfloop resume --slug ${ctx.slug}`);
        if (!state.paused_from) throw new PerfloopError("paused_nowhere", "the run is paused and does not say where it paused", { hint: "perfloop runtime advance --resolve --to <phase>" });
        ctx.client.resolve(state.paused_from);
        continue;
      }
      let choice = pendingAnswer;
      pendingAnswer = undefined;
      if (choice === undefined) {
        if (!ctx.asker.interactive) return { kind: "paused", reason: state.paused_reason ?? pending.question, pending, run_id: run.runId };
        choice = await ask(ctx, run, pending);
      }
      if (choice === "pause") return { kind: "paused", reason: state.paused_reason ?? pending.question, pending, run_id: run.runId };
      if (!pending.choices.includes(choice)) {
        throw new UsageError(`--decide ${choice} is not an answer to "${pending.question}"`, `choose one of: ${pending.choices.join(", ")}`);
      }
      answer(ctx, run, pending, choice);
      continue;
    }
    if (pendingAnswer !== undefined) throw new UsageError(`the run is not waiting for a decision (it is at ${phaseLabel(state.phase)})`, `resume it without --decide: perfloop resume --slug ${ctx.slug}`);
    const phase = state.phase as WorkPhase;
    if (!latestCheckpoint(run.checkpoints, phase, state.current_cycle)) {
      const failed = repeatedFailure(run, phase);
      if (failed) {
        // The same failure again and again: not tried blindly once more (phase-failures.ts).
        const choice = ctx.asker.yes ? "end" : ctx.asker.interactive ? await askAfterFailures(ctx, failureQuestion(run, failed)) : null;
        if (choice === null) {
          ctx.client.pause(failureQuestion(run, failed), failurePause(run, phase, failed));
          continue;
        }
        if (choice === "end") {
          endAtFailure(ctx, run, phase, failed);
          ctx.client.advance("PHASE_10_AGGREGATE");
          continue;
        }
        clearFailure(ctx, run);
      }
      ctx.say(`phase ${phaseLabel(phase)}`, true);
      try {
        await work(ctx, run, phase);
      } catch (error) {
        // After a Ctrl-C, a command it ended fails: that is the stop, not a failure of the phase.
        if (ctx.signal.aborted && !(error instanceof CancelledError)) checkStop(ctx);
        recordFailure(ctx, run, phase, error);
        throw error;
      }
      continue;
    }
    const step = await next(ctx, run, phase);
    if ("complete" in step) {
      ctx.client.complete();
      continue;
    }
    if ("pause" in step) {
      ctx.client.pause(step.pause, step.pending);
      continue;
    }
    ctx.client.advance(step.to);
  }
}

