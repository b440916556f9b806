/**
 * Run reports for the report.html unit tests: a two-cycle run with comparisons (a strike that
 * breaks the tests, a bisection, a contested alternative, the final pooled row) and a profile, and
 * apart from it (a report without one is an older report's shape) the same run's review; each
 * part overridable. Not a test file itself.
 */
import type { Comparison } from "../../src/execute/comparisons.ts";
import type { ReviewHypothesis, RunReview } from "../../src/report/review-schema.ts";
import type { ReportCycle, RunReport } from "../../src/report/run-report.ts";
import { phaseLabel } from "../../src/runtime/phases.ts";

export const BASE = "1111111111111111111111111111111111111111";
export const C1 = "2222222222222222222222222222222222222222";

export function comparison(overrides: Partial<Comparison> & Pick<Comparison, "phase" | "hypotheses" | "status">): Comparison {
  return {
    against: [],
    ratio: 0.5,
    ratio_ci: [0.48, 0.52],
    p_value: 0.0001,
    min_effect: 0.02,
    rounds: 6,
    outcome: "faster",
    e2e_status: "skipped",
    round_ratios: [0.49, 0.5, 0.51, 0.47, 0.53, 0.5],
    ...overrides,
  };
}

export function cycle(overrides: Partial<ReportCycle> & Pick<ReportCycle, "cycle">): ReportCycle {
  return {
    base_commit: BASE,
    commit: null,
    gate: "PROCEED",
    validation: "GO",
    planned: [],
    kept: [],
    removed: [],
    ratio: null,
    ratio_ci: null,
    p_value: null,
    runs: null,
    improvement_pct: 0,
    baseline: {},
    final: {},
    metrics: [],
    stop_reason: null,
    guardrails: [],
    comparisons: [],
    ...overrides,
  };
}

const WALL = { metric: "wall_time_ms", before: 400, after: 200, improvement_pct: 50, multiplier: 2 };

export function report(overrides: Partial<RunReport> = {}): RunReport {
  const dir = ".hex-skills/optimization/sum";
  return {
    version: 1,
    slug: "sum",
    run_id: "run-sum",
    target: "sh work.sh",
    target_kind: "command",
    mode: "execute",
    project_root: "/tmp/project",
    stop_reason: "PLATEAU",
    final_result: "IMPROVED",
    target_metric: { kind: "relative", metric: "wall_time_ms", text: "-90%" },
    target_description: "wall time -90% (0.1x of the baseline)",
    target_source: "--target",
    observed_metric: null,
    target_met: false,
    target_value: 40,
    baseline: { wall_time_ms: 400 },
    final: { wall_time_ms: 200 },
    metrics: [WALL],
    improvement_pct: 50,
    multiplier: 2,
    measurement: "cycle 1: the base and the result measured interleaved",
    confirmation: null,
    base: "main",
    branch: "perfloop/sum",
    commit: C1,
    merged: null,
    merge_hint: "git merge perfloop/sum",
    cycles: [
      cycle({
        cycle: 1,
        commit: C1,
        planned: ["H1", "H2", "H3", "H4", "H9"],
        kept: [{ id: "H1", description: "the closed form", origin: "hypotheses.json" }],
        removed: [
          { id: "H9", reason: "does not apply to the base: the search text is not in work.sh", origin: "hypotheses.json" },
          { id: "H3", reason: "breaks the tests: work.sh 100 should print 5050", origin: null },
          { id: "H2", reason: "no difference: median ratio 1.001", origin: null },
          { id: "H4", reason: "contested (loops): no difference on top of the strike", origin: null },
        ],
        ratio: 0.5,
        ratio_ci: [0.48, 0.52],
        p_value: 0.0001,
        runs: [6, 6],
        improvement_pct: 50,
        baseline: { wall_time_ms: 400 },
        final: { wall_time_ms: 200 },
        metrics: [WALL],
        comparisons: [
          comparison({ phase: "bisect", hypotheses: ["H3"], status: "removed", ratio: null, ratio_ci: null, p_value: null, min_effect: null, rounds: null, outcome: "breaks the tests", e2e_status: "fail", round_ratios: [] }),
          comparison({ phase: "strike", hypotheses: ["H1", "H2"], status: "removed", outcome: "faster" }),
          comparison({ phase: "bisect", hypotheses: ["H1"], status: "applied" }),
          comparison({ phase: "bisect", hypotheses: ["H2"], status: "removed", ratio: 1.001, ratio_ci: [0.98, 1.02], p_value: 0.9, outcome: "no difference", round_ratios: [1, 1.01, 0.99, 1.02, 0.98, 1] }),
          comparison({ phase: "contested", hypotheses: ["H1", "H4"], against: ["H1"], status: "alternative_a", ratio: 0.995, ratio_ci: [0.97, 1.01], p_value: 0.6, outcome: "no difference" }),
          comparison({ phase: "final", hypotheses: ["H1"], status: "kept", rounds: 12, round_ratios: [0.5, 0.49, 0.51, 0.5, 0.48, 0.52, 0.5, 0.5, 0.49, 0.51, 0.5, 0.5] }),
        ],
      }),
      cycle({ cycle: 2, base_commit: C1, planned: ["H5"], removed: [{ id: "H5", reason: "unknown: median ratio 1.02", origin: null }], comparisons: [comparison({ phase: "strike", hypotheses: ["H5"], status: "removed", ratio: 1.02, ratio_ci: [0.9, 1.1], outcome: "unknown" })], stop_reason: "PLATEAU" }),
    ],
    diagnosis: [],
    gap_analysis: "target -90% not met: reached 50.0% less wall time (2.00x)",
    decisions: [{ kind: "validation_no_go", selected_choice: "waive", answered_at: "2025-03-01T10:01:00.000Z" }],
    warnings: ["the machine was busy"],
    agent_calls: [],
    files: { report_md: `${dir}/report.md`, report_json: `${dir}/report.json`, report_html: `${dir}/report.html`, context_md: `${dir}/context.md`, experiment_log: `${dir}/ln-814-log.tsv` },
    profiles: [
      {
        cycle: 1,
        commit: BASE,
        classification: "CPU",
        cpu_profile: "CPU profile by bun",
        metrics: { wall_time_ms: { median: 401, ci: [395, 410] } },
        hot_functions: [
          { function: "sumLoop", location: "src/sum.ts:4:1", self_pct: 62.5, total_pct: 80 },
          { function: "(garbage collector)", location: "", self_pct: 10, total_pct: 10 },
        ],
      },
      { cycle: 2, commit: C1, classification: "CPU", cpu_profile: null, metrics: { wall_time_ms: { median: 199, ci: [195, 204] } }, hot_functions: [] },
    ],
    started_at: "2025-03-01T10:00:00.000Z",
    finished_at: "2025-03-01T10:20:00.000Z",
    time: null,
    ...overrides,
  };
}

const phase = (cycle: number, name: string, ms: number, more: Partial<RunReview["phases"][number]> = {}): RunReview["phases"][number] => ({ cycle, phase: name, label: phaseLabel(name), ms, waited_ms: 0, attempts: 1, status: "ok", ...more });

const hypothesis = (cycle: number, id: string, more: Partial<ReviewHypothesis>): ReviewHypothesis => ({ cycle, id, origin: "hypotheses.json", source: "file", expected: null, expected_pct: null, measured_pct: null, measured: "not_measured", outcome: "removed_other", reason: null, ...more });

/** The review of report()'s run, as src/report/review.ts writes it (report.json's `review`). */
export function runReview(overrides: Partial<RunReview> = {}): RunReview {
  return {
    phases: [
      phase(1, "PHASE_0_PREFLIGHT", 0.4),
      phase(1, "PHASE_2_PROFILE", 4_200),
      phase(1, "PHASE_6_VALIDATE_PLAN", 65_000, { waited_ms: 61_000, status: "ok" }),
      phase(1, "PHASE_8_EXECUTE", 95_000, { attempts: 2 }),
      phase(2, "PHASE_8_EXECUTE", 12_300, { status: "unfinished" }),
    ],
    workers: [
      { cycle: 1, worker: "ln-811", role: "profiler", ms: 4_150, status: "ok", note: null },
      { cycle: 1, worker: "ln-814", role: "executor", ms: 94_900, status: "ok", note: null },
      { cycle: 2, worker: "ln-812", role: "researcher", ms: null, status: "skipped", note: "its phase recorded no result (plan only, or nothing to do)" },
    ],
    failures: [
      { kind: "retry", cycle: 1, where: phaseLabel("PHASE_8_EXECUTE"), detail: "done 2 times; then it passed" },
      { kind: "pause", cycle: 1, where: phaseLabel("PHASE_6_VALIDATE_PLAN"), detail: "validation said NO_GO; answered after 1.0 min" },
    ],
    hypotheses: [
      hypothesis(1, "H1", { expected: "-40%", expected_pct: 40, measured_pct: 50, measured: "alone", outcome: "kept" }),
      hypothesis(1, "H2", { expected: 5, expected_pct: 5, measured_pct: -0.1, measured: "alone", outcome: "removed_no_gain", reason: "no difference: median ratio 1.001" }),
      hypothesis(1, "H3", { origin: "built-in rules", source: "rules", outcome: "removed_tests", reason: "breaks the tests" }),
      hypothesis(2, "H5", { outcome: "not_tried" }),
    ],
    sources: [
      { origin: "hypotheses.json", source: "file", hypotheses: 3, kept: 1, removed_tests: 0, removed_no_gain: 1, removed_other: 0, not_tried: 1 },
      { origin: "built-in rules", source: "rules", hypotheses: 1, kept: 0, removed_tests: 1, removed_no_gain: 0, removed_other: 0, not_tried: 0 },
    ],
    noise: { comparisons: 6, unknown: 1, unknown_at_cap: 1, cap: 100, cap_from_flag: false, min_effect_pct: 2, base_spread_pct: 1.84, base_ci_pct: 2.3, host_busy_pct: 12.5 },
    advice: [
      { rule: "unknown_at_cap", fact: "1 of 6 comparisons ended unknown at the cap of 100 rounds", advice: "--max-runs 200, a quieter machine or --threshold", headline: "1 of 6 comparisons ended unknown at the cap of 100 rounds: --max-runs 200, a quieter machine or --threshold" },
      { rule: "host_busy", fact: "the base waited for a CPU 12.5% of its wall time", advice: "run on a quieter machine", headline: "the base waited for a CPU 12.5%: run on a quieter machine" },
    ],
    ...overrides,
  };
}
