// Step names are labels: cut to STEP_LABEL_MAX_CHARS with an ellipsis wherever the map stores or
// prints them. The case from the report: a step marker named after a 300-character regex.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { CpuHotFunction, CpuProfileSummary } from "../../src/profile/cpu-profile-parse.ts";
import { buildPerformanceMap } from "../../src/profile/perf-map.ts";
import { flattenSteps } from "../../src/profile/perf-map-steps.ts";
import type { ProfileReport } from "../../src/profile/profile.ts";
import { STEP_LABEL_MAX_CHARS, stepLabel } from "../../src/profile/step-label.ts";
import { aggregateStepMarkers, collectStepMarkers } from "../../src/profile/step-markers.ts";
import { renderProfile } from "../../src/report/profile-text.ts";

const REGEX = `^(?:${Array.from({ length: 30 }, (_, i) => `word${i}|`).join("")}x)+[a-z0-9_]{2,}(?:\\.[a-z]+)*$`.padEnd(300, "z");
const baseline = { wall_time_ms: 1000, cpu_time_ms: 300, memory_peak_mb: null, io_read_bytes: 0, io_write_bytes: 0, http_round_trips: null };

test("stepLabel: short names unchanged, long ones cut to the limit with an ellipsis, twice the same as once", () => {
  const cases: [string, string][] = [
    ["parse", "parse"],
    ["x".repeat(STEP_LABEL_MAX_CHARS), "x".repeat(STEP_LABEL_MAX_CHARS)],
    ["x".repeat(STEP_LABEL_MAX_CHARS + 1), `${"x".repeat(STEP_LABEL_MAX_CHARS - 1)}…`],
    [`${"a".repeat(58)}  tail`, `${"a".repeat(58)}…`],
  ];
  for (const [name, label] of cases) assert.equal(stepLabel(name), label, name);
  assert.equal(REGEX.length, 300);
  const once = stepLabel(REGEX);
  assert.equal([...once].length, STEP_LABEL_MAX_CHARS);
  assert.equal(stepLabel(once), once);
  // Characters, not UTF-16 halves: an emoji is not split.
  assert.equal(stepLabel("😀".repeat(70)), `${"😀".repeat(59)}…`);
});

test("a marker named by a 300-character regex is a readable label in the steps, the bottlenecks, the detail and the warnings", () => {
  const lines = [
    ...Array.from({ length: 30 }, () => `##perfloop step="${REGEX}" ms=20 parent=load`),
    `##perfloop step="${REGEX}x" ms=5 parent="${"p".repeat(200)}"`,
    "##perfloop step=load ms=700",
  ];
  const summary = aggregateStepMarkers([collectStepMarkers(lines)], 1000);
  const warning = summary.warnings.find((text) => text.includes("never reported"));
  assert.ok(warning && warning.length < 200, String(warning));
  const map = buildPerformanceMap({ target: { kind: "command", command: "node x.js" }, baseline, markerSteps: summary.steps, testCommand: null });
  const steps = flattenSteps(map.performance_map.steps);
  assert.ok(steps.length >= 2);
  for (const step of steps) assert.ok([...step.function].length <= STEP_LABEL_MAX_CHARS, step.function);
  assert.equal(steps.find((step) => step.parent !== undefined)?.function, stepLabel(REGEX), "the child is still under its parent");
  for (const top of map.top_bottlenecks) assert.ok(!top.description.includes(REGEX.slice(0, 100)), top.description);
  assert.ok(!map.bottleneck_detail.includes(REGEX.slice(0, 100)), map.bottleneck_detail);
});

test("a long function name from a CPU profile is cut in the steps and in the printed profile", () => {
  const hot: CpuHotFunction = {
    function: REGEX,
    location: "src/match.ts:3:1",
    url: "file:///p/src/match.ts",
    line: 3,
    self_ms: 800,
    total_ms: 900,
    self_pct: 80,
    total_pct: 90,
    column: 1,
    path: "src/match.ts",
    category: "app",
    io_kind: null,
    flagged: false,
    self_with_runtime_ms: 800,
    self_with_runtime_pct: 80,
    called_from: null,
    module_loading: false,
  };
  const profile: CpuProfileSummary = {
    duration_ms: 1000,
    samples: 1000,
    interval_ms: 1,
    top_by_self: [hot],
    top_by_total: [hot],
    self_ms_by_category: { app: 900, library: 0, runtime: 100, program: 0, idle: 0, gc: 0, root: 0 },
    app_inclusive_ms: 900,
    module_loading_ms: 0,
    io_inclusive_ms: { fs: 0, network: 0, db: 0 },
  };
  const result = buildPerformanceMap({ target: { kind: "command", command: "python3 x.py" }, baseline: { ...baseline, cpu_time_ms: 950 }, cpuProfile: profile, testCommand: null });
  assert.equal(result.performance_map.steps[0]?.function, stepLabel(REGEX));
  assert.ok(!result.bottleneck_detail.includes(REGEX.slice(0, 100)), result.bottleneck_detail);
  const report = {
    target: { kind: "command", command: "python3 x.py" },
    tests: { command: null, source: "skipped (--skip-tests)", check: null },
    measurement: { kind: "command", metrics: {}, warmup_runs: 1, runs: 3, plan: { mode: "fixed", reason: "3 runs, as asked" } },
    cpu_profile: { ok: true, profile, runtime: "python", rule: "python", shell: "", note: null, wall_ms: 1, profiles_found: 1, file: null },
    result,
    warnings: [],
    summary_path: "/tmp/summary.json",
  } as unknown as ProfileReport;
  const text = renderProfile(report).join("\n");
  assert.ok(!text.includes(REGEX.slice(0, 100)), text);
  assert.match(text, /hot functions \(CPU profile of one extra run, python cProfile, self time\)/);
  for (const line of text.split("\n")) assert.ok(line.length < 200, line);
});
