// The run review (src/report/review.ts): its counters from constructed run records, each advice
// rule with a case where it fires and one where it does not, and how the review is rendered and
// read back with the report.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as v from "valibot";
import { sourceKind } from "../../src/coordinator/review-input.ts";
import { parseExperimentLog, type LogEntry } from "../../src/report/experiment-rows.ts";
import { buildReview, type ReviewInput } from "../../src/report/review.ts";
import { removalKind, undecided } from "../../src/report/review-reasons.ts";
import { reviewHeadlines, reviewSection } from "../../src/report/review-render.ts";
import { RunReviewSchema, type RunReview } from "../../src/report/review-schema.ts";
import { RunReportSchema, type ReportCycle, type RunReport } from "../../src/report/run-report.ts";
import { renderRunSummary } from "../../src/report/run-text.ts";

const BASE = "1111111111111111111111111111111111111111";
const T0 = Date.parse("2025-03-01T10:00:00.000Z");
/** An ISO time `s` seconds after the run started. */
const t = (s: number) => new Date(T0 + s * 1000).toISOString();

function cycle(overrides: Partial<ReportCycle> & Pick<ReportCycle, "cycle">): ReportCycle {
  return { base_commit: BASE, commit: null, gate: "PROCEED", validation: "GO", planned: [], kept: [], removed: [], ratio: null, ratio_ci: null, p_value: null, runs: null, improvement_pct: 0, baseline: {}, final: {}, metrics: [], stop_reason: null, guardrails: [], comparisons: [], ...overrides };
}

function row(at: number, hypotheses: string[], ratio: number | null, rounds: number | null, outcome: string, phase = "bisect"): LogEntry {
  return { timestamp: t(at), phase, hypotheses, ratio, rounds, outcome };
}

/** The phases of one cycle, one checkpoint a second apart, execute taking 10 s. */
function oneCycle(cycleNo = 1, start = 0): ReviewInput["checkpoints"] {
  const phases = ["PHASE_2_PROFILE", "PHASE_3_WRONG_TOOL_GATE", "PHASE_4_RESEARCH", "PHASE_5_SET_TARGET", "PHASE_6_WRITE_CONTEXT", "PHASE_7_VALIDATE_PLAN"];
  const out = phases.map((phase, i) => ({ phase, cycle: cycleNo, created_at: t(start + i + 1), failed: false }));
  out.push({ phase: "PHASE_8_EXECUTE", cycle: cycleNo, created_at: t(start + 17), failed: false }, { phase: "PHASE_9_CYCLE_BOUNDARY", cycle: cycleNo, created_at: t(start + 18), failed: false });
  return out;
}

function input(overrides: Partial<ReviewInput> = {}, settings: Partial<ReviewInput["settings"]> = {}): ReviewInput {
  return {
    slug: "sum",
    started_at: t(0),
    finished_at: t(20),
    checkpoints: [{ phase: "PHASE_0_PREFLIGHT", cycle: 1, created_at: t(0), failed: false }, ...oneCycle()],
    open: null,
    pauses: [],
    phase_failures: [],
    worker_results: [],
    hypotheses: [],
    cycles: [],
    comparisons: [],
    agent_calls: [],
    base_noise: { spread_pct: 3, ci_pct: 4, host_busy_pct: 1 },
    settings: { cap: 100, cap_from_flag: false, threshold_pct: null, min_effect_pct: 2, agent: null, timeout_s: null, agent_timeout_s: null, max_cycles: 3, plateau_pct: 5, higher_better: false, ...settings },
    result: { final_result: "TARGET_MET", stop_reason: "TARGET_MET", target_met: true, target: "-50%" },
    ...overrides,
  };
}

const hyp = (id: string, origin: string | null, expected: string | number | null = null, cycleNo = 1): ReviewInput["hypotheses"][number] => ({ cycle: cycleNo, id, origin, source: sourceKind(origin), expected_impact: expected });
const rules = (review: RunReview) => review.advice.map((a) => a.rule);
const call = (overrides: Partial<RunReport["agent_calls"][number]>): RunReport["agent_calls"][number] => ({
  transcript: ".hex-skills/optimization/sum/agents/001-research",
  cycle: 1,
  kind: "research",
  agent: "claude",
  idea: null,
  ok: true,
  error: null,
  exit_code: 0,
  wall_ms: 4000,
  files_changed: [],
  hypotheses: [],
  cost_usd: null,
  ...overrides,
});

test("removal reasons by what removed them, as the executor words them", () => {
  const cases: [string, ReturnType<typeof removalKind>][] = [
    ["breaks the tests: work.sh 100 should print 5050", "removed_tests"],
    ["breaks the e2e check: 1 failed", "removed_tests"],
    ["the tests did not finish within the limit (12 s: 10 x the base's 200 ms + 10 s)", "removed_tests"],
    ["the tests still fail with the rest: 2 failed", "removed_tests"],
    ["contested (knob:UV): breaks the tests: 1 failed", "removed_tests"],
    ["unknown: median ratio 0.993 (95% CI 0.918-1.082), p = 0.67, n 60+60", "removed_no_gain"],
    ["no difference: median ratio 1.001 (95% CI 0.99-1.01), p = 0.8, n 20+20", "removed_no_gain"],
    ["faster, not proven beyond the 2% minimum effect: median ratio 0.97", "removed_no_gain"],
    ["slower: median ratio 1.2", "removed_no_gain"],
    ["no gain in its group (H2, H3): median ratio 1.0", "removed_no_gain"],
    ["contested (knob:UV): threads-16 did better", "removed_no_gain"],
    ["contested (knob:UV): no difference on top of the strike: median ratio 1.0", "removed_no_gain"],
    ["the kept set did not confirm its gain together: median ratio 1.0", "removed_no_gain"],
    ["does not apply to the base: the search text is not in work.sh", "removed_other"],
    ["the target failed with it: exit 1", "removed_other"],
    ["peak memory: regressed 20% (--allow-regression memory keeps such a change)", "removed_other"],
  ];
  for (const [reason, kind] of cases) assert.equal(removalKind(reason), kind, reason);
  assert.equal(undecided("unknown"), true);
  assert.equal(undecided("faster, not proven beyond the 2% minimum effect"), true);
  assert.equal(undecided("faster, less than the 2% minimum effect"), false);
  assert.equal(undecided("no difference"), false);
});

test("source kinds from research's origins", () => {
  const cases: [string | null, string][] = [["built-in rules", "rules"], ["knobs", "knob"], ["--try-branch/--try-commit", "branch"], ["agent: claude", "agent"], ["perf/h.json", "file"], ["unknown", "unknown"], [null, "unknown"]];
  for (const [origin, kind] of cases) assert.equal(sourceKind(origin), kind, String(origin));
});

test("the experiment log read back: columns by the header, damaged rows left out", () => {
  const header = "timestamp\tphase\thypotheses\tbaseline_ms\tresult_ms\timprovement_pct\tstatus\tcommit\tfiles\te2e_status\tratio\tratio_ci_low\tratio_ci_high\trounds\toutcome";
  const text = [
    header,
    `${t(5)}\tbisect\tH3\t\t\t\tremoved\t\twork.sh\tfail\t\t\t\t\tbreaks the tests`,
    `${t(8)}\tstrike\tH1,H2\t36.5\t29.4\t26.18\tapplied\t\twork.sh\tskipped\t0.7382\t0.65\t0.86\t40\tfaster`,
    "not a timestamp\tstrike\tH1\t\t\t\tapplied\t\t\tskipped\t0.5\t\t\t10\tfaster",
    `${t(9)}\tbisect\tH2\t1\t1\t0\tremoved\t\twork.sh\tskipped\tabc\t\t\t60\tunknown`,
    "",
  ].join("\n");
  assert.deepEqual(parseExperimentLog(text), [row(5, ["H3"], null, null, "breaks the tests"), row(8, ["H1", "H2"], 0.7382, 40, "faster", "strike")]);
  assert.deepEqual(parseExperimentLog("no header\nat all"), []);
});

test("phases: time from checkpoint to checkpoint, waits, attempts after failures, and where an unfinished run stands", () => {
  const review = buildReview(
    input({
      checkpoints: [{ phase: "PHASE_0_PREFLIGHT", cycle: 1, created_at: t(0), failed: false }, { phase: "PHASE_2_PROFILE", cycle: 1, created_at: t(3), failed: false }, { phase: "PHASE_7_VALIDATE_PLAN", cycle: 1, created_at: t(4), failed: false }, { phase: "PHASE_7_VALIDATE_PLAN", cycle: 1, created_at: t(64), failed: false }],
      pauses: [{ cycle: 1, phase: "PHASE_7_VALIDATE_PLAN", reason: "H9 does not apply; waive or cancel?", at: t(4), resumed_at: t(63) }],
      phase_failures: [{ cycle: 1, phase: "PHASE_2_PROFILE", code: "internal", message: "boom", count: 1, at: t(1) }],
      open: { phase: "PHASE_8_EXECUTE", cycle: 1, paused: false },
      finished_at: t(70),
    }),
  );
  const by = (phase: string) => review.phases.find((p) => p.phase === phase)!;
  assert.deepEqual(by("PHASE_2_PROFILE"), { cycle: 1, phase: "PHASE_2_PROFILE", label: "2 profile", ms: 3000, waited_ms: 0, attempts: 2, status: "ok" });
  assert.deepEqual(by("PHASE_7_VALIDATE_PLAN"), { cycle: 1, phase: "PHASE_7_VALIDATE_PLAN", label: "7 validate plan", ms: 61_000, waited_ms: 59_000, attempts: 1, status: "ok" });
  assert.deepEqual(by("PHASE_8_EXECUTE"), { cycle: 1, phase: "PHASE_8_EXECUTE", label: "8 execute", ms: 6000, waited_ms: 0, attempts: 1, status: "unfinished" });
  assert.deepEqual(
    review.failures.map((f) => [f.kind, f.where]),
    [
      ["error", "2 profile"],
      ["retry", "2 profile"],
      ["pause", "7 validate plan"],
    ],
  );
  assert.match(review.failures[1]!.detail, /done 2 times; then it passed/);
  assert.match(review.failures[2]!.detail, /waive or cancel\?; answered after 59\.0 s/);
});

test("a phase that ended the run after failing again and again: failed, its attempts, and the advice to fix that cause", () => {
  const review = buildReview(
    input({
      checkpoints: [{ phase: "PHASE_0_PREFLIGHT", cycle: 1, created_at: t(0), failed: false }, ...oneCycle(1), { phase: "PHASE_2_PROFILE", cycle: 2, created_at: t(30), failed: true }],
      phase_failures: [
        { cycle: 2, phase: "PHASE_2_PROFILE", code: "usage", message: "the tests fail on the base commit (exit 1)", count: 1, at: t(22) },
        { cycle: 2, phase: "PHASE_2_PROFILE", code: "usage", message: "the tests fail on the base commit (exit 1)", count: 2, at: t(28) },
      ],
      result: { final_result: "IMPROVED", stop_reason: "PHASE_FAILED", target_met: false, target: "-50%" },
      worker_results: [{ worker: "ln-811", cycle: 1, recorded_at: t(0.5) }],
    }),
  );
  const profile2 = review.phases.find((p) => p.phase === "PHASE_2_PROFILE" && p.cycle === 2)!;
  assert.equal(profile2.status, "failed");
  assert.equal(profile2.attempts, 2);
  assert.deepEqual(review.workers.filter((w) => w.worker === "ln-811").map((w) => [w.cycle, w.status, w.ms]), [[1, "ok", 500], [2, "failed", null]]);
  assert.deepEqual(rules(review), ["phase_failed"]);
  assert.match(review.advice[0]!.fact, /^the run ended at 2 profile of cycle 2 after 2 failures with: the tests fail on the base commit/);
  // Without PHASE_FAILED, no such advice.
  assert.deepEqual(rules(buildReview(input({ phase_failures: [{ cycle: 1, phase: "PHASE_2_PROFILE", code: "x", message: "y", count: 1, at: t(0.5) }] }))), []);
});

test("workers: each recorded result's time since the checkpoint before it; a phase without one is skipped; agent calls with their own time", () => {
  const review = buildReview(
    input({
      worker_results: [
        { worker: "ln-811", cycle: 1, recorded_at: t(0.8) },
        { worker: "ln-812", cycle: 1, recorded_at: t(2.9) },
        { worker: "ln-813", cycle: 1, recorded_at: t(5.5) },
      ],
      agent_calls: [call({ ok: false, error: "exit 3", exit_code: 3 })],
    }),
  );
  assert.deepEqual(
    review.workers.map((w) => [w.worker, w.role, w.ms, w.status]),
    [
      ["ln-811", "profiler", 800, "ok"],
      ["ln-812", "researcher", 900, "ok"],
      ["ln-813", "plan validator", 500, "ok"],
      ["ln-814", "executor", null, "skipped"],
      ["agent: claude", "research", 4000, "failed"],
    ],
  );
  assert.deepEqual(review.failures.map((f) => f.kind), ["agent"]);
  assert.deepEqual(rules(review), ["agent_failures"]);
  assert.match(review.advice[0]!.advice, /check the agent command and its transcript \(\.hex-skills\/optimization\/sum\/agents\/001-research\)/);
});

test("agent calls that ran out of time: timeouts, and the advice names --agent-timeout", () => {
  const timedOut = (settings: Partial<ReviewInput["settings"]>) => buildReview(input({ agent_calls: [call({}), call({ ok: false, error: "timed out after 600 s", exit_code: null })] }, settings));
  const review = timedOut({});
  assert.deepEqual(review.failures.map((f) => f.kind), ["timeout"]);
  assert.equal(review.advice[0]!.fact, "1 of 2 agent calls failed (timed out after 600 s)");
  assert.equal(review.advice[0]!.advice, "they ran out of time: set a longer --agent-timeout");
  assert.equal(timedOut({ agent_timeout_s: 600 }).advice[0]!.advice, "they ran out of time: raise --agent-timeout (now 600 s)");
});

test("hypotheses: outcome, expected against measured (alone, on top, with others, not measured), per cycle; sources tallied", () => {
  const review = buildReview(
    input({
      hypotheses: [hyp("H1", "h.json", "-20%"), hyp("H2", "h.json", "low"), hyp("H3", "h.json"), hyp("H4", "agent: claude", 30), hyp("H5", "agent: claude", "2x"), hyp("H6", "built-in rules"), hyp("H1", "h.json", "3x", 2), hyp("H7", "knobs", null, 2)],
      checkpoints: [{ phase: "PHASE_0_PREFLIGHT", cycle: 1, created_at: t(0), failed: false }, ...oneCycle(1, 0), ...oneCycle(2, 20)],
      finished_at: t(40),
      cycles: [
        cycle({ cycle: 1, kept: [{ id: "H1", description: "", origin: "h.json" }, { id: "H4", description: "", origin: "agent: claude" }], removed: [{ id: "H2", reason: "unknown: median ratio 0.99, n 100+100", origin: "h.json" }, { id: "H3", reason: "breaks the tests: 1 failed", origin: "h.json" }, { id: "H5", reason: "does not apply to the base: no such line", origin: "agent: claude" }], ratio: 0.7, improvement_pct: 30 }),
        cycle({ cycle: 2, kept: [{ id: "H1", description: "", origin: "h.json" }], ratio: 0.5, improvement_pct: 50 }),
      ],
      comparisons: [
        row(10, ["H1", "H2", "H4"], 0.7, 20, "faster", "strike"),
        row(12, ["H1"], 0.8, 20, "faster"),
        row(14, ["H2"], 0.99, 100, "unknown"),
        row(16, ["H1", "H4"], 0.7, 20, "faster", "final"),
        // Cycle 2's H1 is another hypothesis of the same name: its own rows only.
        row(30, ["H1", "H7"], 0.9, 30, "no difference", "contested"),
        row(35, ["H1"], 0.5, 30, "faster", "final"),
      ],
    }),
  );
  const rowsOf = review.hypotheses.map((h) => [h.cycle, h.id, h.source, h.expected_pct, h.measured_pct, h.measured, h.outcome]);
  assert.deepEqual(rowsOf, [
    [1, "H1", "file", 20, 20, "alone", "kept"],
    [1, "H2", "file", 10, 1, "alone", "removed_no_gain"],
    [1, "H3", "file", null, null, "not_measured", "removed_tests"],
    [1, "H4", "agent", 30, 30, "with_others", "kept"],
    [1, "H5", "agent", 50, null, "not_measured", "removed_other"],
    [1, "H6", "rules", null, null, "not_measured", "not_tried"],
    [2, "H1", "file", 66.67, 50, "alone", "kept"],
    [2, "H7", "knob", null, 10, "on_top", "not_tried"],
  ]);
  assert.equal(review.hypotheses[2]!.reason, "breaks the tests: 1 failed");
  assert.deepEqual(review.sources, [
    { origin: "h.json", source: "file", hypotheses: 4, kept: 2, removed_tests: 1, removed_no_gain: 1, removed_other: 0, not_tried: 0 },
    { origin: "agent: claude", source: "agent", hypotheses: 2, kept: 1, removed_tests: 0, removed_no_gain: 0, removed_other: 1, not_tried: 0 },
    { origin: "built-in rules", source: "rules", hypotheses: 1, kept: 0, removed_tests: 0, removed_no_gain: 0, removed_other: 0, not_tried: 1 },
    { origin: "knobs", source: "knob", hypotheses: 1, kept: 0, removed_tests: 0, removed_no_gain: 0, removed_other: 0, not_tried: 1 },
  ]);
  // The pooled final rows are not comparisons of their own.
  assert.deepEqual([review.noise.comparisons, review.noise.unknown, review.noise.unknown_at_cap], [4, 1, 1]);
});

test("a kept id research did not list (an older run) still counts, from an unknown source", () => {
  const review = buildReview(input({ cycles: [cycle({ cycle: 1, kept: [{ id: "H1", description: "", origin: null }], ratio: 0.6, improvement_pct: 40 })] }));
  assert.deepEqual(review.hypotheses.map((h) => [h.id, h.source, h.measured_pct, h.outcome]), [["H1", "unknown", 40, "kept"]]);
  assert.equal(review.sources[0]!.origin, "unknown");
});

test("a metric that is better higher (throughput): a ratio above 1 is a gain", () => {
  const review = buildReview(input({ hypotheses: [hyp("H1", "h.json")], cycles: [cycle({ cycle: 1, kept: [{ id: "H1", description: "", origin: "h.json" }], ratio: 1.25, improvement_pct: 25 })], comparisons: [row(12, ["H1"], 1.25, 20, "faster")] }, { higher_better: true }));
  assert.equal(review.hypotheses[0]!.measured_pct, 25);
});

test("unknown at the cap: the advice names --max-runs, the busy host and --threshold; below the cap, none", () => {
  const comparisons = [row(10, ["H1", "H2"], 0.8, 20, "faster", "strike"), row(12, ["H2"], 0.99, 60, "unknown"), row(14, ["H3"], 0.97, 60, "faster, not proven beyond the 2% minimum effect")];
  const review = buildReview(input({ comparisons, base_noise: { spread_pct: 18.3, ci_pct: 18, host_busy_pct: 9.47 } }, { cap: 60, cap_from_flag: true }));
  assert.deepEqual(review.noise, { comparisons: 3, unknown: 2, unknown_at_cap: 2, cap: 60, cap_from_flag: true, min_effect_pct: 2, base_spread_pct: 18.3, base_ci_pct: 18, host_busy_pct: 9.47 });
  assert.deepEqual(review.advice, [
    {
      rule: "unknown_at_cap",
      fact: "2 of 3 comparisons ended unknown at the cap of 60 rounds (H2, H3)",
      advice: "a larger --max-runs (now 60; e.g. 120), a quieter machine (the base waited for a CPU 9.5% of its time) or --threshold with the smallest gain worth keeping (now the 2% floor)",
      headline: "2 of 3 comparisons ended unknown at the cap of 60 rounds: --max-runs 120, a quieter machine or --threshold",
    },
  ]);
  // The default cap, a quiet host, a threshold given: each said as it was.
  const quiet = buildReview(input({ comparisons: [row(12, ["H2"], 0.99, 100, "unknown")] }, { threshold_pct: 5, min_effect_pct: 5 }));
  assert.equal(quiet.advice[0]!.advice, "--max-runs 200 (the default cap is 100), a quieter machine (the base's runs spread 3.0%) or a larger --threshold (now 5%)");
  // Unknown, but it stopped before the cap (the budget, say): more runs are not the advice.
  const early = buildReview(input({ comparisons: [row(12, ["H2"], 0.99, 40, "unknown")] }, { cap: 60, cap_from_flag: true }));
  assert.deepEqual([early.noise.unknown, early.noise.unknown_at_cap, rules(early)], [1, 0, []]);
});

test("many test breakers from one source: review that source; one of three is not many", () => {
  const breaks = (n: number) =>
    buildReview(
      input({
        hypotheses: ["H1", "H2", "H3"].map((id) => hyp(id, "agent: claude")),
        cycles: [cycle({ cycle: 1, removed: ["H1", "H2", "H3"].map((id, i) => ({ id, reason: i < n ? "breaks the tests: 1 failed" : "no difference: median ratio 1.0", origin: "agent: claude" })) })],
      }),
    );
  const two = breaks(2);
  assert.deepEqual(rules(two), ["tests_from_source"]);
  assert.equal(two.advice[0]!.fact, "2 of 3 hypotheses from agent: claude broke the tests (H1, H2)");
  assert.match(two.advice[0]!.advice, /transcripts under \.hex-skills\/optimization\/sum\/agents\//);
  assert.equal(two.advice[0]!.headline, "2 of 3 hypotheses from agent: claude broke the tests: review that source");
  assert.ok(!rules(breaks(1)).includes("tests_from_source"));
});

test("no gain from one source: aim it at the bottleneck; a source that kept one is not advised", () => {
  const measured = (keptOne: boolean) =>
    buildReview(
      input({
        hypotheses: ["H1", "H2", "H3"].map((id) => hyp(id, "built-in rules")),
        cycles: [cycle({ cycle: 1, kept: keptOne ? [{ id: "H3", description: "", origin: "built-in rules" }] : [], removed: ["H1", "H2", ...(keptOne ? [] : ["H3"])].map((id) => ({ id, reason: "no difference: median ratio 1.0", origin: "built-in rules" })) })],
      }),
    );
  const none = measured(false);
  assert.deepEqual(rules(none), ["no_gain_from_source"]);
  assert.equal(none.advice[0]!.fact, "none of the 3 hypotheses from built-in rules that were measured gained (H1, H2, H3)");
  assert.deepEqual(rules(measured(true)), []);
});

test("estimates far above what was measured: optimistic; close enough, or one of them short: nothing", () => {
  const estimated = (ratios: number[]) =>
    buildReview(
      input({
        hypotheses: [hyp("H1", "h.json", "-50%"), hyp("H2", "h.json", "high"), hyp("H3", "h.json", 20)],
        cycles: [cycle({ cycle: 1, removed: ["H1", "H2", "H3"].map((id) => ({ id, reason: "faster, less than the 2% minimum effect: median ratio 0.99", origin: "h.json" })) })],
        comparisons: ratios.map((ratio, i) => row(12 + i, [`H${i + 1}`], ratio, 20, "faster")),
      }),
    );
  const optimistic = estimated([0.99, 0.9, 0.85]);
  assert.deepEqual(rules(optimistic), ["no_gain_from_source", "optimistic_estimates"]);
  assert.equal(optimistic.advice[1]!.fact, "2 of the 3 measured hypotheses from h.json that stated an expected impact measured under half of it (H1: expected 50.0%, measured 1.0%; H2: expected 50.0%, measured 10.0%)");
  assert.ok(!rules(estimated([0.6, 0.7, 0.85])).includes("optimistic_estimates"));
  // One far short (a noisy no-op measured slower, say) is not a pattern.
  assert.ok(!rules(estimated([0.5, 1.4, 0.85])).includes("optimistic_estimates"));
});

test("the target not met and no hypothesis left: add an agent; with an agent, another model; met: nothing", () => {
  const left = (result: Partial<ReviewInput["result"]>, settings: Partial<ReviewInput["settings"]> = {}, cycles: ReportCycle[] = [cycle({ cycle: 1, kept: [{ id: "H1", description: "", origin: "h.json" }], ratio: 0.8, improvement_pct: 20 })]) =>
    buildReview(input({ hypotheses: [hyp("H1", "h.json")], cycles, result: { final_result: "IMPROVED", stop_reason: "NO_HYPOTHESES", target_met: false, target: "-95%", ...result } }, settings));
  const none = left({});
  assert.deepEqual(none.advice.map((a) => [a.rule, a.fact, a.headline]), [["no_hypotheses_left", "the target -95% is not met and no hypothesis was left to try after cycle 1", "the target -95% is not met and no hypothesis was left to try after cycle 1: add an agent (--agent claude)"]]);
  assert.match(none.advice[0]!.advice, /add an agent to propose more than h\.json did: --agent claude/);
  assert.match(left({}, { agent: "claude" }).advice[0]!.advice, /^the agent \(claude\) found nothing more/);
  // A plateau whose last cycle kept none of its hypotheses is the same dead end.
  const plateau = left({ stop_reason: "PLATEAU" }, {}, [cycle({ cycle: 1, removed: [{ id: "H1", reason: "no difference: median ratio 1.0", origin: "h.json" }] })]);
  assert.equal(plateau.advice[0]!.fact, "the target -95% is not met and cycle 1 kept none of its 1 hypotheses");
  assert.deepEqual(rules(left({ target_met: true, stop_reason: "TARGET_MET" })), []);
  assert.deepEqual(rules(left({ target_met: null })), []);
});

test("hypotheses stopped at the time limit: --timeout, with the limit that applied", () => {
  const limited = (timeout: number | null) => buildReview(input({ cycles: [cycle({ cycle: 1, removed: [{ id: "H4", reason: "the tests did not finish within the limit (12.0 s: 10 x the base's 200 ms + 10 s)", origin: "h.json" }] })] }, { timeout_s: timeout }));
  const review = limited(null);
  assert.deepEqual(review.failures.map((f) => [f.kind, f.where]), [["timeout", "H4"]]);
  assert.deepEqual(rules(review), ["timeouts"]);
  assert.equal(review.advice[0]!.fact, "1 hypothesis was stopped at the time limit (H4)");
  assert.equal(limited(30).advice[0]!.advice, "if they were slow rather than hung, raise --timeout (now 30 s)");
});

test("the cycles ran out while still gaining: more cycles; below the plateau: nothing", () => {
  const ran = (gain: number) =>
    buildReview(input({ cycles: [cycle({ cycle: 1, improvement_pct: 30 }), cycle({ cycle: 2, improvement_pct: gain })], result: { final_result: "IMPROVED", stop_reason: "MAX_CYCLES", target_met: false, target: "-95%" } }, { max_cycles: 2 }));
  assert.deepEqual(ran(12).advice.map((a) => [a.rule, a.fact, a.advice]), [["max_cycles_still_gaining", "cycle 2 still gained 12.0% (the plateau is 5%) when the run reached --max-cycles 2", "allow more cycles: --max-cycles 3 or more"]]);
  assert.deepEqual(rules(ran(3)), []);
});

test("a clean run: no failure points and no advice, so the terminal says nothing of the review", () => {
  const review = buildReview(input({ hypotheses: [hyp("H1", "h.json")], cycles: [cycle({ cycle: 1, kept: [{ id: "H1", description: "", origin: "h.json" }], ratio: 0.5, improvement_pct: 50 })], comparisons: [row(12, ["H1"], 0.5, 10, "faster")] }));
  assert.deepEqual([review.failures, review.advice], [[], []]);
  assert.deepEqual(reviewHeadlines(review), []);
  assert.doesNotThrow(() => v.parse(RunReviewSchema, review));
});

test("rendering: report.md's section with every part; the terminal's headlines, at most three and a count of the rest", () => {
  const review = buildReview(
    input({
      hypotheses: [hyp("H1", "h.json", "-20%"), hyp("H2", "h.json"), hyp("H3", "h.json"), hyp("H4", "h.json")],
      cycles: [cycle({ cycle: 1, kept: [{ id: "H1", description: "", origin: "h.json" }], removed: ["H2", "H3"].map((id) => ({ id, reason: "the tests did not finish within the limit (12 s)", origin: "h.json" })), ratio: 0.8, improvement_pct: 20 })],
      comparisons: [row(12, ["H1"], 0.8, 20, "faster"), row(13, ["H4"], 1, 100, "unknown")],
      agent_calls: [call({ ok: false, error: "exit 3", exit_code: 3 })],
      result: { final_result: "IMPROVED", stop_reason: "NO_HYPOTHESES", target_met: false, target: "-95%" },
    }),
  );
  assert.deepEqual(rules(review), ["no_hypotheses_left", "unknown_at_cap", "tests_from_source", "timeouts", "agent_failures"]);
  const md = reviewSection(review).join("\n");
  for (const part of ["## Run review", "### Next run", "### Phases and workers", "### Failure points", "### Hypotheses: expected against measured", "### Noise"]) assert.ok(md.includes(part), part);
  assert.match(md, /^4 hypotheses from 1 source: 1 kept, 2 removed for breaking the tests, 1 not tried\.$/m);
  assert.match(md, /^\| 1 \| H1 \| h\.json \| -20% \(20\.0%\) \| \+20\.0% alone \| kept \|$/m);
  assert.match(md, /^\| 1 \| H2 \| h\.json \| not stated \| not measured \| removed: broke the tests \|$/m);
  assert.match(md, /^\| h\.json \| file \| 4 \| 1 \| 2 \| 0 \| 0 \| 1 \|$/m);
  assert.match(md, /^- timeout, cycle 1, H2: the tests did not finish/m);
  assert.match(md, /^- Comparisons: 2; unknown: 1, of them 1 at the cap of 100 rounds \(the default cap\)$/m);
  const headlines = reviewHeadlines(review);
  assert.equal(headlines.length, 4);
  assert.equal(headlines[3], '2 more in report.md ("Run review")');
});

test("report.json: the review is read back with the report, and a report without one (older) still reads", () => {
  const review = buildReview(input({ comparisons: [row(12, ["H2"], 0.99, 100, "unknown")] }));
  const report: RunReport = {
    version: 1, slug: "sum", run_id: "run-sum", target: "sh work.sh", target_kind: "command", mode: "execute", project_root: "/tmp/p", stop_reason: "TARGET_MET", final_result: "TARGET_MET",
    target_metric: null, target_description: null, target_source: null, observed_metric: null, target_met: true, target_value: null, baseline: {}, final: {}, metrics: [], improvement_pct: null, multiplier: null,
    measurement: "m", confirmation: null, base: "main", branch: null, commit: null, merged: null, merge_hint: null, cycles: [], diagnosis: [], gap_analysis: null, decisions: [], warnings: [], agent_calls: [],
    files: { report_md: "r.md", report_json: "r.json", report_html: null, context_md: null, experiment_log: null }, started_at: t(0), finished_at: t(20), time: null, profiles: [],
  };
  assert.equal(v.parse(RunReportSchema, report).review, undefined);
  const withReview = v.parse(RunReportSchema, JSON.parse(JSON.stringify({ ...report, review })));
  assert.deepEqual(withReview.review, review);
  const lines = renderRunSummary(withReview);
  assert.deepEqual(lines.filter((line) => line.startsWith("review")), ["review     1 of 1 comparisons ended unknown at the cap of 100 rounds: --max-runs 200, a quieter machine or --threshold"]);
  assert.equal(renderRunSummary(report).filter((line) => line.startsWith("review")).length, 0);
});
