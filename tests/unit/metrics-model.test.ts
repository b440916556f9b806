// The metric vocabulary (src/model/metrics.ts): every metric has a label, a unit, a direction and a
// kind of target; every renderer prints the model's label and format (the tables that used to
// disagree, "cpu time" against "CPU time"); the formats per unit; docs/measurement.md's table is the model's.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import type { ExecuteReport } from "../../src/execute/executor.ts";
import { describeMetric, parseMetric } from "../../src/model/metric-spec.ts";
import { betterOf, judgedMetricOf, targetFigureOf, type TargetKind, directionWords, formatMetricValue, mainMetricOf, METRICS, metricLabel, metricsOf, metricUnit, TARGET_KINDS, TARGET_METRICS } from "../../src/model/metrics.ts";
import type { ProfileReport } from "../../src/profile/profile.ts";
import { summarizeMetric } from "../../src/profile/command-target.ts";
import { renderExecute } from "../../src/report/execute-text.ts";
import { renderProfile } from "../../src/report/profile-text.ts";
import { metricCells } from "../../src/report/run-text.ts";

const UNITS = ["ms", "ns", "MiB", "bytes", "req/s", "count"];

describe("the metric a verdict judges", () => {
  const cases: [kind: "command" | "function" | "endpoint", target: string | null, main: string][] = [
    ["command", null, "wall_time_ms"],
    ["command", "wall_time_ms", "wall_time_ms"],
    ["command", "memory_peak_mb", "memory_peak_mb"],
    ["command", "cpu_time_ms", "cpu_time_ms"],
    ["command", "latency_p95_ms", "wall_time_ms"],
    ["function", "memory_peak_mb", "time_per_call_ns"],
    ["endpoint", "cpu_time_ms", "latency_p50_ms"],
  ];
  for (const [kind, target, main] of cases) {
    test(`a ${kind} target on ${target ?? "no metric"}: ${main}`, () => assert.equal(mainMetricOf(kind, target), main));
  }
});

describe("the records", () => {
  test("every metric has a key of its own, a label, a unit, a direction and a kind of target", () => {
    assert.equal(new Set(METRICS.map((m) => m.key)).size, METRICS.length);
    for (const m of METRICS) {
      assert.ok(m.label.length > 0 && m.label !== m.key, m.key);
      assert.ok(UNITS.includes(m.unit), `${m.key}: ${m.unit}`);
      assert.ok(m.better === "lower" || m.better === "higher", m.key);
      assert.ok(m.kinds.length > 0 && m.kinds.every((kind) => (TARGET_KINDS as readonly string[]).includes(kind)), m.key);
    }
  });
  test("every target metric and every main metric is in the vocabulary, and each kind has its main metric", () => {
    for (const key of TARGET_METRICS) assert.ok(METRICS.some((m) => m.key === key), key);
    for (const kind of TARGET_KINDS) assert.ok(metricsOf(kind).some((m) => m.key === mainMetricOf(kind)), kind);
  });
  test("only throughput is better higher", () => {
    assert.deepEqual(METRICS.filter((m) => betterOf(m.key) === "higher").map((m) => m.key), ["throughput_rps"]);
  });
  test("a key outside the vocabulary: a label from its name, a unit from its suffix, lower is better", () => {
    assert.equal(metricLabel("gc_pause_ms"), "gc pause ms");
    assert.deepEqual(["gc_pause_ms", "x_ns", "rss_mb", "sent_bytes", "hits_rps", "gc_count"].map(metricUnit), ["ms", "ns", "MiB", "bytes", "req/s", "count"]);
    assert.equal(betterOf("gc_pause_ms"), "lower");
  });
  test("direction words per unit", () => {
    const cases: [string, string][] = [["wall_time_ms", "faster"], ["time_per_call_ns", "faster"], ["memory_peak_mb", "smaller"], ["io_read_bytes", "smaller"], ["http_round_trips", "fewer"], ["error_count", "fewer"], ["throughput_rps", "higher"], ["gc_count", "fewer"], ["rss", "smaller"]];
    for (const [key, better] of cases) assert.equal(directionWords(key)[0], better, key);
  });
  test("a target metric is read from its own key, a function's time from its time per call", () => {
    const cases: [string, TargetKind, string, number][] = [
      ["latency_p50_ms", "endpoint", "latency_p50_ms", 1],
      ["latency_p95_ms", "endpoint", "latency_p95_ms", 1],
      ["wall_time_ms", "command", "wall_time_ms", 1],
      ["wall_time_ms", "function", "time_per_call_ns", 1e-6],
    ];
    for (const [metric, kind, key, scale] of cases) assert.deepEqual(targetFigureOf(metric, kind), { key, scale }, `${kind} ${metric}`);
  });
  test("the judged metric per kind follows the target where the kind allows", () => {
    const cases: [TargetKind, string | null, string][] = [
      ["command", null, "wall_time_ms"],
      ["command", "memory_peak_mb", "memory_peak_mb"],
      ["command", "latency_p95_ms", "wall_time_ms"],
      ["function", "wall_time_ms", "time_per_call_ns"],
      ["endpoint", null, "latency_p50_ms"],
      ["endpoint", "latency_p95_ms", "latency_p95_ms"],
      ["endpoint", "throughput_rps", "throughput_rps"],
      ["endpoint", "memory_peak_mb", "latency_p50_ms"],
    ];
    for (const [kind, target, judged] of cases) assert.equal(judgedMetricOf(kind, target), judged, `${kind} ${target}`);
  });
});

describe("formatMetricValue", () => {
  const cases: { key: string; value: number | null | undefined; text: string }[] = [
    { key: "wall_time_ms", value: 1234, text: "1.23 s" },
    { key: "wall_time_ms", value: 12.34, text: "12.3 ms" },
    { key: "latency_p95_ms", value: 0.5, text: "500 µs" },
    { key: "time_per_call_ns", value: 850, text: "850 ns" },
    { key: "time_per_call_ns", value: 2500, text: "2.50 µs" },
    { key: "memory_peak_mb", value: 50, text: "50.0 MiB" },
    { key: "io_read_bytes", value: 4096, text: "4.00 KiB" },
    { key: "io_write_bytes", value: 0, text: "0 B" },
    { key: "heap_bytes_per_call", value: 2048, text: "2.00 KiB" },
    { key: "throughput_rps", value: 900, text: "900 req/s" },
    { key: "throughput_rps", value: 1234.5, text: "1235 req/s" },
    { key: "http_round_trips", value: 3, text: "3" },
    { key: "error_count", value: 1.23456, text: "1.235" },
    { key: "gc_pause_ms", value: 2, text: "2.00 ms" },
    { key: "wall_time_ms", value: null, text: "-" },
    { key: "http_round_trips", value: undefined, text: "-" },
  ];
  for (const c of cases) test(`${c.key} ${c.value} -> ${c.text}`, () => assert.equal(formatMetricValue(c.key, c.value), c.text));
});

describe("every renderer prints the model's label and format", () => {
  const command = metricsOf("command").filter((m) => m.key !== "cpu_wait_ms");
  const value = (unit: string) => (unit === "bytes" ? 8192 : 42);

  test("perfloop execute's table", () => {
    const report: ExecuteReport = {
      slug: "s", run_id: "r", base: "0".repeat(40), branch: null, commit: null, strike_result: "clean", hypotheses_applied: [], hypotheses_removed: [], contested_results: [], verdict: null,
      metrics: command.map((m) => ({ metric: m.key, baseline: value(m.unit), final: value(m.unit) / 2, improvement_pct: 50, multiplier: 2 })),
      total_improvement_pct: 50, target_met: null, gap_analysis: null, files_modified: [], e2e_test: null, ledger: [], merged: null, log_path: "/tmp/log", summary_path: "/tmp/summary.json", warnings: [],
      time: { total_ms: 1000, baseline_ms: 100, tests_ms: 100, test_runs: 1, tests_cached: 0, measured_ms: 700, measured_runs: 10, side_trees_ms: 50, other_ms: 50 },
      guardrails: [],
      comparisons: [],
    };
    const lines = renderExecute(report);
    for (const m of command) {
      const row = lines.find((line) => line.startsWith(`${m.label} `));
      assert.ok(row, `${m.key}: no row "${m.label}" in\n${lines.join("\n")}`);
      assert.ok(row.includes(formatMetricValue(m.key, value(m.unit))), row);
    }
    assert.ok(lines.some((line) => line.startsWith("CPU time ")), "CPU time, as everywhere else");
  });

  test("perfloop profile's table", () => {
    const metrics = Object.fromEntries(command.map((m) => [m.key, summarizeMetric(m.key, [value(m.unit), value(m.unit), value(m.unit)], { firstIsFirstRun: false })]));
    for (const m of command) assert.deepEqual([metrics[m.key]!.unit, metrics[m.key]!.better], [m.unit, m.better], m.key);
    const report = {
      target: { kind: "command", command: "node x.js" },
      tests: { command: null, source: "skipped (--skip-tests)", check: null },
      measurement: { kind: "command", metrics, warmup_runs: 1, runs: 3, plan: { mode: "fixed", reason: "3 runs, as asked" } },
      cpu_profile: null,
      result: { performance_map: { steps: [] }, bottleneck_classification: "CPU", bottleneck_detail: "", top_bottlenecks: [], suspicion_stack: [], wrong_tool_indicators: [] },
      warnings: [],
      summary_path: "/tmp/summary.json",
    } as unknown as ProfileReport;
    const lines = renderProfile(report);
    for (const m of command) assert.ok(lines.some((line) => line.startsWith(`${m.label} `) && line.includes(formatMetricValue(m.key, value(m.unit)))), `${m.key} in\n${lines.join("\n")}`);
  });

  test("the run report's before/after rows and the metric parser", () => {
    for (const m of METRICS) assert.equal(metricCells({ metric: m.key, before: 2, after: 1, improvement_pct: 50, multiplier: 2 })[0], m.label, m.key);
    assert.equal(describeMetric(parseMetric("cpu=250us", { flag: "--target" })), `${metricLabel("cpu_time_ms")} <= 0.25 ms`);
  });
});

/** The table of docs/measurement.md, "The metrics", as the model makes it. */
function metricsTable(): string {
  const rows = METRICS.map((m) => `| \`${m.key}\` | ${m.label} | ${m.unit} | ${m.better} | ${m.kinds.join(", ")} |`);
  return ["| key | label | unit | better | target kinds |", "|---|---|---|---|---|", ...rows].join("\n");
}

test("docs/measurement.md's table of the metrics is the model's", () => {
  const doc = readFileSync(new URL("../../docs/measurement.md", import.meta.url), "utf8");
  const expected = metricsTable();
  assert.ok(doc.includes(`## The metrics\n`), "docs/measurement.md has no section \"The metrics\"");
  assert.ok(doc.includes(expected), `docs/measurement.md, "The metrics", should hold this table (from src/model/metrics.ts):\n${expected}`);
});
