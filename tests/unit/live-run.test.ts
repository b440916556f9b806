// What `perfloop status` says about a run that is being driven (src/coordinator/live-run.ts):
// when its phase began, from the history's saved states, and the words for the time.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { describeLive, formatMoment, formatSpan, phaseSince } from "../../src/coordinator/live-run.ts";
import type { Phase } from "../../src/runtime/phases.ts";
import type { HistoryEvent } from "../../src/runtime/schemas.ts";

let sequence = 0;
const saved = (phase: string, at: string, type: HistoryEvent["event_type"] = "STATE_SAVED"): HistoryEvent => ({ sequence: ++sequence, event_type: type, created_at: at, run_id: "r", state: { phase } });
const recorded = (phase: Phase, at: string): HistoryEvent => ({ sequence: ++sequence, event_type: "CHECKPOINT_RECORDED", created_at: at, run_id: "r", phase, payload: {} });

describe("phaseSince", () => {
  const cases: { name: string; history: HistoryEvent[]; phase: string; expected: string | null }[] = [
    { name: "no history", history: [], phase: "PHASE_8_EXECUTE", expected: null },
    { name: "the first state of the phase, not the later saves within it", phase: "PHASE_8_EXECUTE", expected: "T3",
      history: [saved("PHASE_0_PREFLIGHT", "T1", "RUN_STARTED"), saved("PHASE_7_VALIDATE_PLAN", "T2"), saved("PHASE_8_EXECUTE", "T3"), recorded("PHASE_8_EXECUTE", "T4"), saved("PHASE_8_EXECUTE", "T5")] },
    { name: "the current stretch: an earlier cycle's stretch of the same phase does not count", phase: "PHASE_2_PROFILE", expected: "T4",
      history: [saved("PHASE_2_PROFILE", "T1"), saved("PHASE_3_WRONG_TOOL_GATE", "T2"), saved("PHASE_9_CYCLE_BOUNDARY", "T3"), saved("PHASE_2_PROFILE", "T4")] },
    { name: "events without a state are passed over", phase: "PHASE_1_PARSE_INPUT", expected: "T2",
      history: [saved("PHASE_0_PREFLIGHT", "T1", "RUN_STARTED"), recorded("PHASE_0_PREFLIGHT", "T1"), saved("PHASE_1_PARSE_INPUT", "T2")] },
    { name: "a phase the history never reached", phase: "PHASE_8_EXECUTE", expected: null, history: [saved("PHASE_1_PARSE_INPUT", "T1")] },
  ];
  for (const c of cases) test(c.name, () => assert.equal(phaseSince(c.history, c.phase), c.expected));
});

describe("formatSpan", () => {
  const cases: [number, string][] = [
    [-5, "0 s"],
    [0, "0 s"],
    [59_999, "59 s"],
    [60_000, "1 min"],
    [3 * 60_000 + 59_000, "3 min"],
    [3_600_000, "1 h 0 min"],
    [2 * 3_600_000 + 5 * 60_000, "2 h 5 min"],
    [3 * 86_400_000 + 4 * 3_600_000 + 59 * 60_000, "3 d 4 h"],
  ];
  for (const [ms, expected] of cases) test(`${ms} ms is ${expected}`, () => assert.equal(formatSpan(ms), expected));
});

describe("formatMoment", () => {
  // Local times, as the person's clock shows them.
  const at = new Date(2026, 11, 2, 14, 2, 11);
  test("today: the time of day", () => assert.equal(formatMoment(at.toISOString(), new Date(2026, 11, 2, 23, 59, 0).getTime()), "14:02:11"));
  test("another day: the date too", () => assert.equal(formatMoment(at.toISOString(), new Date(2026, 11, 3, 0, 1, 0).getTime()), "2026-12-02 14:02:11"));
});

test("describeLive: pid, phase and since when, from the phase's start, else from the lock", () => {
  const start = new Date(2026, 11, 2, 14, 2, 11);
  const now = start.getTime() + 3 * 60_000 + 20_000;
  const driver = { pid: 1234, since: new Date(2026, 11, 2, 14, 0, 0).toISOString(), command: "perfloop run x" };
  assert.equal(describeLive(driver, "PHASE_8_EXECUTE", start.toISOString(), now), "pid 1234, phase 8 execute since 14:02:11 (3 min)");
  assert.equal(describeLive(driver, "PHASE_8_EXECUTE", null, now), "pid 1234, phase 8 execute since 14:00:00 (5 min)");
});
