// The flows of runtime contract §5.5 and the "Worth adding" list of §7, driving the real CLI:
// NO_GO pause/resolve, pause/resolve from an ordinary phase, plan_only, the next cycle (cycle-scoped
// verdicts, max_cycles, plateau), the BLOCK diagnostic exit, `advance --to DONE` = `complete`,
// record-cycle upsert, worker results and the status shape.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { after, test } from "node:test";
import { RuntimeDriver, cli, removeDir, tempDir, type CliResult } from "../helpers/cli.ts";

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

function fresh(slug: string): RuntimeDriver {
  const dir = tempDir();
  dirs.push(dir);
  return new RuntimeDriver(dir, slug);
}

function describe(result: CliResult): string {
  return `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
}

/** A call that must succeed: exit 0, `ok:true` on stdout, nothing on stderr. */
function ok(result: CliResult, what: string): any {
  assert.equal(result.code, 0, `${what}: ${describe(result)}`);
  assert.equal(result.json?.ok, true, `${what}: ${describe(result)}`);
  return result.json;
}

/** A guard refusal: exit 1, `{ok:false,error,validation_errors,guard}` on stdout. */
function refused(result: CliResult, pattern: RegExp, what: string): any {
  assert.equal(result.code, 1, `${what} should be refused: ${describe(result)}`);
  assert.equal(result.json?.ok, false, `${what}: ${describe(result)}`);
  assert.match(result.json.error, pattern, what);
  assert.ok(Array.isArray(result.json.validation_errors), `${what}: validation_errors is an array`);
  assert.equal(result.stderr, "", `${what}: nothing on stderr`);
  return result.json;
}

/** A result/hard failure: exit 2, one JSON line on stderr, nothing on stdout, no stack trace. */
function failed(result: CliResult, what: string): any {
  assert.equal(result.code, 2, `${what}: ${describe(result)}`);
  assert.equal(result.stdout, "", `${what}: nothing on stdout`);
  const lines = result.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `${what}: one line on stderr: ${result.stderr}`);
  assert.ok(!result.stderr.includes("    at "), `${what}: no stack trace`);
  const body = JSON.parse(lines[0]!);
  assert.equal(body.ok, false, what);
  assert.equal(typeof body.error, "string", what);
  return body;
}

function state(rt: RuntimeDriver): any {
  return ok(rt.status(), "status").state;
}

function historyEvents(rt: RuntimeDriver, runId: string): any[] {
  const file = join(rt.dir, ".hex-skills", "optimization", "runtime", "runs", runId, "history.jsonl");
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));
}

function pointerFile(rt: RuntimeDriver): string {
  return join(rt.dir, ".hex-skills", "optimization", "runtime", "active", "ln-810", `${rt.slug}.json`);
}

/** start + cycle 1 up to (and including the checkpoint of) the wrong-tool gate, without a verdict. */
function startToGate(rt: RuntimeDriver, maxCycles = 3, extra: Record<string, unknown> = {}): string {
  const started = ok(rt.start(maxCycles, extra), "start");
  ok(rt.cp("0_PREFLIGHT"), "cp preflight");
  ok(rt.adv("1_PARSE_INPUT"), "adv parse");
  ok(rt.cp("1_PARSE_INPUT", { target_metric: { value: 500, unit: "ms" } }), "cp parse");
  ok(rt.adv("2_PROFILE"), "adv profile");
  ok(rt.cp("2_PROFILE"), "cp profile");
  ok(rt.adv("3_WRONG_TOOL_GATE"), "adv gate");
  return started.run_id;
}

/** From the gate of the current cycle (phase GATE) to VALIDATE_PLAN, context recorded. */
function gateToValidate(rt: RuntimeDriver, context = "ctx.md"): void {
  ok(rt.cp("3_WRONG_TOOL_GATE", { gate_verdict: "PROCEED" }), "cp gate PROCEED");
  ok(rt.adv("4_RESEARCH"), "adv research");
  ok(rt.cp("4_RESEARCH", { hypotheses_count: 2 }), "cp research");
  ok(rt.adv("5_SET_TARGET"), "adv set target");
  ok(rt.cp("5_SET_TARGET", { target_metric: { value: 500, unit: "ms" } }), "cp set target");
  ok(rt.adv("6_WRITE_CONTEXT"), "adv write context");
  ok(rt.cp("6_WRITE_CONTEXT", { context_file: context }), "cp context");
  ok(rt.adv("7_VALIDATE_PLAN"), "adv validate");
}

/** From VALIDATE_PLAN (GO) through EXECUTE to CYCLE_BOUNDARY. */
function validateToBoundary(rt: RuntimeDriver): void {
  ok(rt.cp("7_VALIDATE_PLAN", { validation_verdict: "GO" }), "cp validate GO");
  ok(rt.adv("8_EXECUTE"), "adv execute");
  ok(rt.cp("8_EXECUTE", { execution_result: { target_met: false } }), "cp execute");
  ok(rt.adv("9_CYCLE_BOUNDARY"), "adv boundary");
}

// --- NO_GO -----------------------------------------------------------------------------------

test("NO_GO flow: pause with a blocking decision, pause again, resolve, WAIVED, execute", () => {
  const rt = fresh("no-go-flow");
  startToGate(rt);
  gateToValidate(rt);

  ok(rt.rwr("ln-813", { verdict: "NO_GO" }), "rwr ln-813 NO_GO");
  const noGo = ok(rt.cp("7_VALIDATE_PLAN", { validation_verdict: "NO_GO" }), "cp NO_GO");
  assert.equal(noGo.state.phase, "PAUSED", "NO_GO pauses the run (FIX 5)");
  assert.equal(noGo.runtime.phase, "PAUSED");
  assert.equal(noGo.state.paused_from, "PHASE_7_VALIDATE_PLAN");
  assert.equal(noGo.state.pending_decision?.blocking, true, "the pending decision is blocking");
  assert.equal(noGo.state.pending_decision?.resume_to_phase, "PHASE_7_VALIDATE_PLAN");
  const pending = noGo.state.pending_decision;

  const paused = ok(rt.call("pause", { reason: "Waiting for the user on NO_GO" }), "pause");
  assert.equal(paused.state.phase, "PAUSED", "pause keeps PAUSED");
  assert.equal(paused.state.paused_reason, "Waiting for the user on NO_GO");
  assert.equal(paused.state.paused_from, "PHASE_7_VALIDATE_PLAN", "pause keeps paused_from");
  assert.deepEqual(paused.state.pending_decision, pending, "pause keeps the pending decision");
  assert.equal(ok(rt.status(), "status").resume_action, "Paused: Waiting for the user on NO_GO");

  // Resolving to a phase the guards refuse is rejected, and leaves the run paused (FIX 6).
  const decisionsBefore = state(rt).decisions.length;
  refused(
    rt.call("advance", { to: "PHASE_8_EXECUTE", resolve: true }),
    /^Validation verdict does not allow execution$/,
    "resolve straight to EXECUTE while NO_GO",
  );
  refused(rt.call("advance", { to: "DONE", resolve: true }), /DONE/, "resolve to DONE");
  refused(rt.call("advance", { to: "PHASE_11_REPORT", resolve: true }), /./, "resolve to REPORT");
  const stillPaused = state(rt);
  assert.equal(stillPaused.phase, "PAUSED");
  assert.equal(stillPaused.complete, false);
  assert.equal(stillPaused.paused_from, "PHASE_7_VALIDATE_PLAN");
  assert.deepEqual(stillPaused.pending_decision, pending);
  assert.equal(stillPaused.decisions.length, decisionsBefore, "a refused resolve records nothing");

  // A plain advance (no --resolve) out of PAUSED is refused.
  refused(rt.adv("8_EXECUTE"), /^Invalid transition: PAUSED -> PHASE_8_EXECUTE$/, "advance without --resolve");

  const resumed = ok(rt.call("advance", { to: "PHASE_7_VALIDATE_PLAN", resolve: true }), "resolve to VALIDATE");
  assert.equal(resumed.resumed_from, "PAUSED");
  assert.equal(resumed.state.phase, "PHASE_7_VALIDATE_PLAN");
  assert.equal(resumed.runtime.phase, "PHASE_7_VALIDATE_PLAN");
  assert.equal(resumed.state.paused_reason, null);
  assert.equal(resumed.state.pending_decision, null);
  assert.equal(resumed.state.complete, false);
  assert.equal(resumed.state.decisions.length, decisionsBefore + 1, "a decision is recorded");
  const decision = resumed.state.decisions.at(-1);
  assert.equal(decision.kind, "validation_no_go");
  assert.equal(typeof decision.selected_choice, "string");
  assert.ok(!Number.isNaN(Date.parse(decision.answered_at)));

  // Still NO_GO in this cycle: execution is refused until the verdict changes.
  refused(rt.adv("8_EXECUTE"), /^Validation verdict does not allow execution$/, "execute while NO_GO");
  const waived = ok(rt.cp("7_VALIDATE_PLAN", { validation_verdict: "WAIVED" }), "re-cp WAIVED");
  assert.equal(waived.state.phase, "PHASE_7_VALIDATE_PLAN");
  const executing = ok(rt.adv("8_EXECUTE"), "WAIVED -> execute");
  assert.equal(executing.state.phase, "PHASE_8_EXECUTE");
});

test("NO_GO then GO without an explicit resolve: the new verdict answers the decision", () => {
  const rt = fresh("no-go-regate");
  startToGate(rt);
  gateToValidate(rt);
  ok(rt.cp("7_VALIDATE_PLAN", { validation_verdict: "NO_GO" }), "cp NO_GO");
  const go = ok(rt.cp("7_VALIDATE_PLAN", { validation_verdict: "GO" }), "re-cp GO");
  assert.equal(go.state.phase, "PHASE_7_VALIDATE_PLAN");
  assert.equal(go.state.pending_decision, null);
  assert.equal(go.state.decisions.at(-1).kind, "validation_no_go");
  ok(rt.adv("8_EXECUTE"), "GO -> execute");
});

// --- pause / resolve ---------------------------------------------------------------------------

test("pause at RESEARCH and resolve back to RESEARCH; status shows the reason", () => {
  const rt = fresh("pause-research");
  startToGate(rt);
  ok(rt.cp("3_WRONG_TOOL_GATE", { gate_verdict: "PROCEED" }), "cp gate");
  ok(rt.adv("4_RESEARCH"), "adv research");

  const paused = ok(rt.call("pause", { reason: "Need a human to pick the benchmark" }), "pause");
  assert.equal(paused.state.phase, "PAUSED");
  assert.equal(paused.state.paused_from, "PHASE_4_RESEARCH");
  assert.equal(paused.state.paused_reason, "Need a human to pick the benchmark");
  assert.equal(paused.state.complete, false);

  const status = ok(rt.status(), "status while paused");
  assert.equal(status.active, true);
  assert.equal(status.runtime.phase, "PAUSED");
  assert.equal(status.resume_action, "Paused: Need a human to pick the benchmark");

  const last = historyEvents(rt, paused.state.run_id).at(-1);
  assert.equal(last.event_type, "RUN_PAUSED");

  const resumed = ok(rt.call("advance", { to: "PHASE_4_RESEARCH", resolve: true }), "resolve");
  assert.equal(resumed.resumed_from, "PAUSED");
  assert.equal(resumed.state.phase, "PHASE_4_RESEARCH");
  assert.equal(resumed.state.paused_reason, null);
  assert.equal(resumed.state.paused_from, null);
  assert.equal(resumed.state.decisions.length, 1, "the resume is recorded as a decision");

  // The run carries on normally from where it paused.
  ok(rt.cp("4_RESEARCH", { hypotheses_count: 1 }), "cp research");
  ok(rt.adv("5_SET_TARGET"), "adv set target");
});

test("resolve goes to the paused phase or, through the guards, to one of its successors (FIX 6)", () => {
  const rt = fresh("resolve-successor");
  startToGate(rt);
  ok(rt.cp("3_WRONG_TOOL_GATE", { gate_verdict: "BLOCK", stop_reason: "WRONG_TOOL_BLOCK", final_result: "DIAGNOSTIC" }), "cp BLOCK");
  ok(rt.call("pause", { reason: "gate blocked" }), "pause at gate");
  refused(rt.call("advance", { to: "PHASE_4_RESEARCH", resolve: true }), /^Wrong Tool Gate does not allow research$/, "resolve to research on BLOCK");
  refused(rt.call("advance", { to: "PHASE_0_PREFLIGHT", resolve: true }), /./, "resolve to a phase that is not a successor");
  refused(rt.call("advance", { to: "PHASE_99_X", resolve: true }), /PHASE_99_X/, "resolve to an unknown phase");
  refused(rt.call("advance", { to: "PAUSED", resolve: true }), /PAUSED/, "resolve to PAUSED");
  assert.equal(state(rt).phase, "PAUSED");
  ok(rt.cp("3_WRONG_TOOL_GATE", { gate_verdict: "WAIVED" }), "cp WAIVED while paused");
  const paused = state(rt);
  assert.equal(paused.phase, "PAUSED", "a gate checkpoint does not unpause");
  assert.equal(paused.stop_reason, null, "a later verdict clears what the BLOCK set (FIX 8)");
  assert.equal(paused.final_result, null);
  const resumed = ok(rt.call("advance", { to: "PHASE_4_RESEARCH", resolve: true }), "resolve to research after WAIVED");
  assert.equal(resumed.resumed_from, "PAUSED");
  assert.equal(resumed.state.phase, "PHASE_4_RESEARCH");
});

test("--resolve on a run that is not paused is ignored: an ordinary guarded advance", () => {
  const rt = fresh("resolve-not-paused");
  ok(rt.start(), "start");
  refused(rt.call("advance", { to: "PHASE_1_PARSE_INPUT", resolve: true }), /^Checkpoint missing for PHASE_0_PREFLIGHT$/, "guarded");
  ok(rt.cp("0_PREFLIGHT"), "cp preflight");
  const advanced = ok(rt.call("advance", { to: "PHASE_1_PARSE_INPUT", resolve: true }), "advance");
  assert.equal(advanced.resumed_from, undefined);
  assert.equal(advanced.state.phase, "PHASE_1_PARSE_INPUT");
});

test("pause without --reason uses \"Paused\"", () => {
  const rt = fresh("pause-default");
  ok(rt.start(), "start");
  const paused = ok(rt.call("pause"), "pause");
  assert.equal(paused.state.paused_reason, "Paused");
  assert.equal(paused.state.paused_from, "PHASE_0_PREFLIGHT");
  assert.equal(ok(rt.status(), "status").resume_action, "Paused: Paused");
  const resumed = ok(rt.call("advance", { to: "PHASE_0_PREFLIGHT", resolve: true }), "resolve");
  assert.equal(resumed.state.phase, "PHASE_0_PREFLIGHT");
});

test("pause on a DONE run is refused and the run stays DONE (FIX 17)", () => {
  const rt = fresh("pause-done");
  const runId = startToGate(rt);
  ok(rt.cp("3_WRONG_TOOL_GATE", { gate_verdict: "BLOCK", stop_reason: "WRONG_TOOL_BLOCK", final_result: "DIAGNOSTIC" }), "cp BLOCK");
  ok(rt.adv("10_AGGREGATE"), "adv aggregate");
  ok(rt.cp("10_AGGREGATE"), "cp aggregate");
  ok(rt.adv("11_REPORT"), "adv report");
  ok(rt.cp("11_REPORT", { report_ready: true }), "cp report");
  ok(rt.call("complete"), "complete");

  const byId = (): any => ok(cli(["runtime", "status", "--project-root", rt.dir, "--run-id", runId], { cwd: rt.dir }), "status by id");
  const before = byId();
  const refusal = rt.call("pause", { "run-id": runId, reason: "too late" });
  assert.notEqual(refusal.code, 0, `pause on DONE must fail: ${describe(refusal)}`);
  assert.equal(refusal.json?.ok, false);
  const afterwards = byId();
  assert.equal(afterwards.state.phase, "DONE");
  assert.equal(afterwards.state.complete, true);
  assert.equal(afterwards.state.paused_reason, null);
  assert.deepEqual(afterwards.state, before.state, "nothing changed");
  assert.equal(afterwards.resume_action, "Run complete");
});

// --- plan_only -------------------------------------------------------------------------------

test("plan_only: EXECUTE skipped_by_mode lets the boundary through and is recorded (FIX 10)", () => {
  const rt = fresh("plan-only");
  startToGate(rt, 3, { execution_mode: "plan_only" });
  assert.equal(state(rt).execution_mode, "plan_only");
  gateToValidate(rt);
  ok(rt.cp("7_VALIDATE_PLAN", { validation_verdict: "GO" }), "cp GO");
  ok(rt.adv("8_EXECUTE"), "adv execute");
  // §5.4: rule 3 (no checkpoint yet) comes before rule 6 (plan_only at EXECUTE).
  assert.equal(ok(rt.status(), "status").resume_action, "Complete PHASE_8_EXECUTE and write its checkpoint");
  ok(rt.cp("8_EXECUTE"), "cp execute without a result");
  assert.equal(
    ok(rt.status(), "status").resume_action,
    "Checkpoint PHASE_8_EXECUTE as skipped_by_mode, then advance to PHASE_9_CYCLE_BOUNDARY",
  );
  refused(rt.adv("9_CYCLE_BOUNDARY"), /^Execution summary missing$/, "plan_only without the skip");
  const cp = ok(rt.cp("8_EXECUTE", { status: "skipped_by_mode" }), "cp skipped_by_mode");
  assert.equal(cp.state.phases.PHASE_8_EXECUTE.status, "skipped_by_mode");
  const boundary = ok(rt.adv("9_CYCLE_BOUNDARY"), "skipped -> boundary");
  assert.equal(boundary.state.phase, "PHASE_9_CYCLE_BOUNDARY");
  assert.equal(boundary.state.phases.PHASE_8_EXECUTE.status, "skipped_by_mode");
});

test("plan_only: the contract's payload {status, phase_status} works too", () => {
  const rt = fresh("plan-only-both");
  startToGate(rt, 3, { execution_mode: "plan_only" });
  gateToValidate(rt);
  ok(rt.cp("7_VALIDATE_PLAN", { validation_verdict: "GO" }), "cp GO");
  ok(rt.adv("8_EXECUTE"), "adv execute");
  ok(rt.cp("8_EXECUTE", { status: "skipped_by_mode", phase_status: "skipped_by_mode" }), "cp skipped");
  const boundary = ok(rt.adv("9_CYCLE_BOUNDARY"), "skipped -> boundary");
  assert.equal(boundary.state.phases.PHASE_8_EXECUTE.status, "skipped_by_mode");
});

test("plan_only: phase_status alone is read the same way by phases[] and by the guard (FIX 10)", () => {
  const rt = fresh("plan-only-phase-status");
  startToGate(rt, 3, { execution_mode: "plan_only" });
  gateToValidate(rt);
  ok(rt.cp("7_VALIDATE_PLAN", { validation_verdict: "GO" }), "cp GO");
  ok(rt.adv("8_EXECUTE"), "adv execute");
  const cp = ok(rt.cp("8_EXECUTE", { phase_status: "skipped_by_mode" }), "cp phase_status only");
  // FIX 10 unifies the two keys: the phase record and the guard agree that this is a skip.
  assert.equal(cp.state.phases.PHASE_8_EXECUTE.status, "skipped_by_mode");
  const boundary = ok(rt.adv("9_CYCLE_BOUNDARY"), "phase_status skip -> boundary");
  assert.equal(boundary.state.phase, "PHASE_9_CYCLE_BOUNDARY");
});

test("execute mode: the skipped_by_mode payload is refused with \"Execution summary missing\"", () => {
  const rt = fresh("execute-mode-skip");
  startToGate(rt);
  gateToValidate(rt);
  ok(rt.cp("7_VALIDATE_PLAN", { validation_verdict: "GO" }), "cp GO");
  ok(rt.adv("8_EXECUTE"), "adv execute");
  ok(rt.cp("8_EXECUTE", { status: "skipped_by_mode", phase_status: "skipped_by_mode" }), "cp skipped");
  refused(rt.adv("9_CYCLE_BOUNDARY"), /^Execution summary missing$/, "skip in execute mode");
  assert.equal(state(rt).phase, "PHASE_8_EXECUTE");
});

// --- next cycle --------------------------------------------------------------------------------

test("next cycle: current_cycle moves on the advance; verdicts are cycle-scoped (FIX 7, 8, 12)", () => {
  const rt = fresh("next-cycle");
  startToGate(rt, 3);
  gateToValidate(rt);
  validateToBoundary(rt);

  const recorded = ok(rt.call("record-cycle", { payload: { cycle: 1, status: "completed", next_cycle: 2 } }), "record-cycle 1");
  assert.equal(recorded.state.cycles.length, 1);
  assert.equal(recorded.state.cycles[0].cycle, 1);
  assert.equal(recorded.state.current_cycle, 1, "recording the cycle does not start the next one");
  const boundary = ok(rt.cp("9_CYCLE_BOUNDARY", { next_cycle: 2 }), "cp boundary next_cycle 2");
  assert.equal(boundary.state.current_cycle, 1, "the boundary checkpoint does not start the next cycle");
  assert.equal(boundary.state.stop_reason, null);
  assert.equal(ok(rt.status(), "status at boundary").resume_action, "Advance to PHASE_2_PROFILE for cycle 2");

  const profile = ok(rt.adv("2_PROFILE"), "adv profile (cycle 2)");
  assert.equal(profile.state.phase, "PHASE_2_PROFILE");
  assert.equal(profile.state.current_cycle, 2, "current_cycle becomes 2 on the advance");

  // Cycle 1's PROFILE checkpoint does not count in cycle 2.
  refused(rt.adv("3_WRONG_TOOL_GATE"), /^Checkpoint missing for PHASE_2_PROFILE$/, "gate without a cycle-2 profile checkpoint");
  ok(rt.cp("2_PROFILE"), "cp profile (cycle 2)");
  ok(rt.adv("3_WRONG_TOOL_GATE"), "adv gate (cycle 2)");
  // Cycle 1's PROCEED does not let cycle 2 into research.
  const research = rt.adv("4_RESEARCH");
  assert.equal(research.code, 1, `cycle-1 GATE must not satisfy cycle 2: ${describe(research)}`);
  assert.equal(research.json?.ok, false);
  assert.equal(state(rt).phase, "PHASE_3_WRONG_TOOL_GATE");
  assert.equal(
    ok(rt.status(), "status at cycle-2 gate").resume_action,
    "Complete PHASE_3_WRONG_TOOL_GATE and write its checkpoint",
  );
  ok(rt.cp("3_WRONG_TOOL_GATE", { gate_verdict: "CONCERNS" }), "cp gate (cycle 2)");
  ok(rt.adv("4_RESEARCH"), "CONCERNS -> research (cycle 2)");
  ok(rt.cp("4_RESEARCH", { hypotheses_count: 1 }), "cp research (cycle 2)");
  ok(rt.adv("5_SET_TARGET"), "adv set target (cycle 2)");
  ok(rt.cp("5_SET_TARGET"), "cp set target (cycle 2)");
  ok(rt.adv("6_WRITE_CONTEXT"), "adv context (cycle 2)");
  ok(rt.cp("6_WRITE_CONTEXT", { context_file: "ctx-2.md" }), "cp context (cycle 2)");
  ok(rt.adv("7_VALIDATE_PLAN"), "adv validate (cycle 2)");
  // Cycle 1's GO does not let cycle 2 execute.
  refused(rt.adv("8_EXECUTE"), /./, "execute on cycle 1's verdict");
  validateToBoundary(rt);
  const cp = ok(rt.cp("9_CYCLE_BOUNDARY", { stop_reason: "TARGET_MET", final_result: "TARGET_MET" }), "cp boundary 2");
  assert.equal(cp.state.current_cycle, 2);
  ok(rt.adv("10_AGGREGATE"), "adv aggregate");
});

test("next cycle: max_cycles 2 refuses cycle 3 with a message naming max cycles", () => {
  const rt = fresh("max-cycles");
  startToGate(rt, 2);
  gateToValidate(rt);
  validateToBoundary(rt);
  ok(rt.call("record-cycle", { payload: { cycle: 1, status: "completed", next_cycle: 2 } }), "record-cycle 1");
  ok(rt.cp("9_CYCLE_BOUNDARY", { next_cycle: 2 }), "cp boundary 1");
  ok(rt.adv("2_PROFILE"), "adv profile (cycle 2)");
  ok(rt.cp("2_PROFILE"), "cp profile (cycle 2)");
  ok(rt.adv("3_WRONG_TOOL_GATE"), "adv gate (cycle 2)");
  gateToValidate(rt);
  validateToBoundary(rt);
  ok(rt.call("record-cycle", { payload: { cycle: 2, status: "completed", next_cycle: 3 } }), "record-cycle 2");
  ok(rt.cp("9_CYCLE_BOUNDARY", { next_cycle: 3 }), "cp boundary 2");
  const refusal = refused(rt.adv("2_PROFILE"), /max.?cycles/i, "cycle 3 beyond max_cycles 2");
  assert.match(refusal.error, /2/);
  const after = state(rt);
  assert.equal(after.phase, "PHASE_9_CYCLE_BOUNDARY");
  assert.equal(after.current_cycle, 2);
  assert.doesNotMatch(ok(rt.status(), "status").resume_action, /for cycle 3/, "resume must not suggest cycle 3");
});

test("next cycle: a cycle below plateau_threshold refuses the next cycle", () => {
  const rt = fresh("plateau");
  startToGate(rt, 3);
  gateToValidate(rt);
  validateToBoundary(rt);
  ok(
    rt.call("record-cycle", { payload: { cycle: 1, status: "completed", next_cycle: 2, improvement_pct: 2.5 } }),
    "record-cycle with 2.5% improvement",
  );
  ok(rt.cp("9_CYCLE_BOUNDARY", { next_cycle: 2 }), "cp boundary");
  refused(rt.adv("2_PROFILE"), /plateau/i, "cycle 2 after a plateau");
  assert.equal(state(rt).current_cycle, 1);

  // At or above the threshold the next cycle is allowed.
  ok(rt.call("record-cycle", { payload: { cycle: 1, status: "completed", next_cycle: 2, improvement_pct: 12 } }), "re-record 12%");
  const next = ok(rt.adv("2_PROFILE"), "cycle 2 after a real improvement");
  assert.equal(next.state.current_cycle, 2);
});

// --- BLOCK diagnostic exit -----------------------------------------------------------------------

test("BLOCK diagnostic exit: gate BLOCK -> aggregate -> report -> complete keeps final_result", () => {
  const rt = fresh("block-exit");
  const runId = startToGate(rt);
  const block = ok(
    rt.cp("3_WRONG_TOOL_GATE", { gate_verdict: "BLOCK", stop_reason: "WRONG_TOOL_BLOCK", final_result: "DIAGNOSTIC" }),
    "cp BLOCK",
  );
  assert.equal(block.state.stop_reason, "WRONG_TOOL_BLOCK");
  assert.equal(block.state.final_result, "DIAGNOSTIC");
  assert.equal(block.state.phase, "PHASE_3_WRONG_TOOL_GATE");
  assert.equal(ok(rt.status(), "status").resume_action, "Advance to PHASE_10_AGGREGATE");
  ok(rt.adv("10_AGGREGATE"), "BLOCK -> aggregate");
  ok(rt.cp("10_AGGREGATE"), "cp aggregate");
  ok(rt.adv("11_REPORT"), "adv report");
  ok(rt.cp("11_REPORT", { report_ready: true }), "cp report");
  assert.equal(ok(rt.status(), "status at report").resume_action, "Complete the run (runtime complete)");
  const done = ok(rt.call("complete"), "complete");
  assert.equal(done.state.phase, "DONE");
  assert.equal(done.state.complete, true);
  assert.equal(done.state.final_result, "DIAGNOSTIC");
  assert.equal(done.state.stop_reason, "WRONG_TOOL_BLOCK");
  assert.equal(done.state.pending_decision, null);
  assert.equal(existsSync(pointerFile(rt)), false, "complete deletes the pointer");
  assert.equal(historyEvents(rt, runId).at(-1).event_type, "RUN_COMPLETED");
});

// --- advance --to DONE == complete -----------------------------------------------------------------

function toReport(rt: RuntimeDriver): string {
  const runId = startToGate(rt);
  ok(rt.cp("3_WRONG_TOOL_GATE", { gate_verdict: "BLOCK", stop_reason: "WRONG_TOOL_BLOCK", final_result: "DIAGNOSTIC" }), "cp BLOCK");
  ok(rt.adv("10_AGGREGATE"), "adv aggregate");
  ok(rt.cp("10_AGGREGATE"), "cp aggregate");
  ok(rt.adv("11_REPORT"), "adv report");
  ok(rt.cp("11_REPORT", { report_ready: true, final_result: "DIAGNOSTIC" }), "cp report");
  return runId;
}

test("advance --to DONE from REPORT ends the run exactly like complete (FIX 11)", () => {
  const viaComplete = fresh("end-complete");
  const viaAdvance = fresh("end-advance");
  const idComplete = toReport(viaComplete);
  const idAdvance = toReport(viaAdvance);
  assert.equal(existsSync(pointerFile(viaAdvance)), true, "the pointer exists before the end");

  const completed = ok(viaComplete.call("complete"), "complete");
  const advanced = ok(viaAdvance.adv("DONE"), "advance --to DONE");

  for (const [rt, runId, body] of [
    [viaComplete, idComplete, completed],
    [viaAdvance, idAdvance, advanced],
  ] as const) {
    assert.equal(body.state.phase, "DONE");
    assert.equal(body.state.complete, true);
    assert.equal(body.state.paused_reason, null);
    assert.equal(body.state.pending_decision, null);
    assert.equal(existsSync(pointerFile(rt)), false, `${rt.slug}: the pointer file is deleted`);
    assert.equal(historyEvents(rt, runId).at(-1).event_type, "RUN_COMPLETED", `${rt.slug}: last event`);
    assert.deepEqual(ok(rt.status(), "status by slug"), { ok: true, active: false, runtime: null });
  }
  const strip = (s: any) => {
    const { run_id, identifier, slug, target, created_at, updated_at, phases, decisions, ...rest } = s;
    return rest;
  };
  assert.deepEqual(strip(advanced.state), strip(completed.state), "same end state");
});

// --- record-cycle ---------------------------------------------------------------------------------

test("record-cycle upserts by cycle and keeps the list sorted", () => {
  const rt = fresh("cycle-upsert");
  ok(rt.start(), "start");
  ok(rt.call("record-cycle", { payload: { cycle: 2, status: "completed", improvement_pct: 10 } }), "record 2");
  ok(rt.call("record-cycle", { payload: { cycle: 1, status: "completed", improvement_pct: 30 } }), "record 1");
  const last = ok(
    rt.call("record-cycle", { payload: { cycle: 2, status: "completed", improvement_pct: 20, recorded_at: "2026-04-01T10:00:00.000Z" } }),
    "record 2 again",
  );
  const cycles = last.state.cycles;
  assert.equal(cycles.length, 2);
  assert.deepEqual(
    cycles.map((c: any) => c.cycle),
    [1, 2],
  );
  assert.equal(cycles[0].improvement_pct, 30);
  assert.equal(cycles[1].improvement_pct, 20, "the second cycle-2 record replaced the first");
  assert.equal(cycles[1].recorded_at, "2026-04-01T10:00:00.000Z", "a given recorded_at is kept");
  assert.ok(!Number.isNaN(Date.parse(cycles[0].recorded_at)), "recorded_at defaults to now");
  assert.deepEqual(state(rt).cycles, cycles, "persisted");
  assert.equal(state(rt).current_cycle, 1, "recording cycles does not move current_cycle");
});

test("record-cycle without a cycle uses current_cycle; schema failures are result fails", () => {
  const rt = fresh("cycle-default");
  ok(rt.start(), "start");
  const recorded = ok(rt.call("record-cycle", { payload: { status: "completed" } }), "record without cycle");
  assert.equal(recorded.state.cycles[0].cycle, 1);
  const bad = failed(rt.call("record-cycle", { payload: { cycle: 1, status: "done" } }), "bad status");
  assert.match(bad.error, /^Invalid optimization cycle record: \/status must be one of: completed/);
  assert.deepEqual(bad.details, [{ instancePath: "/status", message: "must be one of: completed" }]);
  const zero = failed(rt.call("record-cycle", { payload: { cycle: 1.5 } }), "fractional cycle");
  assert.match(zero.error, /^Invalid optimization cycle record: \/cycle must be integer/);
  assert.equal(state(rt).cycles.length, 1, "failures write nothing");
});

// --- worker results --------------------------------------------------------------------------------

test("worker results: the real worker outputs are accepted and unknown keys kept (FIX 2)", () => {
  const rt = fresh("worker-results");
  ok(rt.start(), "start");
  const profile = {
    baseline: { wall_time_ms: 6300, cpu_time_ms: 4100 },
    performance_map: { test_command: "bun test", steps: [] },
    top_bottlenecks: [{ step: "1.2", type: "I/O-DB", share: 0.7, description: "N+1" }],
    suspicion_stack: [{ category: "db", location: "a.ts:10", verdict: "confirmed" }],
    wrong_tool_indicators: [],
    instrumented_files: ["src/a.ts"],
    e2e_test: { command: null, source: "none" },
  };
  const research = {
    industry_benchmark: { metric: "p50", expected_range: "100-300ms", source: "x" },
    target_metrics: { wall_time_ms: { value: 500, source: "x", confidence: "HIGH" } },
    recommended_target: 500,
    hypotheses: [
      { id: "H1", description: "batch the queries", files_to_modify: ["src/a.ts"], dependencies: [], conflicts_with: [] },
      "H2",
    ],
    local_codebase_findings: ["uses an ORM"],
  };
  const validation = {
    verdict: "GO_WITH_CONCERNS",
    corrections_applied: 2,
    hypotheses_removed: ["H3"],
    hypotheses_added: ["H4"],
    concerns: [{ type: "risk", detail: "migration" }, "flaky test"],
    agent_summary: "two corrections",
  };
  const execution = {
    baseline: { wall_time_ms: 6300 },
    final: { wall_time_ms: 900 },
    total_improvement_pct: 85.7,
    target_met: false,
    strike_result: "bisected",
    hypotheses_applied: ["H1"],
    hypotheses_removed: [{ id: "H2", reason: "regressed" }],
    contested_results: [],
    branch: "optimize/ln-810-x-20260401-101010",
    files_modified: ["src/a.ts"],
  };
  for (const [worker, payload] of [
    ["ln-811", profile],
    ["ln-812", research],
    ["ln-813", validation],
    ["ln-814", execution],
  ] as const) {
    const result = ok(rt.rwr(worker, payload), `rwr ${worker}`);
    const stored = result.state.worker_results[worker];
    assert.equal(stored.worker, worker);
    assert.ok(!Number.isNaN(Date.parse(stored.recorded_at)), `${worker}: recorded_at`);
    for (const [key, value] of Object.entries(payload)) {
      assert.deepEqual(stored[key], value, `${worker}: ${key} kept as given`);
    }
  }
  const results = state(rt).worker_results;
  assert.deepEqual(Object.keys(results).sort(), ["ln-811", "ln-812", "ln-813", "ln-814"]);
  assert.equal(results["ln-813"].agent_summary, "two corrections");
  assert.equal(results["ln-813"].corrections_applied, 2);

  // A later result for the same worker replaces the earlier one.
  ok(rt.rwr("ln-813", { verdict: "GO", recorded_at: "2026-04-01T10:00:00.000Z" }), "rwr ln-813 again");
  const replaced = state(rt).worker_results["ln-813"];
  assert.equal(replaced.verdict, "GO");
  assert.equal(replaced.recorded_at, "2026-04-01T10:00:00.000Z");
  assert.equal(replaced.agent_summary, undefined);
});

const WORKER_REJECTIONS: Array<[object, string, string]> = [
  [{ target_met: "yes" }, "/target_met", "must be boolean"],
  [{ total_improvement_pct: "5" }, "/total_improvement_pct", "must be number"],
  // An array is not an object (valibot's record accepts arrays; the schema must not).
  [{ baseline: [] }, "/baseline", "must be object"],
  [{ hypotheses: "H1" }, "/hypotheses", "must be array"],
  [{ recorded_at: "yesterday" }, "/recorded_at", "must be a valid date-time string"],
];

for (const [payload, path, message] of WORKER_REJECTIONS) {
  test(`worker results: ${JSON.stringify(payload)} is a result fail on stderr with details, exit 2, nothing stored`, () => {
    const rt = fresh("worker-rejects");
    ok(rt.start(), "start");
    const before = state(rt);
    const body = failed(rt.rwr("ln-814", payload), `rwr ${JSON.stringify(payload)}`);
    assert.deepEqual(Object.keys(body).sort(), ["details", "error", "ok"]);
    assert.equal(body.error, `Invalid optimization worker result: ${path} ${message}`);
    assert.deepEqual(body.details, [{ instancePath: path, message }]);
    assert.deepEqual(state(rt), before, "nothing was written");
  });
}

test("worker results: several problems are joined with \"; \" and each has a detail", () => {
  const rt = fresh("worker-rejects-many");
  ok(rt.start(), "start");
  const before = state(rt);
  const body = failed(rt.rwr("ln-814", { target_met: "yes", total_improvement_pct: "5" }), "two problems");
  assert.match(body.error, /^Invalid optimization worker result: \/\S+ must be \w+; \/\S+ must be \w+$/);
  assert.deepEqual(
    [...body.details].sort((a: any, b: any) => a.instancePath.localeCompare(b.instancePath)),
    [
      { instancePath: "/target_met", message: "must be boolean" },
      { instancePath: "/total_improvement_pct", message: "must be number" },
    ],
  );
  const missing = failed(rt.call("record-worker-result", { payload: { verdict: "GO" } }), "no --worker");
  assert.equal(missing.error, "record-worker-result requires --worker");
  assert.deepEqual(state(rt), before, "nothing was written");
});

// --- status shape ----------------------------------------------------------------------------------

test("status: the documented shape with absolute paths", () => {
  const rt = fresh("status-shape");
  const started = ok(rt.start(), "start");
  ok(rt.cp("0_PREFLIGHT"), "cp preflight");
  const status = ok(rt.status(), "status");
  assert.deepEqual(Object.keys(status).sort(), [
    "active",
    "checkpoints",
    "manifest",
    "ok",
    "paths",
    "resume_action",
    "runtime",
    "state",
  ]);
  assert.equal(status.active, true);
  assert.deepEqual(status.runtime, {
    skill: "ln-810",
    identifier: "status-shape",
    run_id: started.run_id,
    phase: "PHASE_0_PREFLIGHT",
    complete: false,
  });
  assert.equal(status.manifest.slug, "status-shape");
  assert.equal(status.state.run_id, started.run_id);
  assert.equal(status.checkpoints._history.length, 1);
  assert.equal(status.checkpoints._next_sequence, 2);
  assert.equal(status.checkpoints.PHASE_0_PREFLIGHT.sequence, 1);
  assert.equal(status.resume_action, "Advance to PHASE_1_PARSE_INPUT");

  assert.deepEqual(Object.keys(status.paths).sort(), ["active", "checkpoints", "history", "manifest", "root", "run_dir", "state"]);
  const root = join(rt.dir, ".hex-skills", "optimization", "runtime");
  const runDir = join(root, "runs", started.run_id);
  for (const [key, value] of Object.entries(status.paths)) {
    assert.ok(isAbsolute(value as string), `paths.${key} is absolute: ${value}`);
  }
  assert.equal(status.paths.root, root);
  assert.equal(status.paths.run_dir, runDir);
  assert.equal(status.paths.manifest, join(runDir, "manifest.json"));
  assert.equal(status.paths.state, join(runDir, "state.json"));
  assert.equal(status.paths.checkpoints, join(runDir, "checkpoints.json"));
  assert.equal(status.paths.history, join(runDir, "history.jsonl"));
  assert.equal(status.paths.active, pointerFile(rt));
  for (const key of ["run_dir", "manifest", "state", "checkpoints", "history", "active"]) {
    assert.ok(existsSync(status.paths[key]), `paths.${key} exists`);
  }

  // A relative --project-root still yields absolute paths.
  const relative = cli(["runtime", "status", "--project-root", ".", "--slug", rt.slug], { cwd: rt.dir });
  assert.equal(ok(relative, "status with relative root").paths.root, root);
});

test("status: a bogus but well-formed --run-id reads as inactive", () => {
  const rt = fresh("status-bogus");
  ok(rt.start(), "start");
  const result = cli(["runtime", "status", "--project-root", rt.dir, "--run-id", "ln-810-nothing-1700000000000-deadbeef"], {
    cwd: rt.dir,
  });
  assert.equal(result.code, 0, describe(result));
  assert.deepEqual(result.json, { ok: true, active: false, runtime: null });
});
