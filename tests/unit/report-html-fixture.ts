/**
 * Run reports for the report.html unit tests: a two-cycle run with comparisons (a strike that
 * breaks the tests, a bisection, a contested alternative, the final pooled row), a profile and a
 * run review; each part overridable. Not a test file itself.
 */
import type { Comparison } from "../../src/execute/comparisons.ts";
import type { ReportCycle, RunReport } from "../../src/report/run-report.ts";

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
