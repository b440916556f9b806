// Checkpoint payloads read through one schema per phase (src/coordinator/payloads.ts, payloadOf in
// loop-context.ts): typed fields, what the schema does not name kept, a damaged payload one
// CorruptStateError naming the run's file, and a run-scoped phase read from any cycle.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { payloadOf } from "../../src/coordinator/loop-context.ts";
import { CorruptStateError } from "../../src/errors.ts";
import type { Phase } from "../../src/runtime/phases.ts";
import type { Run } from "../../src/runtime/store.ts";

function runWith(entries: { phase: Phase; cycle: number; payload: Record<string, unknown> }[], cycle = 1): Run {
  const history = entries.map((entry, index) => ({ ...entry, sequence: index + 1, timestamp: "2026-12-03T00:00:00.000Z" }));
  return { runId: "ln-810-s-1-abc", state: { current_cycle: cycle }, checkpoints: { _history: history, _next_sequence: history.length + 1 } } as unknown as Run;
}

describe("payloadOf", () => {
  test("a research payload: typed, defaults filled, unnamed fields kept", () => {
    const run = runWith([{ phase: "PHASE_4_RESEARCH", cycle: 1, payload: { hypotheses_count: 1, hypotheses: [{ id: "H1", description: "d", change: { kind: "env" } }], sources: ["x"] } }]);
    const payload = payloadOf(run, "PHASE_4_RESEARCH")!;
    assert.equal(payload.hypotheses[0]!.id, "H1");
    assert.deepEqual(payload.origins, {});
    assert.deepEqual(payload.skipped, []);
    assert.deepEqual((payload.hypotheses[0] as Record<string, unknown>).change, { kind: "env" });
    assert.deepEqual((payload as Record<string, unknown>).sources, ["x"]);
  });
  test("the payload of another cycle is not this cycle's; a run-scoped phase's is read from any", () => {
    const run = runWith([{ phase: "PHASE_0_PREFLIGHT", cycle: 1, payload: { checks: { tests_ms: 5, probe_ms: 6 } } }, { phase: "PHASE_5_SET_TARGET", cycle: 1, payload: { target_source: "--target" } }], 2);
    assert.equal(payloadOf(run, "PHASE_5_SET_TARGET"), null);
    assert.equal(payloadOf(run, "PHASE_5_SET_TARGET", 1)?.target_source, "--target");
    assert.equal(payloadOf(run, "PHASE_0_PREFLIGHT")?.checks?.probe_ms, 6);
  });
  test("a damaged payload is one CorruptStateError naming the phase, the field and the run's file", () => {
    const run = runWith([{ phase: "PHASE_4_RESEARCH", cycle: 1, payload: { origins: { H1: 5 } } }]);
    assert.throws(
      () => payloadOf(run, "PHASE_4_RESEARCH"),
      (error: unknown) => error instanceof CorruptStateError && /PHASE_4_RESEARCH checkpoint of cycle 1\.origins\.H1/.test(error.message) && error.message.includes("ln-810-s-1-abc/history.jsonl"),
    );
  });
  test("a gate finding with an unknown level is refused", () => {
    const run = runWith([{ phase: "PHASE_3_WRONG_TOOL_GATE", cycle: 1, payload: { gate_verdict: "BLOCK", gate: { findings: [{ rule: "B1", level: "fatal", message: "m" }] } } }]);
    assert.throws(() => payloadOf(run, "PHASE_3_WRONG_TOOL_GATE"), CorruptStateError);
  });
  test("read once: the same stored payload gives the same object", () => {
    const run = runWith([{ phase: "PHASE_5_SET_TARGET", cycle: 1, payload: { target_source: "research" } }]);
    assert.equal(payloadOf(run, "PHASE_5_SET_TARGET"), payloadOf(run, "PHASE_5_SET_TARGET"));
  });
});
