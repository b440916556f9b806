// computeResumeAction (runtime contract §5.4), with the quirks perfloop fixes (FIX 12): after BLOCK
// it points at aggregate, at REPORT it names `complete`, the next cycle number is right, and the
// cycle limits show up in the suggestion.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { validateTransition } from "../../src/runtime/guards.ts";
import { PHASES, type Phase } from "../../src/runtime/phases.ts";
import { computeResumeAction } from "../../src/runtime/resume-action.ts";
import type { State } from "../../src/runtime/schemas.ts";
import {
  AGGREGATE,
  BOUNDARY,
  checkpoints,
  CONTEXT,
  EXECUTE,
  GATE,
  PARSE,
  PREFLIGHT,
  PROFILE,
  REPORT,
  RESEARCH,
  state,
  TARGET,
  VALIDATE,
  type CheckpointSpec,
} from "./runtime-fixtures.ts";


const COMPLETE_MESSAGE = "Complete the run (runtime complete)";

interface Case {
  name: string;
  state: Partial<State>;
  cps?: CheckpointSpec[];
  expected: string;
}

function resume(overrides: Partial<State>, specs: CheckpointSpec[] = []): string {
  return computeResumeAction(state(overrides), checkpoints(...specs));
}

function run(cases: Case[]): void {
  for (const c of cases) {
    test(`${c.name} -> ${JSON.stringify(c.expected)}`, () => {
      assert.equal(resume(c.state, c.cps), c.expected);
    });
  }
}

describe("rule 1: Run complete", () => {
  run([
    { name: "complete at DONE", state: { phase: "DONE", complete: true }, expected: "Run complete" },
    { name: "phase DONE without complete", state: { phase: "DONE", complete: false }, expected: "Run complete" },
    { name: "complete while PAUSED", state: { phase: "PAUSED", complete: true, paused_reason: "x" }, expected: "Run complete" },
    { name: "complete at REPORT", state: { phase: REPORT, complete: true }, expected: "Run complete" },
  ]);
});

describe("rule 2: Paused", () => {
  run([
    { name: "with a reason", state: { phase: "PAUSED", paused_reason: "Validation verdict NO_GO" }, expected: "Paused: Validation verdict NO_GO" },
    { name: "with a null reason", state: { phase: "PAUSED", paused_reason: null }, expected: "Paused: manual intervention required" },
    { name: "with an empty reason", state: { phase: "PAUSED", paused_reason: "" }, expected: "Paused: manual intervention required" },
    {
      name: "with checkpoints of the paused-from phase",
      state: { phase: "PAUSED", paused_reason: "Paused", paused_from: VALIDATE },
      cps: [[VALIDATE, { validation_verdict: "NO_GO" }]],
      expected: "Paused: Paused",
    },
  ]);
});

describe("rule 3: no checkpoint for the current phase", () => {
  for (const phase of PHASES) {
    test(`${phase} without a checkpoint`, () => {
      assert.equal(resume({ phase }), `Complete ${phase} and write its checkpoint`);
    });
    test(`${phase} with checkpoints of every other phase only`, () => {
      const others: CheckpointSpec[] = PHASES.filter((p) => p !== phase).map((p) => [p]);
      assert.equal(resume({ phase }, others), `Complete ${phase} and write its checkpoint`);
    });
  }
  run([
    {
      name: "cycle 2 profile with only cycle 1's profile checkpoint",
      state: { phase: PROFILE, current_cycle: 2 },
      cps: [[PROFILE, {}, 1]],
      expected: `Complete ${PROFILE} and write its checkpoint`,
    },
    {
      name: "cycle 2 gate with only cycle 1's BLOCK",
      state: { phase: GATE, current_cycle: 2 },
      cps: [[GATE, { gate_verdict: "BLOCK" }, 1]],
      expected: `Complete ${GATE} and write its checkpoint`,
    },
    {
      name: "an unknown phase",
      state: { phase: "PHASE_12_BOGUS" as Phase },
      expected: "Complete PHASE_12_BOGUS and write its checkpoint",
    },
    {
      name: "the rule comes before the WRITE_CONTEXT rule",
      state: { phase: CONTEXT, context_file: null },
      expected: `Complete ${CONTEXT} and write its checkpoint`,
    },
    {
      name: "the rule comes before the plan_only rule",
      state: { phase: EXECUTE, execution_mode: "plan_only" },
      expected: `Complete ${EXECUTE} and write its checkpoint`,
    },
  ]);
});

describe("rule 4: the context file", () => {
  run([
    {
      name: "WRITE_CONTEXT checkpointed, no context_file",
      state: { phase: CONTEXT, context_file: null },
      cps: [[CONTEXT]],
      expected: "Write optimization context file and checkpoint PHASE_6_WRITE_CONTEXT",
    },
    {
      name: "WRITE_CONTEXT checkpointed, empty context_file",
      state: { phase: CONTEXT, context_file: "" },
      cps: [[CONTEXT]],
      expected: "Write optimization context file and checkpoint PHASE_6_WRITE_CONTEXT",
    },
    {
      name: "WRITE_CONTEXT with a context_file",
      state: { phase: CONTEXT, context_file: "ctx.md" },
      cps: [[CONTEXT, { context_file: "ctx.md" }]],
      expected: `Advance to ${VALIDATE}`,
    },
  ]);
});

describe("rule 5: NO_GO", () => {
  run([
    {
      name: "VALIDATE_PLAN with NO_GO (not paused)",
      state: { phase: VALIDATE },
      cps: [[VALIDATE, { validation_verdict: "NO_GO" }]],
      expected: "Present NO_GO issues to the user, then resolve or pause",
    },
    {
      name: "VALIDATE_PLAN with NO_GO then WAIVED",
      state: { phase: VALIDATE },
      cps: [[VALIDATE, { validation_verdict: "NO_GO" }], [VALIDATE, { validation_verdict: "WAIVED" }]],
      expected: `Advance to ${EXECUTE}`,
    },
    {
      name: "VALIDATE_PLAN with GO",
      state: { phase: VALIDATE },
      cps: [[VALIDATE, { validation_verdict: "GO" }]],
      expected: `Advance to ${EXECUTE}`,
    },
  ]);
});

describe("rule 6: plan_only execution", () => {
  run([
    {
      name: "plan_only, EXECUTE checkpointed without the skip",
      state: { phase: EXECUTE, execution_mode: "plan_only" },
      cps: [[EXECUTE]],
      expected: "Checkpoint PHASE_8_EXECUTE as skipped_by_mode, then advance to PHASE_9_CYCLE_BOUNDARY",
    },
    {
      name: "plan_only, EXECUTE checkpointed as skipped_by_mode",
      state: { phase: EXECUTE, execution_mode: "plan_only" },
      cps: [[EXECUTE, { status: "skipped_by_mode", phase_status: "skipped_by_mode" }]],
      expected: `Advance to ${BOUNDARY}`,
    },
    {
      name: "execute mode with an execution_result",
      state: { phase: EXECUTE, execution_mode: "execute" },
      cps: [[EXECUTE, { execution_result: { target_met: true } }]],
      expected: `Advance to ${BOUNDARY}`,
    },
  ]);
});

describe("rule 7: the cycle boundary", () => {
  run([
    {
      name: "a stop reason",
      state: { phase: BOUNDARY, stop_reason: "TARGET_MET" },
      cps: [[BOUNDARY, { stop_reason: "TARGET_MET" }]],
      expected: "Advance to PHASE_10_AGGREGATE",
    },
    {
      name: "a stop reason at max cycles",
      state: { phase: BOUNDARY, stop_reason: "MAX_CYCLES", current_cycle: 3 },
      cps: [[BOUNDARY, {}, 3]],
      expected: "Advance to PHASE_10_AGGREGATE",
    },
    {
      name: "cycle 1 of 3",
      state: { phase: BOUNDARY, current_cycle: 1 },
      cps: [[BOUNDARY]],
      expected: "Advance to PHASE_2_PROFILE for cycle 2",
    },
    {
      // The original was off by one once next_cycle had bumped current_cycle (FIX 12).
      name: "cycle 1 of 3 with next_cycle 2 recorded",
      state: { phase: BOUNDARY, current_cycle: 1, next_cycle: 2 },
      cps: [[BOUNDARY, { next_cycle: 2 }]],
      expected: "Advance to PHASE_2_PROFILE for cycle 2",
    },
    {
      name: "cycle 2 of 3",
      state: { phase: BOUNDARY, current_cycle: 2 },
      cps: [[BOUNDARY, {}, 2]],
      expected: "Advance to PHASE_2_PROFILE for cycle 3",
    },
    {
      name: "cycle 3 of 3: max cycles reached",
      state: { phase: BOUNDARY, current_cycle: 3 },
      cps: [[BOUNDARY, {}, 3]],
      expected: "Max cycles reached (3 of 3); record stop_reason MAX_CYCLES and advance to PHASE_10_AGGREGATE",
    },
    {
      name: "cycle 1 of 1: max cycles reached",
      state: { phase: BOUNDARY, current_cycle: 1, cycle_config: { max_cycles: 1, plateau_threshold: 5 } },
      cps: [[BOUNDARY]],
      expected: "Max cycles reached (1 of 1); record stop_reason MAX_CYCLES and advance to PHASE_10_AGGREGATE",
    },
    {
      name: "a plateau",
      state: { phase: BOUNDARY, current_cycle: 1, cycles: [{ cycle: 1, improvement_pct: 3 }] },
      cps: [[BOUNDARY]],
      expected:
        "Plateau: cycle 1 improved 3% (below plateau_threshold 5%); record stop_reason PLATEAU and advance to PHASE_10_AGGREGATE",
    },
    {
      name: "a good improvement",
      state: { phase: BOUNDARY, current_cycle: 1, cycles: [{ cycle: 1, improvement_pct: 30 }] },
      cps: [[BOUNDARY]],
      expected: "Advance to PHASE_2_PROFILE for cycle 2",
    },
    {
      name: "cycle 2 boundary with only cycle 1's boundary checkpoint",
      state: { phase: BOUNDARY, current_cycle: 2 },
      cps: [[BOUNDARY, {}, 1]],
      expected: `Complete ${BOUNDARY} and write its checkpoint`,
    },
  ]);
});

describe("rule 8: the report", () => {
  run([
    {
      name: "REPORT without report_ready",
      state: { phase: REPORT, report_ready: false, final_result: "TARGET_MET" },
      cps: [[REPORT, { final_result: "TARGET_MET" }]],
      expected: "Write final report checkpoint for PHASE_11_REPORT",
    },
    {
      name: "REPORT ready without final_result",
      state: { phase: REPORT, report_ready: true, final_result: null },
      cps: [[REPORT, { report_ready: true }]],
      expected: "Record final_result in the PHASE_11_REPORT checkpoint",
    },
    {
      // The original said "Advance to DONE" here (FIX 12).
      name: "REPORT ready with final_result",
      state: { phase: REPORT, report_ready: true, final_result: "TARGET_MET" },
      cps: [[REPORT, { report_ready: true, final_result: "TARGET_MET" }]],
      expected: COMPLETE_MESSAGE,
    },
  ]);
});

describe("rule 9: the first successor", () => {
  run([
    { name: "PREFLIGHT", state: { phase: PREFLIGHT }, cps: [[PREFLIGHT]], expected: `Advance to ${PARSE}` },
    { name: "PARSE_INPUT", state: { phase: PARSE }, cps: [[PARSE]], expected: `Advance to ${PROFILE}` },
    { name: "PROFILE", state: { phase: PROFILE }, cps: [[PROFILE]], expected: `Advance to ${GATE}` },
    { name: "GATE PROCEED", state: { phase: GATE }, cps: [[GATE, { gate_verdict: "PROCEED" }]], expected: `Advance to ${RESEARCH}` },
    { name: "GATE CONCERNS", state: { phase: GATE }, cps: [[GATE, { gate_verdict: "CONCERNS" }]], expected: `Advance to ${RESEARCH}` },
    // The original suggested research after a BLOCK, which its own guard refused (FIX 12).
    {
      name: "GATE BLOCK",
      state: { phase: GATE, stop_reason: "WRONG_TOOL_BLOCK", final_result: "x" },
      cps: [[GATE, { gate_verdict: "BLOCK" }]],
      expected: "Advance to PHASE_10_AGGREGATE",
    },
    {
      name: "GATE BLOCK then WAIVED",
      state: { phase: GATE },
      cps: [[GATE, { gate_verdict: "BLOCK" }], [GATE, { gate_verdict: "WAIVED" }]],
      expected: `Advance to ${RESEARCH}`,
    },
    {
      name: "RESEARCH with hypotheses",
      state: { phase: RESEARCH },
      cps: [[RESEARCH, { hypotheses_count: 2 }]],
      expected: `Advance to ${TARGET}`,
    },
    {
      name: "RESEARCH with no hypotheses left",
      state: { phase: RESEARCH },
      cps: [[RESEARCH, { hypotheses_count: 0 }]],
      expected: "Advance to PHASE_10_AGGREGATE",
    },
    { name: "SET_TARGET", state: { phase: TARGET }, cps: [[TARGET]], expected: `Advance to ${CONTEXT}` },
    { name: "AGGREGATE", state: { phase: AGGREGATE }, cps: [[AGGREGATE]], expected: `Advance to ${REPORT}` },
  ]);
});

describe("every suggested advance passes the guard", () => {
  const states: [Partial<State>, CheckpointSpec[]][] = [
    [{ phase: PREFLIGHT }, [[PREFLIGHT]]],
    [{ phase: GATE, stop_reason: "WRONG_TOOL_BLOCK" }, [[GATE, { gate_verdict: "BLOCK" }]]],
    [{ phase: GATE }, [[GATE, { gate_verdict: "PROCEED" }]]],
    [{ phase: RESEARCH }, [[RESEARCH, { hypotheses_count: 0 }]]],
    [{ phase: RESEARCH }, [[RESEARCH, { hypotheses_count: 4 }]]],
    [{ phase: CONTEXT, context_file: "ctx.md" }, [[CONTEXT]]],
    [{ phase: VALIDATE }, [[VALIDATE, { validation_verdict: "GO_WITH_CONCERNS" }]]],
    [{ phase: EXECUTE, execution_mode: "plan_only" }, [[EXECUTE, { status: "skipped_by_mode" }]]],
    [{ phase: BOUNDARY, stop_reason: "TARGET_MET" }, [[BOUNDARY]]],
    [{ phase: BOUNDARY, current_cycle: 2 }, [[BOUNDARY, {}, 2]]],
    [{ phase: AGGREGATE }, [[AGGREGATE]]],
  ];
  for (const [overrides, specs] of states) {
    test(`${JSON.stringify(overrides)} ${JSON.stringify(specs)}`, () => {
      const s = state(overrides);
      const cps = checkpoints(...specs);
      const action = computeResumeAction(s, cps);
      const match = /^Advance to (\S+)/.exec(action);
      assert.ok(match, `expected an advance, got ${action}`);
      assert.deepEqual(validateTransition(s, cps, s.phase, match[1]!), { ok: true });
    });
  }

  test("the complete message appears exactly when the guard to DONE passes", () => {
    const ready = state({ phase: REPORT, report_ready: true, final_result: "TARGET_MET" });
    const cps = checkpoints([REPORT, { report_ready: true, final_result: "TARGET_MET" }]);
    assert.equal(computeResumeAction(ready, cps), COMPLETE_MESSAGE);
    assert.deepEqual(validateTransition(ready, cps, REPORT, "DONE"), { ok: true });
  });
});
