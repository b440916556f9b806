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
  test("--allow-regression takes memory, wall, p99 and errors, nothing else", () => {
    assert.deepEqual(parseAllowRegression(["Wall", "memory", "wall", "P99", "errors"]), ["wall", "memory", "p99", "errors"]);
    assert.throws(() => parseAllowRegression(["speed"]), /names no guardrail/);
  });
});

/** An endpoint's comparison: median latency judged, p99 as given, each round's errors of 100 requests. */
const endpointCompared = (p99: Verdict | null, errorsA: number[], errorsB: number[]) => {
  const samples = (errors: number[]) => errors.map((e, i) => ({ run: i, warmup: false, values: { error_count: e, request_count: 100 } }));
  return { metric: "latency_p50_ms", verdict: FASTER, guardrails: { memory_peak_mb: null, cpu_time_ms: null, latency_p99_ms: p99 }, min_effect: 0.02, rounds: errorsA.length, samples_a: samples(errorsA), samples_b: samples(errorsB) } as unknown as AbCompared;
};

describe("an endpoint's guardrails", () => {
  test("the median judged: p99 and errors guard it; a p99 regression removes the set", () => {
    const judged = judgeGuardrails(endpointCompared(SLOWER, [0, 0, 0], [0, 0, 0]), [], ["H1"], [], "latency_p50_ms");
    assert.deepEqual(judged.records.map((r) => [r.metric, r.verdict]), [["latency_p99_ms", "regressed"], ["error_count", "held"]]);
    assert.match(judged.breach!, /^the p99 guardrail: p99 latency 1\.30x the base's .*\(--allow-regression p99 keeps such a change\)$/);
    assert.equal(judgeGuardrails(endpointCompared(SLOWER, [0, 0, 0], [0, 0, 0]), [], ["H1"], ["p99"], "latency_p50_ms").breach, null);
  });
  test("errors from none to some are a regression, judged as counts", () => {
    const judged = judgeGuardrails(endpointCompared(SAME, [0, 0, 0, 0], [3, 4, 2, 5]), [], ["H1"], [], "latency_p50_ms");
    const errors = judged.records.find((r) => r.metric === "error_count")!;
    assert.equal(errors.verdict, "regressed");
    assert.deepEqual(errors.errors, { a: 0, of_a: 400, b: 14, of_b: 400 });
    assert.ok(errors.p_value < 0.001, String(errors.p_value));
    assert.match(judged.breach!, /^the error guardrail: 14 of 400 requests failed against 0 of 400 with the base \(Fisher's exact test, p < 0\.0001; --allow-regression errors keeps such a change\)$/);
    assert.match(describeGuardrail(errors), /^errors regressed: removed: H1 against the base, 14 of 400 requests failed against 0 of 400/);
  });
  test("one failed request more is not significant, and warm-up rounds are not counted", () => {
    const result = endpointCompared(SAME, [0, 0, 0], [1, 0, 0]);
    (result.samples_b as unknown as { warmup: boolean; values: Record<string, number> }[]).unshift({ warmup: true, values: { error_count: 50, request_count: 100 } } as never);
    const errors = judgeGuardrails(result, [], ["H1"], [], "latency_p50_ms").records.find((r) => r.metric === "error_count")!;
    assert.equal(errors.verdict, "held");
    assert.deepEqual(errors.errors, { a: 0, of_a: 300, b: 1, of_b: 300 });
  });
  test("a throughput judged is guarded the same way; a p99 judged by its errors alone", () => {
    assert.deepEqual(judgeGuardrails(endpointCompared(SAME, [0], [0]), [], ["H1"], [], "throughput_rps").records.map((r) => r.metric), ["latency_p99_ms", "error_count"]);
    assert.deepEqual(judgeGuardrails(endpointCompared(SAME, [0], [0]), [], ["H1"], [], "latency_p99_ms").records.map((r) => r.metric), ["error_count"]);
  });
});
