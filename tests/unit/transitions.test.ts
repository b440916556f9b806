// The pure state transitions (runtime contract §5.3 and §2) and perfloop's fixes: BLOCK and NO_GO
// leave real pending decisions, later verdicts answer them, cycles advance on BOUNDARY -> PROFILE.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as v from "valibot";
import { appendCheckpoint, emptyCheckpoints } from "../../src/runtime/checkpoints.ts";
import { PHASES, type Phase } from "../../src/runtime/phases.ts";
import {
  DecisionSchema,
  PendingDecisionSchema,
  StateSchema,
  type CheckpointEntry,
  type PendingDecision,
  type State,
} from "../../src/runtime/schemas.ts";
import {
  GATE_BLOCK_DECISION,
  NO_GO_DECISION,
  applyAdvance,
  applyCheckpoint,
  applyComplete,
  applyCycleRecord,
  applyPause,
  applyResolve,
  applyWorkerResult,
  initialState,
  newEntry,
} from "../../src/runtime/transitions.ts";
import { RUN_ID, T0, T1, T2, clone, manifest, state } from "./runtime-fixtures.ts";

const GATE = "PHASE_3_WRONG_TOOL_GATE";
const VALIDATE = "PHASE_7_VALIDATE_PLAN";
const BOUNDARY = "PHASE_9_CYCLE_BOUNDARY";
const PROFILE = "PHASE_2_PROFILE";

function entry(phase: Phase, payload: Record<string, unknown> = {}, cycle = 1, createdAt = T1): CheckpointEntry {
  return { sequence: 1, phase, cycle, created_at: createdAt, payload };
}

/** applyCheckpoint, also checking that the input is untouched and the output is a valid state. */
function cp(before: State, phase: Phase, payload: Record<string, unknown> = {}, now = T1): State {
  const frozen = clone(before);
  const after = applyCheckpoint(before, entry(phase, payload, before.current_cycle, now), now);
  assert.deepEqual(before, frozen, "applyCheckpoint must not change its input");
  assertValid(after);
  return after;
}

function assertValid(s: State): void {
  const result = v.safeParse(StateSchema, s);
  assert.ok(result.success, JSON.stringify(result.issues?.map((i) => [i.path?.map((p) => p.key), i.message])));
}

/** The keys whose values differ between two states. */
function changedKeys(a: State, b: State): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
}

describe("initialState (§4.2 defaults)", () => {
  test("copies the manifest fields and sets the documented initial values", () => {
    const m = manifest({ execution_mode: "plan_only", context_file: "ctx.md" });
    const s = initialState(m, RUN_ID, T0);
    assert.deepEqual(s, {
      run_id: RUN_ID,
      skill: "ln-810",
      mode: "optimization",
      identifier: "align-endpoint",
      slug: "align-endpoint",
      target: "GET /align",
      execution_mode: "plan_only",
      cycle_config: { max_cycles: 3, plateau_threshold: 5 },
      target_metric: { value: 500, unit: "ms" },
      context_file: "ctx.md",
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
      created_at: T0,
      updated_at: T0,
    });
    assertValid(s);
  });
});

describe("applyCheckpoint: phases[] and bookkeeping", () => {
  const cases: [label: string, payload: Record<string, unknown>, status: string][] = [
    ["no status", {}, "completed"],
    ["phase_status", { phase_status: "skipped_by_mode" }, "skipped_by_mode"],
    ["status (the key the guard reads)", { status: "skipped_by_mode" }, "skipped_by_mode"],
    ["both, status wins", { status: "skipped_by_mode", phase_status: "other" }, "skipped_by_mode"],
    ["empty status falls back", { status: "", phase_status: "partial" }, "partial"],
    ["non-string status ignored", { status: 5 }, "completed"],
  ];
  for (const [label, payload, status] of cases) {
    test(`phases[P].status with ${label} -> ${status}`, () => {
      const after = cp(state({ phase: "PHASE_8_EXECUTE" }), "PHASE_8_EXECUTE", payload, T2);
      assert.deepEqual(after.phases.PHASE_8_EXECUTE, { status, ts: T2 });
      assert.equal(after.updated_at, T2);
    });
  }

  test("phases[P].ts is the entry's created_at; other phases are kept", () => {
    const before = state({ phases: { PHASE_0_PREFLIGHT: { status: "completed", ts: T0 } } });
    const after = applyCheckpoint(before, entry("PHASE_1_PARSE_INPUT", {}, 1, T1), T2);
    assert.deepEqual(after.phases, {
      PHASE_0_PREFLIGHT: { status: "completed", ts: T0 },
      PHASE_1_PARSE_INPUT: { status: "completed", ts: T1 },
    });
    assert.equal(after.updated_at, T2);
  });

  for (const phase of ["PHASE_0_PREFLIGHT", PROFILE, "PHASE_4_RESEARCH", "PHASE_8_EXECUTE", "PHASE_10_AGGREGATE"] as const) {
    test(`${phase} changes nothing but phases[] and updated_at, whatever the payload`, () => {
      const before = state({ phase });
      const payload = {
        target: "other",
        target_metric: { value: 1 },
        stop_reason: "X",
        final_result: "Y",
        context_file: "c.md",
        report_ready: true,
        next_cycle: 2,
        gate_verdict: "BLOCK",
        validation_verdict: "NO_GO",
      };
      assert.deepEqual(changedKeys(before, cp(before, phase, payload)), ["phases", "updated_at"]);
    });
  }
});

describe("applyCheckpoint: PARSE_INPUT and SET_TARGET (`||` keeps the old value)", () => {
  const old = { value: 500, unit: "ms" };
  const metricCases: [label: string, payload: Record<string, unknown>, metric: unknown][] = [
    ["a new target_metric", { target_metric: { value: 200, unit: "ms" } }, { value: 200, unit: "ms" }],
    ["no target_metric", {}, old],
    ["target_metric null", { target_metric: null }, old],
    ["target_metric 0", { target_metric: 0 }, old],
    ['target_metric ""', { target_metric: "" }, old],
    ["target_metric a string", { target_metric: "p95 < 200ms" }, "p95 < 200ms"],
  ];
  for (const phase of ["PHASE_1_PARSE_INPUT", "PHASE_5_SET_TARGET"] as const) {
    for (const [label, payload, metric] of metricCases) {
      test(`${phase} with ${label}`, () => {
        const after = cp(state({ phase, target_metric: old }), phase, payload);
        assert.deepEqual(after.target_metric, metric);
      });
    }
  }

  const targetCases: [label: string, payload: Record<string, unknown>, target: string][] = [
    ["a new target", { target: "GET /fast" }, "GET /fast"],
    ["no target", {}, "GET /align"],
    ['target ""', { target: "" }, "GET /align"],
    ["target null", { target: null }, "GET /align"],
  ];
  for (const [label, payload, target] of targetCases) {
    test(`PARSE_INPUT with ${label}`, () => {
      assert.equal(cp(state({ phase: "PHASE_1_PARSE_INPUT" }), "PHASE_1_PARSE_INPUT", payload).target, target);
    });
  }

  test("SET_TARGET does not change the target", () => {
    assert.equal(cp(state({ phase: "PHASE_5_SET_TARGET" }), "PHASE_5_SET_TARGET", { target: "other" }).target, "GET /align");
  });
});

describe("applyCheckpoint: WRITE_CONTEXT", () => {
  const cases: [label: string, before: string | null, payload: Record<string, unknown>, after: string | null][] = [
    ["sets context_file", null, { context_file: "ctx.md" }, "ctx.md"],
    ["replaces context_file", "old.md", { context_file: "new.md" }, "new.md"],
    ["no context_file keeps it", "old.md", {}, "old.md"],
    ["an empty context_file keeps it", "old.md", { context_file: "" }, "old.md"],
    ["a null context_file keeps it", "old.md", { context_file: null }, "old.md"],
    ["no context_file, none before", null, {}, null],
  ];
  for (const [label, before, payload, after] of cases) {
    test(label, () => {
      const s = cp(state({ phase: "PHASE_6_WRITE_CONTEXT", context_file: before }), "PHASE_6_WRITE_CONTEXT", payload);
      assert.equal(s.context_file, after);
    });
  }
});

describe("applyCheckpoint: the wrong-tool gate", () => {
  const atGate = (overrides: Partial<State> = {}) => state({ phase: GATE, ...overrides });

  test("BLOCK sets stop_reason and final_result and leaves a non-blocking pending decision", () => {
    const after = cp(atGate(), GATE, { gate_verdict: "BLOCK", stop_reason: "WRONG_TOOL_BLOCK", final_result: "infrastructure_bound" });
    assert.equal(after.stop_reason, "WRONG_TOOL_BLOCK");
    assert.equal(after.final_result, "infrastructure_bound");
    assert.equal(after.phase, GATE, "a BLOCK does not pause the run");
    assert.equal(after.paused_reason, null);
    const pending = after.pending_decision as PendingDecision;
    assert.deepEqual(pending, {
      kind: GATE_BLOCK_DECISION,
      question: "The wrong-tool gate blocked cycle 1. End here (a diagnostic result), or waive the gate and continue?",
      choices: ["end", "waive"],
      default_choice: "end",
      context: { cycle: 1, stop_reason: "WRONG_TOOL_BLOCK" },
      resume_to_phase: GATE,
      blocking: false,
    });
    assert.equal(GATE_BLOCK_DECISION, "gate_block");
    assert.ok(v.safeParse(PendingDecisionSchema, pending).success);
    assert.deepEqual(after.decisions, []);
  });

  test("a BLOCK in a later cycle is called a successful stop", () => {
    const after = cp(atGate({ current_cycle: 2 }), GATE, { gate_verdict: "BLOCK", stop_reason: "already_optimized" });
    assert.equal(
      after.pending_decision?.question,
      "The wrong-tool gate blocked cycle 2. End here (a successful stop), or waive the gate and continue?",
    );
    assert.deepEqual(after.pending_decision?.context, { cycle: 2, stop_reason: "already_optimized" });
  });

  const keepCases: [label: string, payload: Record<string, unknown>][] = [
    ["missing", {}],
    ["empty", { stop_reason: "", final_result: "" }],
    ["null", { stop_reason: null, final_result: null }],
  ];
  for (const [label, extra] of keepCases) {
    test(`BLOCK with ${label} stop_reason/final_result keeps the old values`, () => {
      const after = cp(atGate({ stop_reason: "OLD_STOP", final_result: "OLD_RESULT" }), GATE, { gate_verdict: "BLOCK", ...extra });
      assert.equal(after.stop_reason, "OLD_STOP");
      assert.equal(after.final_result, "OLD_RESULT");
      assert.equal(after.pending_decision?.kind, GATE_BLOCK_DECISION);
      assert.deepEqual(after.pending_decision?.context, { cycle: 1, stop_reason: extra.stop_reason ?? null });
    });
  }

  const answers: [verdict: string, choice: string][] = [
    ["PROCEED", "regated"],
    ["CONCERNS", "regated"],
    ["WAIVED", "waive"],
  ];
  for (const [verdict, choice] of answers) {
    test(`a later ${verdict} clears what the BLOCK set and records the decision "${choice}"`, () => {
      const blocked = cp(atGate(), GATE, { gate_verdict: "BLOCK", stop_reason: "WRONG_TOOL_BLOCK", final_result: "x" });
      const after = cp(blocked, GATE, { gate_verdict: verdict }, T2);
      assert.equal(after.stop_reason, null);
      assert.equal(after.final_result, null);
      assert.equal(after.pending_decision, null);
      assert.deepEqual(after.decisions, [{ kind: GATE_BLOCK_DECISION, selected_choice: choice, answered_at: T2 }]);
      assert.ok(v.safeParse(DecisionSchema, after.decisions[0]).success);
    });
  }

  test("a PROCEED with no BLOCK before records no decision", () => {
    const after = cp(atGate(), GATE, { gate_verdict: "PROCEED" });
    assert.deepEqual(after.decisions, []);
    assert.equal(after.pending_decision, null);
  });

  test("a PROCEED keeps another kind of pending decision", () => {
    const other: PendingDecision = {
      kind: "manual",
      question: "q?",
      choices: ["a"],
      default_choice: null,
      resume_to_phase: GATE,
      blocking: true,
    };
    const after = cp(atGate({ pending_decision: other }), GATE, { gate_verdict: "PROCEED" });
    assert.deepEqual(after.pending_decision, other);
    assert.deepEqual(after.decisions, []);
  });

  test("a gate checkpoint without a verdict after a BLOCK changes nothing the BLOCK set", () => {
    const blocked = cp(atGate(), GATE, { gate_verdict: "BLOCK", stop_reason: "S", final_result: "R" });
    const after = cp(blocked, GATE, {});
    assert.equal(after.stop_reason, "S");
    assert.equal(after.final_result, "R");
    assert.deepEqual(after.pending_decision, blocked.pending_decision);
  });
});

describe("applyCheckpoint: the plan validator", () => {
  const atValidate = (overrides: Partial<State> = {}) => state({ phase: VALIDATE, ...overrides });

  test("NO_GO pauses with paused_from and a blocking pending decision", () => {
    const concerns = [{ type: "risk", detail: "no test covers it" }];
    const after = cp(atValidate(), VALIDATE, { validation_verdict: "NO_GO", concerns });
    assert.equal(after.phase, "PAUSED");
    assert.equal(after.paused_from, VALIDATE);
    assert.equal(after.paused_reason, "Validation verdict NO_GO");
    assert.equal(after.complete, false);
    assert.deepEqual(after.pending_decision, {
      kind: NO_GO_DECISION,
      question: "The plan validator returned NO_GO in cycle 1. Waive it and execute anyway, or stop?",
      choices: ["waive", "cancel"],
      default_choice: null,
      context: { cycle: 1, concerns },
      resume_to_phase: VALIDATE,
      blocking: true,
    });
    assert.equal(NO_GO_DECISION, "validation_no_go");
    assert.ok(v.safeParse(PendingDecisionSchema, after.pending_decision).success);
  });

  test("NO_GO takes the payload's paused_reason when given, and records the cycle", () => {
    const after = cp(atValidate({ current_cycle: 2 }), VALIDATE, { validation_verdict: "NO_GO", paused_reason: "Plan unsafe" });
    assert.equal(after.paused_reason, "Plan unsafe");
    assert.deepEqual(after.pending_decision?.context, { cycle: 2, concerns: null });
  });

  test("a second NO_GO while paused keeps paused_from", () => {
    const first = cp(atValidate(), VALIDATE, { validation_verdict: "NO_GO" });
    const second = cp(first, VALIDATE, { validation_verdict: "NO_GO" });
    assert.equal(second.phase, "PAUSED");
    assert.equal(second.paused_from, VALIDATE);
  });

  const answers: [verdict: string, choice: string][] = [
    ["GO", "revalidated"],
    ["GO_WITH_CONCERNS", "revalidated"],
    ["WAIVED", "waive"],
  ];
  for (const [verdict, choice] of answers) {
    test(`a later ${verdict} un-pauses to the paused-from phase and records "${choice}"`, () => {
      const paused = cp(atValidate(), VALIDATE, { validation_verdict: "NO_GO" });
      const after = cp(paused, VALIDATE, { validation_verdict: verdict }, T2);
      assert.equal(after.phase, VALIDATE);
      assert.equal(after.paused_from, null);
      assert.equal(after.paused_reason, null);
      assert.equal(after.pending_decision, null);
      assert.deepEqual(after.decisions, [{ kind: NO_GO_DECISION, selected_choice: choice, answered_at: T2 }]);
    });
  }

  test("a later GO after a resolve (no longer paused) answers the decision but keeps the phase", () => {
    const paused = cp(atValidate(), VALIDATE, { validation_verdict: "NO_GO" });
    const notPaused = { ...paused, phase: VALIDATE as Phase, paused_from: null };
    const after = cp(notPaused, VALIDATE, { validation_verdict: "GO" }, T2);
    assert.equal(after.phase, VALIDATE);
    assert.equal(after.pending_decision, null);
    assert.equal(after.paused_reason, null);
    assert.deepEqual(after.decisions, [{ kind: NO_GO_DECISION, selected_choice: "revalidated", answered_at: T2 }]);
  });

  test("GO with no NO_GO before changes nothing but phases[]", () => {
    const before = atValidate();
    assert.deepEqual(changedKeys(before, cp(before, VALIDATE, { validation_verdict: "GO" })), ["phases", "updated_at"]);
  });
});

describe("applyCheckpoint: the cycle boundary", () => {
  const atBoundary = (overrides: Partial<State> = {}) => state({ phase: BOUNDARY, ...overrides });

  test("sets stop_reason and final_result", () => {
    const after = cp(atBoundary(), BOUNDARY, { stop_reason: "TARGET_MET", final_result: "TARGET_MET" });
    assert.equal(after.stop_reason, "TARGET_MET");
    assert.equal(after.final_result, "TARGET_MET");
  });

  const keepCases: [label: string, payload: Record<string, unknown>][] = [
    ["missing", {}],
    ["empty", { stop_reason: "", final_result: "" }],
    ["null", { stop_reason: null, final_result: null }],
  ];
  for (const [label, payload] of keepCases) {
    test(`${label} stop_reason/final_result keep the old values`, () => {
      const after = cp(atBoundary({ stop_reason: "PLATEAU", final_result: "R" }), BOUNDARY, payload);
      assert.equal(after.stop_reason, "PLATEAU");
      assert.equal(after.final_result, "R");
    });
  }

  test("next_cycle is remembered, current_cycle does not move yet", () => {
    const after = cp(atBoundary(), BOUNDARY, { next_cycle: 2 });
    assert.equal(after.next_cycle, 2);
    assert.equal(after.current_cycle, 1);
  });

  for (const bad of ["2", null, "x", true, { n: 2 }]) {
    test(`a non-numeric next_cycle ${JSON.stringify(bad)} is ignored`, () => {
      const after = applyCheckpoint(atBoundary({ next_cycle: null }), entry(BOUNDARY, { next_cycle: bad }), T1);
      assert.equal(after.next_cycle, null);
      assert.equal(after.current_cycle, 1);
    });
  }
});

describe("applyCheckpoint: the report", () => {
  const atReport = (overrides: Partial<State> = {}) => state({ phase: "PHASE_11_REPORT", ...overrides });
  const cases: [label: string, payload: Record<string, unknown>, ready: boolean][] = [
    ["report_ready true", { report_ready: true }, true],
    ["report_ready false", { report_ready: false }, false],
    ['report_ready "true" (not strictly true)', { report_ready: "true" }, false],
    ["report_ready 1", { report_ready: 1 }, false],
    ["no report_ready", {}, false],
  ];
  for (const [label, payload, ready] of cases) {
    test(`${label} -> report_ready ${ready}`, () => {
      assert.equal(applyCheckpoint(atReport(), entry("PHASE_11_REPORT", payload), T1).report_ready, ready);
    });
  }

  test("a later REPORT checkpoint without the flag resets report_ready", () => {
    const ready = cp(atReport(), "PHASE_11_REPORT", { report_ready: true, final_result: "TARGET_MET" });
    assert.equal(ready.report_ready, true);
    const reset = cp(ready, "PHASE_11_REPORT", { final_result: "TARGET_MET" });
    assert.equal(reset.report_ready, false);
  });

  test("final_result is set, and kept when the new one is falsy", () => {
    assert.equal(cp(atReport(), "PHASE_11_REPORT", { final_result: "TARGET_MET" }).final_result, "TARGET_MET");
    assert.equal(cp(atReport({ final_result: "OLD" }), "PHASE_11_REPORT", {}).final_result, "OLD");
    assert.equal(cp(atReport({ final_result: "OLD" }), "PHASE_11_REPORT", { final_result: "" }).final_result, "OLD");
  });
});

describe("applyAdvance", () => {
  test("moves to the phase, clears paused_reason, stamps updated_at", () => {
    const after = applyAdvance(state({ phase: "PHASE_0_PREFLIGHT", paused_reason: "stale" }), "PHASE_1_PARSE_INPUT", T2);
    assert.equal(after.phase, "PHASE_1_PARSE_INPUT");
    assert.equal(after.paused_reason, null);
    assert.equal(after.updated_at, T2);
    assert.equal(after.current_cycle, 1);
    assert.equal(after.complete, false);
  });

  test("BOUNDARY -> PROFILE starts a new cycle: current_cycle + 1, context_file and next_cycle cleared", () => {
    const before = state({ phase: BOUNDARY, current_cycle: 1, next_cycle: 2, context_file: "ctx.md" });
    const frozen = clone(before);
    const after = applyAdvance(before, PROFILE, T2);
    assert.deepEqual(before, frozen);
    assert.equal(after.phase, PROFILE);
    assert.equal(after.current_cycle, 2);
    assert.equal(after.next_cycle, null);
    assert.equal(after.context_file, null);
    assert.equal(after.pending_decision, null);
    assertValid(after);
  });

  test("the cycle advances by one each time", () => {
    let s = state({ phase: BOUNDARY, current_cycle: 2 });
    s = applyAdvance(s, PROFILE, T1);
    assert.equal(s.current_cycle, 3);
  });

  test("PARSE_INPUT -> PROFILE does not start a new cycle", () => {
    const after = applyAdvance(state({ phase: "PHASE_1_PARSE_INPUT", context_file: "ctx.md" }), PROFILE, T1);
    assert.equal(after.current_cycle, 1);
    assert.equal(after.context_file, "ctx.md");
  });

  test("BOUNDARY -> AGGREGATE keeps the cycle and the context file", () => {
    const after = applyAdvance(state({ phase: BOUNDARY, current_cycle: 2, context_file: "c.md" }), "PHASE_10_AGGREGATE", T1);
    assert.equal(after.current_cycle, 2);
    assert.equal(after.context_file, "c.md");
  });

  test("GATE -> AGGREGATE after a BLOCK answers the gate decision with \"end\"", () => {
    const blocked = applyCheckpoint(state({ phase: GATE }), entry(GATE, { gate_verdict: "BLOCK", stop_reason: "S", final_result: "R" }), T1);
    const after = applyAdvance(blocked, "PHASE_10_AGGREGATE", T2);
    assert.equal(after.pending_decision, null);
    assert.deepEqual(after.decisions, [{ kind: GATE_BLOCK_DECISION, selected_choice: "end", answered_at: T2 }]);
    assert.equal(after.stop_reason, "S");
    assert.equal(after.final_result, "R");
    assertValid(after);
  });

  test("-> DONE completes the run like `complete` (FIX 11)", () => {
    const before = state({ phase: "PHASE_11_REPORT", report_ready: true, final_result: "TARGET_MET", paused_reason: "x" });
    const after = applyAdvance(before, "DONE", T2);
    assert.equal(after.phase, "DONE");
    assert.equal(after.complete, true);
    assert.equal(after.paused_reason, null);
    assert.equal(after.pending_decision, null);
    assert.equal(after.updated_at, T2);
    assert.deepEqual(after, applyComplete(before, T2));
  });
});

describe("applyComplete", () => {
  test("phase DONE, complete, no pause and no pending decision; the results stay", () => {
    const before = state({
      phase: "PHASE_11_REPORT",
      paused_reason: "r",
      paused_from: VALIDATE,
      final_result: "TARGET_MET",
      stop_reason: "TARGET_MET",
      pending_decision: { kind: "k", question: "q", choices: ["a"], default_choice: null, resume_to_phase: GATE, blocking: false },
    });
    const after = applyComplete(before, T2);
    assert.equal(after.phase, "DONE");
    assert.equal(after.complete, true);
    assert.equal(after.paused_reason, null);
    assert.equal(after.paused_from, null);
    assert.equal(after.pending_decision, null);
    assert.equal(after.final_result, "TARGET_MET");
    assert.equal(after.stop_reason, "TARGET_MET");
    assert.equal(after.updated_at, T2);
    assertValid(after);
  });
});

describe("applyResolve", () => {
  test("leaves PAUSED for the target and records the answered decision", () => {
    const paused = applyCheckpoint(state({ phase: VALIDATE }), entry(VALIDATE, { validation_verdict: "NO_GO" }), T1);
    const frozen = clone(paused);
    const after = applyResolve(paused, VALIDATE, T2);
    assert.deepEqual(paused, frozen);
    assert.equal(after.phase, VALIDATE);
    assert.equal(after.paused_reason, null);
    assert.equal(after.paused_from, null);
    assert.equal(after.pending_decision, null);
    assert.equal(after.complete, false);
    assert.deepEqual(after.decisions, [
      { kind: NO_GO_DECISION, selected_choice: "resume", answered_at: T2, context: { to: VALIDATE } },
    ]);
    assert.equal(after.updated_at, T2);
    assertValid(after);
  });

  test("a plain pause is recorded as the kind \"pause\"", () => {
    const paused = applyPause(state({ phase: PROFILE }), "coffee", null, T1);
    const after = applyResolve(paused, PROFILE, T2);
    assert.deepEqual(after.decisions, [{ kind: "pause", selected_choice: "resume", answered_at: T2, context: { to: PROFILE } }]);
  });

  test("earlier decisions are kept, the new one appended", () => {
    const earlier = { kind: "gate_block", selected_choice: "end", answered_at: T0 };
    const after = applyResolve(state({ phase: "PAUSED", paused_from: PROFILE, decisions: [earlier] }), PROFILE, T2);
    assert.equal(after.decisions.length, 2);
    assert.deepEqual(after.decisions[0], earlier);
  });
});

describe("applyPause", () => {
  test("pauses, remembering the phase it interrupted", () => {
    const after = applyPause(state({ phase: "PHASE_4_RESEARCH" }), "Waiting for input", null, T2);
    assert.equal(after.phase, "PAUSED");
    assert.equal(after.paused_from, "PHASE_4_RESEARCH");
    assert.equal(after.paused_reason, "Waiting for input");
    assert.equal(after.pending_decision, null);
    assert.equal(after.updated_at, T2);
    assertValid(after);
  });

  test("pausing again keeps paused_from and replaces the reason", () => {
    const once = applyPause(state({ phase: "PHASE_4_RESEARCH" }), "first", null, T1);
    const twice = applyPause(once, "second", null, T2);
    assert.equal(twice.paused_from, "PHASE_4_RESEARCH");
    assert.equal(twice.paused_reason, "second");
  });

  test("a NO_GO pause then a manual pause keeps the phase and the pending decision", () => {
    const noGo = applyCheckpoint(state({ phase: VALIDATE }), entry(VALIDATE, { validation_verdict: "NO_GO" }), T1);
    const after = applyPause(noGo, "Paused", null, T2);
    assert.equal(after.paused_from, VALIDATE);
    assert.deepEqual(after.pending_decision, noGo.pending_decision);
  });

  test("a given pending decision replaces the old one", () => {
    const given: PendingDecision = {
      kind: "approve_plan",
      question: "Run the plan?",
      choices: ["yes", "no"],
      default_choice: "no",
      resume_to_phase: "PHASE_8_EXECUTE",
      blocking: true,
    };
    const noGo = applyCheckpoint(state({ phase: VALIDATE }), entry(VALIDATE, { validation_verdict: "NO_GO" }), T1);
    assert.deepEqual(applyPause(noGo, "Paused", given, T2).pending_decision, given);
    assert.deepEqual(applyPause(state(), "Paused", given, T2).pending_decision, given);
  });
});

describe("applyCycleRecord", () => {
  test("appends a record with the given cycle and recorded_at", () => {
    const after = applyCycleRecord(state(), { cycle: 1, status: "completed", recorded_at: T0 }, T2);
    assert.deepEqual(after.cycles, [{ cycle: 1, status: "completed", recorded_at: T0 }]);
    assert.equal(after.updated_at, T2);
    assertValid(after);
  });

  test("recorded_at defaults to now", () => {
    assert.deepEqual(applyCycleRecord(state(), { cycle: 1 }, T2).cycles, [{ cycle: 1, recorded_at: T2 }]);
  });

  const cycleCases: [label: string, record: Record<string, unknown>, current: number, cycle: number][] = [
    ["no cycle -> current_cycle", {}, 2, 2],
    ["cycle 0 -> current_cycle", { cycle: 0 }, 3, 3],
    ["cycle given", { cycle: 5 }, 1, 5],
  ];
  for (const [label, record, current, cycle] of cycleCases) {
    test(label, () => {
      const after = applyCycleRecord(state({ current_cycle: current }), record, T1);
      assert.equal(after.cycles[0]?.cycle, cycle);
    });
  }

  test("upserts by cycle and keeps the list sorted ascending", () => {
    let s = state();
    s = applyCycleRecord(s, { cycle: 3, note: "three" }, T1);
    s = applyCycleRecord(s, { cycle: 1, note: "one" }, T1);
    s = applyCycleRecord(s, { cycle: 2, note: "two" }, T1);
    s = applyCycleRecord(s, { cycle: 1, note: "one again" }, T2);
    assert.deepEqual(
      s.cycles.map((c) => [c.cycle, c.note, c.recorded_at]),
      [
        [1, "one again", T2],
        [2, "two", T1],
        [3, "three", T1],
      ],
    );
  });

  test("next_cycle is remembered, not applied to current_cycle (FIX 7)", () => {
    const after = applyCycleRecord(state(), { cycle: 1, status: "completed", next_cycle: 2 }, T1);
    assert.equal(after.next_cycle, 2);
    assert.equal(after.current_cycle, 1);
    const kept = applyCycleRecord(after, { cycle: 1 }, T2);
    assert.equal(kept.next_cycle, 2);
  });

  const stopCases: [label: string, before: [string | null, string | null], record: Record<string, unknown>, after: [string | null, string | null]][] = [
    ["truthy values overwrite", ["OLD", "OLD"], { stop_reason: "TARGET_MET", final_result: "DONE_WELL" }, ["TARGET_MET", "DONE_WELL"]],
    ["missing values keep", ["OLD", "OLDR"], {}, ["OLD", "OLDR"]],
    ["empty values keep", ["OLD", "OLDR"], { stop_reason: "", final_result: "" }, ["OLD", "OLDR"]],
    ["set from nothing", [null, null], { stop_reason: "PLATEAU" }, ["PLATEAU", null]],
  ];
  for (const [label, [stop, result], record, [stopAfter, resultAfter]] of stopCases) {
    test(`stop_reason/final_result: ${label}`, () => {
      const after = applyCycleRecord(state({ stop_reason: stop, final_result: result }), { cycle: 1, ...record }, T1);
      assert.equal(after.stop_reason, stopAfter);
      assert.equal(after.final_result, resultAfter);
    });
  }

  test("the input state is left alone", () => {
    const before = state({ cycles: [{ cycle: 2, recorded_at: T0 }] });
    const frozen = clone(before);
    applyCycleRecord(before, { cycle: 1 }, T1);
    assert.deepEqual(before, frozen);
  });
});

describe("applyWorkerResult", () => {
  test("records the result with worker, recorded_at and the current cycle, keeping unknown keys", () => {
    const result = {
      hypotheses: [{ id: "H1", fix_level: 1 }],
      top_bottlenecks: ["db"],
      suspicion_stack: [],
    };
    const after = applyWorkerResult(state({ current_cycle: 2 }), "ln-812", result, T2);
    assert.deepEqual(after.worker_results, {
      "ln-812": { ...result, worker: "ln-812", recorded_at: T2, cycle: 2 },
    });
    assert.equal(after.updated_at, T2);
    assertValid(after);
  });

  test("a given recorded_at is kept", () => {
    const after = applyWorkerResult(state(), "ln-811", { recorded_at: T0 }, T2);
    assert.equal(after.worker_results["ln-811"]?.recorded_at, T0);
  });

  test("the worker argument wins over a worker key in the result", () => {
    const after = applyWorkerResult(state(), "ln-813", { worker: "someone-else", verdict: "GO" }, T1);
    assert.equal(after.worker_results["ln-813"]?.worker, "ln-813");
    assert.equal(after.worker_results["someone-else"], undefined);
  });

  test("a second result of the same worker replaces the first; other workers are kept", () => {
    let s = state();
    s = applyWorkerResult(s, "ln-811", { baseline: { wall_time_ms: 6300 } }, T0);
    s = applyWorkerResult(s, "ln-813", { verdict: "GO" }, T0);
    s = applyWorkerResult(s, "ln-811", { baseline: { wall_time_ms: 400 } }, T1);
    assert.deepEqual(Object.keys(s.worker_results).sort(), ["ln-811", "ln-813"]);
    assert.deepEqual(s.worker_results["ln-811"], { baseline: { wall_time_ms: 400 }, worker: "ln-811", recorded_at: T1, cycle: 1 });
  });

  test("the input state is left alone", () => {
    const before = state({ worker_results: { "ln-811": { worker: "ln-811" } } });
    const frozen = clone(before);
    applyWorkerResult(before, "ln-811", { x: 1 }, T1);
    assert.deepEqual(before, frozen);
  });
});

describe("newEntry and the checkpoints file", () => {
  test("newEntry takes the next sequence and the given cycle", () => {
    let cps = emptyCheckpoints();
    const first = newEntry(cps, "PHASE_0_PREFLIGHT", 1, { a: 1 }, T1);
    assert.deepEqual(first, { sequence: 1, phase: "PHASE_0_PREFLIGHT", cycle: 1, created_at: T1, payload: { a: 1 } });
    cps = appendCheckpoint(cps, first);
    const second = newEntry(cps, PROFILE, 2, {}, T2);
    assert.equal(second.sequence, 2);
    assert.equal(second.cycle, 2);
  });

  test("appendCheckpoint keeps the phase-keyed latest view, the history and the next sequence", () => {
    let cps = emptyCheckpoints();
    const a = newEntry(cps, GATE, 1, { gate_verdict: "BLOCK" }, T1);
    cps = appendCheckpoint(cps, a);
    const b = newEntry(cps, GATE, 1, { gate_verdict: "PROCEED" }, T2);
    const before = clone(cps);
    const next = appendCheckpoint(cps, b);
    assert.deepEqual(cps, before, "appendCheckpoint must not change its input");
    assert.deepEqual(next, { [GATE]: b, _history: [a, b], _next_sequence: 3 });
  });

  test("every work phase can be checkpointed and derived into a valid state", () => {
    let s = state();
    for (const phase of PHASES) {
      s = applyCheckpoint({ ...s, phase }, entry(phase, {}), T1);
      assertValid(s);
    }
    assert.deepEqual(Object.keys(s.phases).sort(), [...PHASES].sort());
  });
});
