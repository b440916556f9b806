// validateTransition (runtime contract §5.1, §5.2) and perfloop's fixes: cycle-scoped checkpoints,
// max_cycles and plateau_threshold on BOUNDARY -> PROFILE, a missing hypotheses_count blocks.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { validateTransition } from "../../src/runtime/guards.ts";
import {
  ALL_PHASES,
  EDGES,
  PHASES,
  RUN_SCOPED_PHASES,
  isPhase,
  isWorkPhase,
  phaseLabel,
  type Phase,
} from "../../src/runtime/phases.ts";
import type { Checkpoints, State } from "../../src/runtime/schemas.ts";
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


/**
 * The edge table of contract §5.1, written out here so that a wrong table in src fails, with
 * perfloop's one extension: VALIDATE -> AGGREGATE for a declined NO_GO.
 */
const CONTRACT_EDGES: Record<string, string[]> = {
  PHASE_0_PREFLIGHT: [PARSE],
  PHASE_1_PARSE_INPUT: [PROFILE],
  PHASE_2_PROFILE: [GATE],
  PHASE_3_WRONG_TOOL_GATE: [RESEARCH, AGGREGATE],
  PHASE_4_RESEARCH: [TARGET, AGGREGATE],
  PHASE_5_SET_TARGET: [CONTEXT],
  PHASE_6_WRITE_CONTEXT: [VALIDATE],
  PHASE_7_VALIDATE_PLAN: [EXECUTE, AGGREGATE],
  PHASE_8_EXECUTE: [BOUNDARY],
  PHASE_9_CYCLE_BOUNDARY: [PROFILE, AGGREGATE],
  PHASE_10_AGGREGATE: [REPORT],
  PHASE_11_REPORT: ["DONE"],
  PAUSED: [],
  DONE: [],
};

interface Case {
  from: Phase;
  to: Phase;
  state?: Partial<State>;
  cps: CheckpointSpec[];
}

/** For every edge, a state and checkpoints under which the guard lets it pass. */
const HAPPY: Case[] = [
  { from: PREFLIGHT, to: PARSE, cps: [[PREFLIGHT]] },
  { from: PARSE, to: PROFILE, cps: [[PARSE]] },
  { from: PROFILE, to: GATE, cps: [[PROFILE]] },
  { from: GATE, to: RESEARCH, cps: [[GATE, { gate_verdict: "PROCEED" }]] },
  { from: GATE, to: AGGREGATE, cps: [[GATE, { gate_verdict: "BLOCK" }]] },
  { from: RESEARCH, to: TARGET, cps: [[RESEARCH, { hypotheses_count: 2 }]] },
  { from: RESEARCH, to: AGGREGATE, cps: [[RESEARCH, { hypotheses_count: 0 }]] },
  { from: TARGET, to: CONTEXT, cps: [[TARGET]] },
  { from: CONTEXT, to: VALIDATE, state: { context_file: "ctx.md" }, cps: [[CONTEXT]] },
  { from: VALIDATE, to: EXECUTE, cps: [[VALIDATE, { validation_verdict: "GO" }]] },
  { from: VALIDATE, to: AGGREGATE, state: { stop_reason: "PLAN_DECLINED" }, cps: [[VALIDATE, { validation_verdict: "NO_GO" }]] },
  { from: EXECUTE, to: BOUNDARY, cps: [[EXECUTE, { execution_result: { target_met: true } }]] },
  { from: BOUNDARY, to: PROFILE, cps: [[BOUNDARY]] },
  { from: BOUNDARY, to: AGGREGATE, state: { stop_reason: "TARGET_MET" }, cps: [[BOUNDARY]] },
  { from: AGGREGATE, to: REPORT, cps: [[AGGREGATE]] },
  { from: REPORT, to: "DONE", state: { report_ready: true, final_result: "TARGET_MET" }, cps: [[REPORT]] },
];

function guard(from: string, to: string, overrides: Partial<State>, ...specs: CheckpointSpec[]) {
  return validateTransition(state({ phase: from as Phase, ...overrides }), checkpoints(...specs), from, to);
}

function refused(result: ReturnType<typeof validateTransition>, error: string, what?: string): void {
  assert.deepEqual(result, { ok: false, error }, what ?? error);
}

describe("edges (§5.1)", () => {
  test("the edge table is the contract's, in the contract's order", () => {
    assert.deepEqual(EDGES, CONTRACT_EDGES);
    assert.deepEqual([...ALL_PHASES].sort(), Object.keys(CONTRACT_EDGES).sort());
  });

  test("HAPPY covers every edge exactly once", () => {
    const covered = HAPPY.map((c) => `${c.from}->${c.to}`).sort();
    const all = Object.entries(CONTRACT_EDGES)
      .flatMap(([from, tos]) => tos.map((to) => `${from}->${to}`))
      .sort();
    assert.deepEqual(covered, all);
  });

  for (const c of HAPPY) {
    test(`allowed: ${c.from} -> ${c.to}`, () => {
      assert.deepEqual(guard(c.from, c.to, c.state ?? {}, ...c.cps), { ok: true });
    });
  }

  test("every pair that is not an edge is refused as an invalid transition", () => {
    let checked = 0;
    for (const from of ALL_PHASES) {
      for (const to of ALL_PHASES) {
        if (CONTRACT_EDGES[from]!.includes(to)) continue;
        // Every checkpoint present and every flag set, so only the edge table can refuse.
        const all: CheckpointSpec[] = ALL_PHASES.map((p) => [p, { gate_verdict: "PROCEED" }] as const);
        const result = guard(from, to, { context_file: "ctx.md", report_ready: true, final_result: "X" }, ...all);
        refused(result, `Invalid transition: ${from} -> ${to}`, `${from} -> ${to}`);
        checked++;
      }
    }
    assert.equal(checked, 14 * 14 - 16);
  });

  const unknown: [string, string][] = [
    ["PHASE_12_BOGUS", PARSE],
    [PREFLIGHT, "PHASE_12_BOGUS"],
    ["", PARSE],
    [PREFLIGHT, ""],
    ["_history", PARSE],
    [PREFLIGHT, "_next_sequence"],
    ["phase_0_preflight", "phase_1_parse_input"],
    ["PAUSED", VALIDATE],
    ["DONE", PREFLIGHT],
    [REPORT, "PAUSED"],
  ];
  for (const [from, to] of unknown) {
    test(`unknown or terminal: ${JSON.stringify(from)} -> ${JSON.stringify(to)}`, () => {
      refused(guard(from, to, {}, [PREFLIGHT], [REPORT]), `Invalid transition: ${from} -> ${to}`);
    });
  }

  test("the edge check comes before the checkpoint check", () => {
    refused(guard(GATE, TARGET, {}), `Invalid transition: ${GATE} -> ${TARGET}`);
  });
});

describe("rule 2: Checkpoint missing for <from>", () => {
  for (const c of HAPPY) {
    test(`${c.from} -> ${c.to} with no checkpoint at all`, () => {
      refused(guard(c.from, c.to, c.state ?? {}), `Checkpoint missing for ${c.from}`);
    });
    test(`${c.from} -> ${c.to} with checkpoints of other phases only`, () => {
      const others: CheckpointSpec[] = ALL_PHASES.filter((p) => p !== c.from).map((p) => [p]);
      refused(guard(c.from, c.to, c.state ?? {}, ...others), `Checkpoint missing for ${c.from}`);
    });
  }

  test("the checkpoint check comes before the verdict checks", () => {
    refused(guard(GATE, RESEARCH, {}), `Checkpoint missing for ${GATE}`);
    refused(guard(VALIDATE, EXECUTE, {}), `Checkpoint missing for ${VALIDATE}`);
    refused(guard(REPORT, "DONE", {}), `Checkpoint missing for ${REPORT}`);
  });
});

describe("rule 3: the wrong-tool gate and research", () => {
  const cases: [verdict: unknown, allowed: boolean][] = [
    ["PROCEED", true],
    ["CONCERNS", true],
    ["WAIVED", true],
    ["BLOCK", false],
    [undefined, false],
    [null, false],
    ["", false],
    ["proceed", false],
    ["GO", false],
    [1, false],
  ];
  for (const [verdict, allowed] of cases) {
    test(`gate_verdict ${JSON.stringify(verdict)} -> ${allowed ? "allowed" : "refused"}`, () => {
      const result = guard(GATE, RESEARCH, {}, [GATE, { gate_verdict: verdict }]);
      if (allowed) assert.deepEqual(result, { ok: true });
      else refused(result, "Wrong Tool Gate does not allow research");
    });
  }

  test("the latest gate checkpoint of the cycle wins", () => {
    const g = (v: string): CheckpointSpec => [GATE, { gate_verdict: v }];
    assert.deepEqual(guard(GATE, RESEARCH, {}, g("BLOCK"), g("PROCEED")), { ok: true });
    assert.deepEqual(guard(GATE, RESEARCH, {}, g("BLOCK"), g("WAIVED")), { ok: true });
    refused(guard(GATE, RESEARCH, {}, g("PROCEED"), g("BLOCK")), "Wrong Tool Gate does not allow research");
  });
});

describe("rule 4: jumps to aggregate", () => {
  const fromGate: [unknown, boolean][] = [
    ["BLOCK", true],
    ["PROCEED", false],
    ["CONCERNS", false],
    ["WAIVED", false],
    [undefined, false],
    ["block", false],
  ];
  for (const [verdict, allowed] of fromGate) {
    test(`from the gate with gate_verdict ${JSON.stringify(verdict)} -> ${allowed ? "allowed" : "refused"}`, () => {
      const result = guard(GATE, AGGREGATE, {}, [GATE, { gate_verdict: verdict }]);
      if (allowed) assert.deepEqual(result, { ok: true });
      else refused(result, "Phase 3 can jump to aggregate only on BLOCK");
    });
  }

  const fromResearch: [label: string, payload: Record<string, unknown>, allowed: boolean][] = [
    ["hypotheses_count 0", { hypotheses_count: 0 }, true],
    ["hypotheses_count 1", { hypotheses_count: 1 }, false],
    ["hypotheses_count 3", { hypotheses_count: 3 }, false],
    // perfloop's fix: a missing or null count means "not known to be zero", which blocks.
    ["no hypotheses_count", {}, false],
    ["hypotheses_count null", { hypotheses_count: null }, false],
    // FIX 14: the original turned a non-numeric count into NaN and let it pass.
    ['hypotheses_count "abc"', { hypotheses_count: "abc" }, false],
    ["hypotheses_count []", { hypotheses_count: [] }, false],
    ["hypotheses_count {}", { hypotheses_count: {} }, false],
  ];
  for (const [label, payload, allowed] of fromResearch) {
    test(`from research with ${label} -> ${allowed ? "allowed" : "refused"}`, () => {
      const result = guard(RESEARCH, AGGREGATE, {}, [RESEARCH, payload]);
      if (allowed) assert.deepEqual(result, { ok: true });
      else refused(result, "Phase 4 can jump to aggregate only when no hypotheses remain");
    });
  }

  // perfloop's extension: a declined NO_GO ends the run from the validate phase.
  const fromValidate: [label: string, payload: Record<string, unknown>, stop: string | null, allowed: boolean][] = [
    ["NO_GO with PLAN_DECLINED", { validation_verdict: "NO_GO" }, "PLAN_DECLINED", true],
    ["NO_GO without a stop reason", { validation_verdict: "NO_GO" }, null, false],
    ["GO with a stop reason", { validation_verdict: "GO" }, "PLAN_DECLINED", false],
    ["WAIVED with a stop reason", { validation_verdict: "WAIVED" }, "PLAN_DECLINED", false],
    ["no verdict", {}, "PLAN_DECLINED", false],
  ];
  for (const [label, payload, stop, allowed] of fromValidate) {
    test(`from validate with ${label} -> ${allowed ? "allowed" : "refused"}`, () => {
      const result = guard(VALIDATE, AGGREGATE, { stop_reason: stop }, [VALIDATE, payload]);
      if (allowed) assert.deepEqual(result, { ok: true });
      else refused(result, "Phase 7 can jump to aggregate only when a NO_GO plan was declined (record stop_reason PLAN_DECLINED)");
    });
  }

  test("research -> set target does not look at the count", () => {
    for (const payload of [{}, { hypotheses_count: 0 }, { hypotheses_count: 5 }]) {
      assert.deepEqual(guard(RESEARCH, TARGET, {}, [RESEARCH, payload]), { ok: true });
    }
  });

  const fromBoundary: [unknown, boolean][] = [
    ["TARGET_MET", true],
    ["PLATEAU", true],
    ["anything at all", true],
    [null, false],
    ["", false],
  ];
  for (const [stopReason, allowed] of fromBoundary) {
    test(`from the boundary with stop_reason ${JSON.stringify(stopReason)} -> ${allowed ? "allowed" : "refused"}`, () => {
      const result = guard(BOUNDARY, AGGREGATE, { stop_reason: stopReason as string | null }, [BOUNDARY]);
      if (allowed) assert.deepEqual(result, { ok: true });
      else refused(result, "Cycle boundary missing stop reason");
    });
  }

  test("from the boundary the payload's stop_reason is not what counts, the state's is", () => {
    refused(guard(BOUNDARY, AGGREGATE, {}, [BOUNDARY, { stop_reason: "TARGET_MET" }]), "Cycle boundary missing stop reason");
  });
});

describe("rule 5: the context file", () => {
  const cases: [unknown, boolean][] = [
    [null, false],
    ["", false],
    ["ctx.md", true],
    // Existence is not checked.
    ["/definitely/not/there/context.md", true],
  ];
  for (const [file, allowed] of cases) {
    test(`context_file ${JSON.stringify(file)} -> ${allowed ? "allowed" : "refused"}`, () => {
      const result = guard(CONTEXT, VALIDATE, { context_file: file as string | null }, [CONTEXT]);
      if (allowed) assert.deepEqual(result, { ok: true });
      else refused(result, "Context file not recorded");
    });
  }

  test("a context_file in the checkpoint payload alone does not count (the state is read)", () => {
    refused(guard(CONTEXT, VALIDATE, {}, [CONTEXT, { context_file: "ctx.md" }]), "Context file not recorded");
  });
});

describe("rule 6: the validation verdict and execution", () => {
  const cases: [unknown, boolean][] = [
    ["GO", true],
    ["GO_WITH_CONCERNS", true],
    ["WAIVED", true],
    ["NO_GO", false],
    [undefined, false],
    ["go", false],
    ["PROCEED", false],
  ];
  for (const [verdict, allowed] of cases) {
    test(`validation_verdict ${JSON.stringify(verdict)} -> ${allowed ? "allowed" : "refused"}`, () => {
      const result = guard(VALIDATE, EXECUTE, {}, [VALIDATE, { validation_verdict: verdict }]);
      if (allowed) assert.deepEqual(result, { ok: true });
      else refused(result, "Validation verdict does not allow execution");
    });
  }

  test("the latest verdict wins: NO_GO then WAIVED allows, GO then NO_GO refuses", () => {
    const v = (x: string): CheckpointSpec => [VALIDATE, { validation_verdict: x }];
    assert.deepEqual(guard(VALIDATE, EXECUTE, {}, v("NO_GO"), v("WAIVED")), { ok: true });
    refused(guard(VALIDATE, EXECUTE, {}, v("GO"), v("NO_GO")), "Validation verdict does not allow execution");
  });
});

describe("rule 7: the execution summary", () => {
  const cases: [label: string, mode: "execute" | "plan_only", payload: Record<string, unknown>, allowed: boolean][] = [
    ["execution_result object", "execute", { execution_result: { target_met: true } }, true],
    ["execution_result string", "execute", { execution_result: "done" }, true],
    ["execution_result true", "execute", { execution_result: true }, true],
    ["empty payload", "execute", {}, false],
    ["execution_result null", "execute", { execution_result: null }, false],
    ["execution_result false", "execute", { execution_result: false }, false],
    ["execution_result 0", "execute", { execution_result: 0 }, false],
    ['execution_result ""', "execute", { execution_result: "" }, false],
    ["plan_only, skipped_by_mode", "plan_only", { status: "skipped_by_mode", phase_status: "skipped_by_mode" }, true],
    ["plan_only, status skipped_by_mode only", "plan_only", { status: "skipped_by_mode" }, true],
    ["execute mode, skipped_by_mode", "execute", { status: "skipped_by_mode" }, false],
    ["plan_only, no status", "plan_only", {}, false],
    ["plan_only, status completed", "plan_only", { status: "completed" }, false],
    ["plan_only, an execution_result anyway", "plan_only", { execution_result: { target_met: false } }, true],
  ];
  for (const [label, mode, payload, allowed] of cases) {
    test(`${label} -> ${allowed ? "allowed" : "refused"}`, () => {
      const result = guard(EXECUTE, BOUNDARY, { execution_mode: mode }, [EXECUTE, payload]);
      if (allowed) assert.deepEqual(result, { ok: true });
      else refused(result, "Execution summary missing");
    });
  }
});

describe("rule 8: the boundary back to profile", () => {
  test("a recorded stop reason refuses another cycle", () => {
    refused(
      guard(BOUNDARY, PROFILE, { stop_reason: "TARGET_MET" }, [BOUNDARY]),
      "Stop reason recorded; cannot continue to another cycle",
    );
  });

  test("the stop reason is checked before max_cycles", () => {
    refused(
      guard(BOUNDARY, PROFILE, { stop_reason: "X", current_cycle: 3 }, [BOUNDARY, {}, 3]),
      "Stop reason recorded; cannot continue to another cycle",
    );
  });

  const maxCases: [cycle: number, max: number, allowed: boolean][] = [
    [1, 3, true],
    [2, 3, true],
    [3, 3, false],
    [4, 3, false],
    [1, 1, false],
    [1, 2, true],
    [2, 2, false],
  ];
  for (const [cycle, max, allowed] of maxCases) {
    test(`max_cycles ${max}, current cycle ${cycle} -> ${allowed ? "allowed" : "refused"}`, () => {
      const overrides: Partial<State> = { current_cycle: cycle, cycle_config: { max_cycles: max, plateau_threshold: 5 } };
      const result = guard(BOUNDARY, PROFILE, overrides, [BOUNDARY, {}, cycle]);
      if (allowed) assert.deepEqual(result, { ok: true });
      else {
        refused(
          result,
          `Max cycles reached (${cycle} of ${max}); record stop_reason MAX_CYCLES and advance to PHASE_10_AGGREGATE`,
        );
      }
    });
  }

  test("at max_cycles the run can still go to aggregate once a stop reason is recorded", () => {
    const overrides: Partial<State> = { current_cycle: 3, stop_reason: "MAX_CYCLES" };
    assert.deepEqual(guard(BOUNDARY, AGGREGATE, overrides, [BOUNDARY, {}, 3]), { ok: true });
  });

  const plateauCases: [label: string, records: Record<string, unknown>[], threshold: number, allowed: boolean][] = [
    ["improved 2% < 5%", [{ cycle: 1, improvement_pct: 2 }], 5, false],
    ["improved 0% < 5%", [{ cycle: 1, improvement_pct: 0 }], 5, false],
    ["regressed -3% < 5%", [{ cycle: 1, improvement_pct: -3 }], 5, false],
    ["improved 4.9% < 5%", [{ cycle: 1, improvement_pct: 4.9 }], 5, false],
    ["improved exactly 5% (not below)", [{ cycle: 1, improvement_pct: 5 }], 5, true],
    ["improved 40%", [{ cycle: 1, improvement_pct: 40 }], 5, true],
    ["no improvement_pct recorded", [{ cycle: 1, status: "completed" }], 5, true],
    ["no cycle record at all", [], 5, true],
    ["a non-numeric improvement_pct is ignored", [{ cycle: 1, improvement_pct: "2" }], 5, true],
    ["only another cycle's record is low", [{ cycle: 2, improvement_pct: 1 }], 5, true],
    ["threshold 0, improved 0%", [{ cycle: 1, improvement_pct: 0 }], 0, true],
  ];
  for (const [label, cycles, threshold, allowed] of plateauCases) {
    test(`plateau: ${label} -> ${allowed ? "allowed" : "refused"}`, () => {
      const overrides: Partial<State> = { cycles, cycle_config: { max_cycles: 3, plateau_threshold: threshold } };
      const result = guard(BOUNDARY, PROFILE, overrides, [BOUNDARY]);
      if (allowed) assert.deepEqual(result, { ok: true });
      else {
        const pct = (cycles[0] as { improvement_pct: number }).improvement_pct;
        refused(
          result,
          `Plateau: cycle 1 improved ${pct}% (below plateau_threshold ${threshold}%); record stop_reason PLATEAU and advance to PHASE_10_AGGREGATE`,
        );
      }
    });
  }

  test("the plateau reads the current cycle's record", () => {
    const overrides: Partial<State> = {
      current_cycle: 2,
      cycles: [
        { cycle: 1, improvement_pct: 50 },
        { cycle: 2, improvement_pct: 1 },
      ],
    };
    refused(
      guard(BOUNDARY, PROFILE, overrides, [BOUNDARY, {}, 2]),
      "Plateau: cycle 2 improved 1% (below plateau_threshold 5%); record stop_reason PLATEAU and advance to PHASE_10_AGGREGATE",
    );
  });

  test("max_cycles is checked before the plateau", () => {
    const overrides: Partial<State> = {
      current_cycle: 3,
      cycles: [{ cycle: 3, improvement_pct: 1 }],
    };
    refused(
      guard(BOUNDARY, PROFILE, overrides, [BOUNDARY, {}, 3]),
      "Max cycles reached (3 of 3); record stop_reason MAX_CYCLES and advance to PHASE_10_AGGREGATE",
    );
  });

  test("the limits only apply to BOUNDARY -> PROFILE, not PARSE_INPUT -> PROFILE", () => {
    const overrides: Partial<State> = { cycle_config: { max_cycles: 1, plateau_threshold: 5 }, cycles: [{ cycle: 1, improvement_pct: 0 }] };
    assert.deepEqual(guard(PARSE, PROFILE, overrides, [PARSE]), { ok: true });
  });
});

describe("rule 9: DONE", () => {
  const cases: [reportReady: boolean, finalResult: string | null, error: string | null][] = [
    [false, null, "Final report checkpoint missing"],
    [false, "TARGET_MET", "Final report checkpoint missing"],
    [true, null, "Final result not recorded"],
    [true, "", "Final result not recorded"],
    [true, "TARGET_MET", null],
    [true, "WRONG_TOOL_BLOCK", null],
  ];
  for (const [reportReady, finalResult, error] of cases) {
    test(`report_ready ${reportReady}, final_result ${JSON.stringify(finalResult)} -> ${error ?? "allowed"}`, () => {
      const result = guard(REPORT, "DONE", { report_ready: reportReady, final_result: finalResult }, [REPORT]);
      if (error === null) assert.deepEqual(result, { ok: true });
      else refused(result, error);
    });
  }
});

describe("cycle-scoped checkpoints (FIX 8)", () => {
  const cycle2 = (overrides: Partial<State> = {}): Partial<State> => ({ current_cycle: 2, ...overrides });

  test("a cycle-1 checkpoint of a per-cycle phase does not count in cycle 2", () => {
    for (const phase of [PROFILE, GATE, RESEARCH, TARGET, CONTEXT, VALIDATE, EXECUTE, BOUNDARY] as const) {
      const to = CONTRACT_EDGES[phase]![0]!;
      refused(guard(phase, to, cycle2({ context_file: "ctx.md" }), [phase, {}, 1]), `Checkpoint missing for ${phase}`, phase);
    }
  });

  test("a cycle-1 PROCEED does not satisfy the cycle-2 gate", () => {
    refused(guard(GATE, RESEARCH, cycle2(), [GATE, { gate_verdict: "PROCEED" }, 1]), `Checkpoint missing for ${GATE}`);
    refused(
      guard(GATE, RESEARCH, cycle2(), [GATE, { gate_verdict: "PROCEED" }, 1], [GATE, {}, 2]),
      "Wrong Tool Gate does not allow research",
    );
    refused(
      guard(GATE, RESEARCH, cycle2(), [GATE, { gate_verdict: "PROCEED" }, 1], [GATE, { gate_verdict: "BLOCK" }, 2]),
      "Wrong Tool Gate does not allow research",
    );
  });

  test("a cycle-1 BLOCK does not refuse cycle 2's PROCEED, even when appended later", () => {
    assert.deepEqual(
      guard(GATE, RESEARCH, cycle2(), [GATE, { gate_verdict: "BLOCK" }, 1], [GATE, { gate_verdict: "PROCEED" }, 2]),
      { ok: true },
    );
    assert.deepEqual(
      guard(GATE, RESEARCH, cycle2(), [GATE, { gate_verdict: "PROCEED" }, 2], [GATE, { gate_verdict: "BLOCK" }, 1]),
      { ok: true },
    );
  });

  test("a cycle-1 BLOCK does not let cycle 2's gate jump to aggregate", () => {
    refused(
      guard(GATE, AGGREGATE, cycle2(), [GATE, { gate_verdict: "BLOCK" }, 1], [GATE, { gate_verdict: "PROCEED" }, 2]),
      "Phase 3 can jump to aggregate only on BLOCK",
    );
  });

  test("a cycle-1 hypotheses_count 0 does not let cycle 2's research jump to aggregate", () => {
    refused(
      guard(RESEARCH, AGGREGATE, cycle2(), [RESEARCH, { hypotheses_count: 0 }, 1], [RESEARCH, {}, 2]),
      "Phase 4 can jump to aggregate only when no hypotheses remain",
    );
  });

  test("a cycle-1 GO does not allow cycle 2's execution", () => {
    refused(
      guard(VALIDATE, EXECUTE, cycle2(), [VALIDATE, { validation_verdict: "GO" }, 1], [VALIDATE, { validation_verdict: "NO_GO" }, 2]),
      "Validation verdict does not allow execution",
    );
    refused(
      guard(VALIDATE, EXECUTE, cycle2(), [VALIDATE, { validation_verdict: "GO" }, 1], [VALIDATE, {}, 2]),
      "Validation verdict does not allow execution",
    );
  });

  test("a cycle-1 execution_result does not satisfy cycle 2's boundary", () => {
    refused(
      guard(EXECUTE, BOUNDARY, cycle2(), [EXECUTE, { execution_result: { ok: 1 } }, 1], [EXECUTE, {}, 2]),
      "Execution summary missing",
    );
  });

  test("the cycle-2 checkpoints pass on their own", () => {
    assert.deepEqual(guard(VALIDATE, EXECUTE, cycle2(), [VALIDATE, { validation_verdict: "GO" }, 2]), { ok: true });
    assert.deepEqual(guard(EXECUTE, BOUNDARY, cycle2(), [EXECUTE, { execution_result: { a: 1 } }, 2]), { ok: true });
  });

  test("PREFLIGHT, PARSE_INPUT, AGGREGATE and REPORT are run-scoped: any cycle's checkpoint counts", () => {
    const late: Partial<State> = { current_cycle: 3, report_ready: true, final_result: "TARGET_MET" };
    assert.deepEqual(guard(PREFLIGHT, PARSE, late, [PREFLIGHT, {}, 1]), { ok: true });
    assert.deepEqual(guard(PARSE, PROFILE, late, [PARSE, {}, 1]), { ok: true });
    assert.deepEqual(guard(AGGREGATE, REPORT, late, [AGGREGATE, {}, 2]), { ok: true });
    assert.deepEqual(guard(REPORT, "DONE", late, [REPORT, {}, 1]), { ok: true });
  });

  test("an entry without a cycle (a legacy file) counts as cycle 1", () => {
    const legacy: Checkpoints = checkpoints();
    legacy._history.push({ sequence: 1, phase: GATE, created_at: "2026-04-01T00:00:00.000Z", payload: { gate_verdict: "PROCEED" } } as never);
    assert.deepEqual(validateTransition(state({ phase: GATE }), legacy, GATE, RESEARCH), { ok: true });
    refused(validateTransition(state({ phase: GATE, current_cycle: 2 }), legacy, GATE, RESEARCH), `Checkpoint missing for ${GATE}`);
  });
});

describe("purity", () => {
  test("validateTransition leaves its inputs alone", () => {
    const s = state({ phase: GATE });
    const cps = checkpoints([GATE, { gate_verdict: "BLOCK" }]);
    const before = JSON.stringify([s, cps]);
    validateTransition(s, cps, GATE, AGGREGATE);
    validateTransition(s, cps, GATE, RESEARCH);
    assert.equal(JSON.stringify([s, cps]), before);
  });
});

describe("phase helpers (phases.ts)", () => {
  test("the run-scoped phases are PREFLIGHT, PARSE_INPUT, AGGREGATE and REPORT", () => {
    assert.deepEqual([...RUN_SCOPED_PHASES].sort(), [PREFLIGHT, PARSE, AGGREGATE, REPORT].sort());
  });

  const names: [name: string, phase: boolean, work: boolean][] = [
    [PREFLIGHT, true, true],
    [REPORT, true, true],
    ["PAUSED", true, false],
    ["DONE", true, false],
    ["_history", false, false],
    ["_next_sequence", false, false],
    ["PHASE_12_BOGUS", false, false],
    ["phase_0_preflight", false, false],
    ["", false, false],
  ];
  for (const [name, phase, work] of names) {
    test(`isPhase(${JSON.stringify(name)}) = ${phase}, isWorkPhase = ${work}`, () => {
      assert.equal(isPhase(name), phase);
      assert.equal(isWorkPhase(name), work);
    });
  }

  test("the work phases are the twelve numbered phases, in order", () => {
    assert.deepEqual(
      PHASES.map((p) => Number(/^PHASE_(\d+)_/.exec(p)?.[1])),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    );
  });

  const labels: [string, string][] = [
    [GATE, "3 wrong tool gate"],
    [AGGREGATE, "10 aggregate"],
    [PREFLIGHT, "0 preflight"],
    ["DONE", "done"],
    ["PAUSED", "paused"],
  ];
  for (const [phase, label] of labels) {
    test(`phaseLabel(${phase}) = ${JSON.stringify(label)}`, () => {
      assert.equal(phaseLabel(phase), label);
    });
  }
});
