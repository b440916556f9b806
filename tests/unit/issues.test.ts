// The validator's messages (runtime contract §4.5), through toDetails/describeDetails/check and the
// real schemas of schemas.ts (§4.1, §4.6, §4.7, FIX 2, 14, 21).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as v from "valibot";
import { check, describeDetails, toDetails, type ValidationDetail } from "../../src/runtime/issues.ts";
import {
  CheckpointEntrySchema,
  CheckpointPayloadSchema,
  CycleRecordSchema,
  DecisionSchema,
  ManifestInputSchema,
  PendingDecisionSchema,
  PointerSchema,
  StateSchema,
  SummaryEnvelopeSchema,
  WorkerResultSchema,
} from "../../src/runtime/schemas.ts";
import { state } from "./runtime-fixtures.ts";

const NOW = "2026-04-01T00:00:00.000Z";
const PHASE_LIST =
  "PHASE_0_PREFLIGHT, PHASE_1_PARSE_INPUT, PHASE_2_PROFILE, PHASE_3_WRONG_TOOL_GATE, PHASE_4_RESEARCH, PHASE_5_SET_TARGET, PHASE_6_WRITE_CONTEXT, PHASE_7_VALIDATE_PLAN, PHASE_8_EXECUTE, PHASE_9_CYCLE_BOUNDARY, PHASE_10_AGGREGATE, PHASE_11_REPORT, PAUSED, DONE";

/** check() must fail with exactly this message and these details. */
function rejects(label: string, schema: v.GenericSchema, input: unknown, error: string, details?: ValidationDetail[]): void {
  const result = check(label, schema, input);
  assert.equal(result.ok, false, `expected a failure for ${JSON.stringify(input)}`);
  if (result.ok) return;
  assert.equal(result.error, error);
  if (details) assert.deepEqual(result.details, details);
  assert.equal(describeDetails(label, result.details), result.error);
}

function accepts<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  const result = check("x", schema, input);
  assert.ok(result.ok, result.ok ? "" : result.error);
  return result.value;
}

describe("describeDetails (combined form)", () => {
  test("joins `<path or \"/\"> <msg>` items with \"; \"", () => {
    assert.equal(
      describeDetails("ln-810 manifest", [
        { instancePath: "/a", message: "must be string" },
        { instancePath: "", message: "missing required property: b" },
      ]),
      "Invalid ln-810 manifest: /a must be string; / missing required property: b",
    );
  });

  test("one item, nested path", () => {
    assert.equal(
      describeDetails("optimization worker result", [{ instancePath: "/hypotheses/0", message: "must be string" }]),
      "Invalid optimization worker result: /hypotheses/0 must be string",
    );
  });

  test("no items", () => {
    assert.equal(describeDetails("runtime state", []), "Invalid runtime state: ");
  });
});

describe("toDetails: the original's wording and paths", () => {
  const Schema = v.strictObject(
    {
      a: v.string("must be string"),
      b: v.string("must be string"),
      nested: v.optional(v.strictObject({ k: v.number("must be number") }, "must be object")),
    },
    "must be object",
  );
  const issues = (input: unknown) => {
    const result = v.safeParse(Schema, input);
    assert.equal(result.success, false);
    return result.issues!;
  };

  test("a type mismatch is reported at the value's path", () => {
    assert.deepEqual(toDetails(issues({ a: 1, b: "x" })), [{ instancePath: "/a", message: "must be string" }]);
  });

  test("a missing key is reported at its object's path", () => {
    assert.deepEqual(toDetails(issues({ a: "x" })), [{ instancePath: "", message: "missing required property: b" }]);
    assert.deepEqual(toDetails(issues({ a: "x", b: "y", nested: {} })), [
      { instancePath: "/nested", message: "missing required property: k" },
    ]);
  });

  test("an extra key is reported at its own path", () => {
    assert.deepEqual(toDetails(issues({ a: "x", b: "y", extra: 1 })), [
      { instancePath: "/extra", message: "additional property is not allowed" },
    ]);
    assert.deepEqual(toDetails(issues({ a: "x", b: "y", nested: { k: 1, z: 2 } })), [
      { instancePath: "/nested/z", message: "additional property is not allowed" },
    ]);
  });

  test("the root type mismatch has an empty path", () => {
    assert.deepEqual(toDetails(issues("text")), [{ instancePath: "", message: "must be object" }]);
  });

  test("check() builds the combined message from them", () => {
    rejects("thing", Schema, { a: 1 }, "Invalid thing: /a must be string; / missing required property: b", [
      { instancePath: "/a", message: "must be string" },
      { instancePath: "", message: "missing required property: b" },
    ]);
  });

  test("check() returns the parsed value on success", () => {
    assert.deepEqual(check("thing", Schema, { a: "x", b: "y" }), { ok: true, value: { a: "x", b: "y" } });
  });
});

describe("ManifestInputSchema (§4.1, FIX 4)", () => {
  test("a target key present but undefined fails with /target must be string (as the original)", () => {
    rejects("ln-810 manifest", ManifestInputSchema, { target: undefined }, "Invalid ln-810 manifest: /target must be string", [
      { instancePath: "/target", message: "must be string" },
    ]);
  });

  test("a missing target is a missing required property (target is required, FIX 4)", () => {
    rejects("ln-810 manifest", ManifestInputSchema, {}, "Invalid ln-810 manifest: / missing required property: target");
  });

  for (const target of [5, null, true, ["a"], { path: "x" }]) {
    test(`target ${JSON.stringify(target)} -> /target must be string`, () => {
      rejects("ln-810 manifest", ManifestInputSchema, { target }, "Invalid ln-810 manifest: /target must be string");
    });
  }

  test("a non-object manifest", () => {
    for (const input of [null, "text", 3]) {
      rejects("ln-810 manifest", ManifestInputSchema, input, "Invalid ln-810 manifest: / must be object");
    }
  });

  test("several problems are all reported, in order", () => {
    rejects(
      "ln-810 manifest",
      ManifestInputSchema,
      { target: "x", execution_mode: "bogus", cycle_config: { max_cycles: 0 }, context_file: 5 },
      "Invalid ln-810 manifest: /execution_mode must be one of: execute, plan_only; /cycle_config/max_cycles must be >= 1; /context_file must be string,null",
    );
  });

  test("a cycle_config that is not an object", () => {
    rejects("ln-810 manifest", ManifestInputSchema, { target: "x", cycle_config: "3" }, "Invalid ln-810 manifest: /cycle_config must be object");
  });

  // Regression (was a bug): valibot's looseObject accepts arrays, so cycle_config: [] passes (it becomes the default
  // config; [5] becomes {"0":5,max_cycles:3,plateau_threshold:5}). src/runtime/schemas.ts:28.
  // Contract §4.1: "cycle_config must be an object"; §4.5: `object` = non-null and not an array.
  test("a cycle_config that is an array is not an object (§4.5)", () => {
    rejects("ln-810 manifest", ManifestInputSchema, { target: "x", cycle_config: [] }, "Invalid ln-810 manifest: /cycle_config must be object");
  });

  test("a minimal manifest gets the default cycle_config and keeps other keys for normalization", () => {
    assert.deepEqual(accepts(ManifestInputSchema, { target: "GET /x" }), { target: "GET /x" });
    assert.deepEqual(accepts(ManifestInputSchema, { target: "GET /x", cycle_config: {} }), {
      target: "GET /x",
      cycle_config: { max_cycles: 3, plateau_threshold: 5 },
    });
    assert.deepEqual(accepts(ManifestInputSchema, { target: "t", observed_metric: { value: 1 }, slug: "s" }), {
      target: "t",
      observed_metric: { value: 1 },
      slug: "s",
    });
  });
});

describe("WorkerResultSchema (§4.6, widened by FIX 2)", () => {
  const label = "optimization worker result";

  test("accepts the real ln-812 output: object hypotheses, unknown keys kept", () => {
    const input = {
      worker: "ln-812",
      hypotheses: [{ id: "H1", description: "cache the query" }, "H2"],
      industry_benchmark: { p95_ms: 200 },
      top_bottlenecks: [{ file: "a.ts" }],
      suspicion_stack: [],
      agent_summary: "ok",
    };
    assert.deepEqual(accepts(WorkerResultSchema, input), input);
  });

  test("accepts the real ln-813 output: a numeric corrections_applied, object concerns", () => {
    const input = { worker: "ln-813", verdict: "GO_WITH_CONCERNS", corrections_applied: 2, concerns: [{ type: "risk", detail: "d" }] };
    assert.deepEqual(accepts(WorkerResultSchema, input), input);
    assert.deepEqual(accepts(WorkerResultSchema, { worker: "ln-813", corrections_applied: ["fixed H1"] }), {
      worker: "ln-813",
      corrections_applied: ["fixed H1"],
    });
  });

  test("accepts the real ln-814 output with reasons for removed hypotheses", () => {
    const input = {
      worker: "ln-814",
      branch: "perf/align",
      baseline: { wall_time_ms: 6300 },
      final: { wall_time_ms: 420 },
      total_improvement_pct: 93.3,
      target_met: true,
      strike_result: "clean",
      hypotheses_applied: ["H1"],
      hypotheses_removed: [{ id: "H2", reason: "tests failed" }],
      files_modified: ["a.ts"],
      recorded_at: NOW,
    };
    assert.deepEqual(accepts(WorkerResultSchema, input), input);
  });

  const bad: [label: string, input: Record<string, unknown>, error: string][] = [
    ["no worker", {}, "/ missing required property: worker"],
    ["an empty worker", { worker: "" }, "/worker must have length >= 1"],
    ["a numeric worker", { worker: 5 }, "/worker must be string"],
    ["a hypothesis that is a number", { worker: "w", hypotheses: [1] }, "/hypotheses/0 must be string,object"],
    ["hypotheses not an array", { worker: "w", hypotheses: "H1" }, "/hypotheses must be array"],
    ["a negative corrections_applied", { worker: "w", corrections_applied: -1 }, "/corrections_applied must be >= 0"],
    ["a string total_improvement_pct", { worker: "w", total_improvement_pct: "5" }, "/total_improvement_pct must be number"],
    ["a string target_met", { worker: "w", target_met: "yes" }, "/target_met must be boolean"],
    ["a bad recorded_at", { worker: "w", recorded_at: "yesterday" }, "/recorded_at must be a valid date-time string"],
    ["a string baseline", { worker: "w", baseline: "6300ms" }, "/baseline must be object"],
    ["a numeric wrong_tool_indicators item", { worker: "w", wrong_tool_indicators: [1] }, "/wrong_tool_indicators/0 must be string"],
  ];
  for (const [what, input, error] of bad) {
    test(`rejects ${what}`, () => {
      rejects(label, WorkerResultSchema, input, `Invalid ${label}: ${error}`);
    });
  }

  // Regression (was a bug): obj() (src/runtime/schemas.ts:20) is v.record(), which accepts an array and turns it into an
  // object with index keys ([] -> {}, [1,2] -> {"0":1,"1":2}), so the data is silently reshaped.
  // Contract §4.5: `object` = non-null and not an array, so baseline: [] must fail.
  test("rejects an array where an object is required (§4.5)", () => {
    rejects(label, WorkerResultSchema, { worker: "w", baseline: [1, 2] }, `Invalid ${label}: /baseline must be object`);
  });
});

describe("CycleRecordSchema (§4.7)", () => {
  const label = "optimization cycle record";
  const bad: [what: string, input: unknown, error: string][] = [
    ["cycle 0", { cycle: 0 }, "/cycle must be >= 1"],
    ["cycle -1", { cycle: -1 }, "/cycle must be >= 1"],
    ["cycle 1.5", { cycle: 1.5 }, "/cycle must be integer"],
    ['cycle "1"', { cycle: "1" }, "/cycle must be integer"],
    ["cycle NaN", { cycle: Number.NaN }, "/cycle must be integer"],
    ["cycle Infinity", { cycle: Number.POSITIVE_INFINITY }, "/cycle must be integer"],
    ["no cycle", {}, "/ missing required property: cycle"],
    ["a bad status", { cycle: 1, status: "done" }, "/status must be one of: completed"],
    ["next_cycle 0", { cycle: 1, next_cycle: 0 }, "/next_cycle must be >= 1"],
    ["next_cycle 2.5", { cycle: 1, next_cycle: 2.5 }, "/next_cycle must be integer"],
    ["a numeric stop_reason", { cycle: 1, stop_reason: 1 }, "/stop_reason must be string"],
    ["a NaN improvement_pct", { cycle: 1, improvement_pct: Number.NaN }, "/improvement_pct must be number"],
  ];
  for (const [what, input, error] of bad) {
    test(`rejects ${what}`, () => {
      rejects(label, CycleRecordSchema, input, `Invalid ${label}: ${error}`);
    });
  }

  test("accepts a full record with metrics and keeps unknown keys", () => {
    const input = {
      cycle: 2,
      status: "completed",
      next_cycle: 3,
      stop_reason: "TARGET_MET",
      final_result: "TARGET_MET",
      recorded_at: NOW,
      baseline: { wall_time_ms: 6300 },
      final: { wall_time_ms: 400 },
      improvement_pct: 93.6,
      target_met: true,
      notes: "kept",
    };
    assert.deepEqual(accepts(CycleRecordSchema, input), input);
  });
});

describe("CheckpointPayloadSchema (FIX 14, 21)", () => {
  const label = "checkpoint entry";
  const Wrapped = v.object({ payload: CheckpointPayloadSchema });
  const bad: [what: string, payload: Record<string, unknown>, error: string][] = [
    ["a bad gate_verdict", { gate_verdict: "MAYBE" }, "/payload/gate_verdict must be one of: PROCEED, CONCERNS, WAIVED, BLOCK"],
    ["a lowercase gate_verdict", { gate_verdict: "block" }, "/payload/gate_verdict must be one of: PROCEED, CONCERNS, WAIVED, BLOCK"],
    ["a bad validation_verdict", { validation_verdict: "OK" }, "/payload/validation_verdict must be one of: GO, GO_WITH_CONCERNS, WAIVED, NO_GO"],
    ['a string hypotheses_count "3"', { hypotheses_count: "3" }, "/payload/hypotheses_count must be integer"],
    ['a string hypotheses_count "abc"', { hypotheses_count: "abc" }, "/payload/hypotheses_count must be integer"],
    ["a fractional hypotheses_count", { hypotheses_count: 1.5 }, "/payload/hypotheses_count must be integer"],
    ["a negative hypotheses_count", { hypotheses_count: -1 }, "/payload/hypotheses_count must be >= 0"],
    ['a string next_cycle "2"', { next_cycle: "2" }, "/payload/next_cycle must be integer"],
    ["next_cycle 0", { next_cycle: 0 }, "/payload/next_cycle must be >= 1"],
    ['report_ready "true"', { report_ready: "true" }, "/payload/report_ready must be boolean"],
    ["a numeric final_result", { final_result: 1 }, "/payload/final_result must be string,null"],
    ["a numeric stop_reason", { stop_reason: 1 }, "/payload/stop_reason must be string,null"],
    ["a numeric context_file", { context_file: 1 }, "/payload/context_file must be string,null"],
  ];
  for (const [what, payload, error] of bad) {
    test(`rejects ${what}`, () => {
      rejects(label, Wrapped, { payload }, `Invalid ${label}: ${error}`);
    });
  }

  const good: Record<string, unknown>[] = [
    {},
    { gate_verdict: "BLOCK", stop_reason: "WRONG_TOOL_BLOCK", final_result: "infrastructure_bound" },
    { hypotheses_count: 0 },
    { hypotheses_count: null },
    { validation_verdict: "NO_GO", concerns: [{ type: "risk" }] },
    { execution_result: { target_met: true } },
    { status: "skipped_by_mode", phase_status: "skipped_by_mode" },
    { next_cycle: 2, stop_reason: null },
    { report_ready: true, final_result: "TARGET_MET" },
    { target_metric: { value: 500, unit: "ms" }, anything: ["else"] },
  ];
  for (const payload of good) {
    test(`accepts ${JSON.stringify(payload)} unchanged`, () => {
      assert.deepEqual(accepts(CheckpointPayloadSchema, payload), payload);
    });
  }
});

describe("PendingDecisionSchema and DecisionSchema (§4.2)", () => {
  const decision = {
    kind: "validation_no_go",
    question: "Waive?",
    choices: ["waive", "cancel"],
    default_choice: null,
    context: { cycle: 1 },
    resume_to_phase: "PHASE_7_VALIDATE_PLAN",
    blocking: true,
  };

  test("accepts a full pending decision", () => {
    assert.deepEqual(accepts(PendingDecisionSchema, decision), decision);
  });

  const bad: [what: string, input: Record<string, unknown>, error: string][] = [
    ["no choices", { ...decision, choices: [] }, "/choices must contain at least 1 item(s)"],
    ["an empty choice", { ...decision, choices: [""] }, "/choices/0 must have length >= 1"],
    ["an extra key", { ...decision, extra: 1 }, "/extra additional property is not allowed"],
    ["an unknown resume phase", { ...decision, resume_to_phase: "X" }, `/resume_to_phase must be one of: ${PHASE_LIST}`],
    ["a string blocking", { ...decision, blocking: "yes" }, "/blocking must be boolean"],
    ["a numeric default_choice", { ...decision, default_choice: 1 }, "/default_choice must be string,null"],
  ];
  for (const [what, input, error] of bad) {
    test(`rejects ${what}`, () => {
      rejects("pending decision", PendingDecisionSchema, input, `Invalid pending decision: ${error}`);
    });
  }

  test("reports a missing key at the root and keeps going", () => {
    const { default_choice: _drop, ...rest } = decision;
    rejects(
      "pending decision",
      PendingDecisionSchema,
      { ...rest, blocking: "no" },
      "Invalid pending decision: / missing required property: default_choice; /blocking must be boolean",
    );
  });

  test("a decision record has no extra keys and a real date", () => {
    assert.ok(check("d", DecisionSchema, { kind: "k", selected_choice: "end", answered_at: NOW }).ok);
    rejects(
      "decision",
      DecisionSchema,
      { kind: "k", selected_choice: "", answered_at: "soon", why: 1 },
      "Invalid decision: /selected_choice must have length >= 1; /answered_at must be a valid date-time string; /why additional property is not allowed",
    );
  });
});

describe("the stored records", () => {
  test("a checkpoint entry with a null payload: /payload must be object", () => {
    rejects(
      "checkpoint entry",
      CheckpointEntrySchema,
      { sequence: 1, phase: "PHASE_0_PREFLIGHT", created_at: NOW, payload: null },
      "Invalid checkpoint entry: /payload must be object",
    );
  });

  test("a checkpoint entry with a bookkeeping phase name", () => {
    rejects(
      "checkpoint entry",
      CheckpointEntrySchema,
      { sequence: 1, phase: "_history", created_at: NOW, payload: {} },
      `Invalid checkpoint entry: /phase must be one of: ${PHASE_LIST}`,
    );
  });

  test("a checkpoint entry without a cycle is cycle 1", () => {
    assert.equal(accepts(CheckpointEntrySchema, { sequence: 1, phase: "PHASE_0_PREFLIGHT", created_at: NOW, payload: {} }).cycle, 1);
  });

  test("an active pointer has exactly four keys", () => {
    rejects(
      "active runtime pointer",
      PointerSchema,
      { skill: "ln-810", identifier: "a", run_id: "r", updated_at: "nope", x: 1 },
      "Invalid active runtime pointer: /updated_at must be a valid date-time string; /x additional property is not allowed",
    );
  });

  test("a summary envelope needs every key", () => {
    rejects(
      "summary envelope",
      SummaryEnvelopeSchema,
      { schema_version: "1.0.0", summary_kind: "optimization-profile", run_id: "r", identifier: "s", producer_skill: "ln-811", produced_at: NOW },
      "Invalid summary envelope: / missing required property: payload",
    );
  });

  test("the initial state is a valid state; a bad phase and cycle are reported", () => {
    assert.ok(check("runtime state", StateSchema, state()).ok);
    rejects(
      "runtime state",
      StateSchema,
      { ...state(), phase: "PHASE_12", current_cycle: 0 },
      `Invalid runtime state: /phase must be one of: ${PHASE_LIST}; /current_cycle must be >= 1`,
    );
  });
});
