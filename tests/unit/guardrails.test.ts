// Guardrails (src/execute/guardrails.ts): which metrics guard the judged one, when a guarded metric
// breaches (the whole interval above 1 + the minimum effect), and what --allow-regression keeps;
// judgedBy (src/profile/ab-sampler.ts) moves the judged metric's verdict into `verdict`.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { allowedWarning, describeGuardrail, judgeGuardrails, parseAllowRegression } from "../../src/execute/guardrails.ts";
import type { Verdict } from "../../src/measure/index.ts";
import { judgedBy, type AbCompared } from "../../src/profile/ab-sampler.ts";

const verdict = (ratio: number, ci: [number, number], outcome: Verdict["outcome"]): Verdict => ({ ratio, ratio_ci: ci, p_value: 0.001, outcome, n_a: 20, n_b: 20, alpha: 0.05, seed: 1 }) as Verdict;
const FASTER = verdict(0.7, [0.68, 0.72], "faster");
const SLOWER = verdict(1.3, [1.25, 1.35], "slower");
const SAME = verdict(1.0, [0.98, 1.02], "no_difference");
/** A comparison as far as the guardrails read it: the verdicts and the minimum effect. */
const compared = (wall: Verdict, memory: Verdict | null, cpu: Verdict | null = null) => ({ metric: "wall_time_ms", verdict: wall, guardrails: { memory_peak_mb: memory, cpu_time_ms: cpu }, min_effect: 0.02 }) as unknown as AbCompared;

describe("judgeGuardrails", () => {
  test("wall time judged: peak memory guards it, and a breach removes the set", () => {
    const judged = judgeGuardrails(compared(FASTER, SLOWER), [], ["H1"], []);
    assert.deepEqual(judged.records.map((r) => [r.metric, r.verdict, r.allowed]), [["memory_peak_mb", "regressed", false]]);
    assert.match(judged.breach!, /^the memory guardrail: peak memory 1\.30x the base's \(95% CI 1\.25-1\.35, p = 0\.0010\), beyond the 2% minimum effect \(--allow-regression memory keeps such a change\)$/);
  });
  test("peak memory judged: wall time guards it, --allow-regression wall keeps the set", () => {
    const result = judgedBy(compared(SLOWER, FASTER), "memory_peak_mb");
    assert.equal(result.verdict, FASTER);
    assert.equal(result.guardrails.wall_time_ms, SLOWER);
    const judged = judgeGuardrails(result, [], ["H1"], [], "memory_peak_mb");
    assert.deepEqual(judged.records.map((r) => r.metric), ["wall_time_ms"]);
    assert.match(judged.breach!, /^the wall-time guardrail: wall time 1\.30x the base's .*\(--allow-regression wall keeps such a change\)$/);
    const allowed = judgeGuardrails(result, [], ["H1"], ["wall"], "memory_peak_mb");
    assert.equal(allowed.breach, null);
    assert.equal(allowedWarning(allowed.records[0]!), "H1 raised wall time 1.30x (95% CI 1.25-1.35); kept because of --allow-regression wall");
    assert.match(describeGuardrail(allowed.records[0]!), /^wall time regressed, allowed by --allow-regression wall: H1 against the base/);
  });
  test("CPU time judged: wall time and peak memory guard it; a wall time that holds is no breach", () => {
    const result = judgedBy(compared(SAME, SLOWER, FASTER), "cpu_time_ms");
    const judged = judgeGuardrails(result, ["H2"], ["H1"], [], "cpu_time_ms");
    assert.deepEqual(judged.records.map((r) => [r.metric, r.verdict]), [["wall_time_ms", "held"], ["memory_peak_mb", "regressed"]]);
    assert.match(judged.breach!, /^the memory guardrail: peak memory 1\.30x H2's/);
  });
  test("judging by a metric not measured on every run is an error", () => {
    assert.throws(() => judgedBy(compared(FASTER, null), "memory_peak_mb"), /the target's metric, peak memory, was not measured on every run/);
  });
  test("--allow-regression takes memory and wall, nothing else", () => {
    assert.deepEqual(parseAllowRegression(["Wall", "memory", "wall"]), ["wall", "memory"]);
    assert.throws(() => parseAllowRegression(["speed"]), /names no guardrail/);
  });
});
