import assert from "node:assert/strict";
import { test } from "node:test";
import * as v from "valibot";
import { renderReportMarkdown } from "../../src/report/run-markdown.ts";
import { RunReportSchema, type ReportCycle, type RunReport } from "../../src/report/run-report.ts";
import { describeStop, renderRunSummary } from "../../src/report/run-text.ts";

const BASE = "1111111111111111111111111111111111111111";
const C1 = "2222222222222222222222222222222222222222";
const C2 = "3333333333333333333333333333333333333333";
const MERGED = "4444444444444444444444444444444444444444";

function files(slug: string): RunReport["files"] {
  const dir = `.hex-skills/optimization/${slug}`;
  return { report_md: `${dir}/report.md`, report_json: `${dir}/report.json`, report_html: `${dir}/report.html`, context_md: `${dir}/context.md`, experiment_log: `${dir}/ln-814-log.tsv` };
}

function cycle(overrides: Partial<ReportCycle> & Pick<ReportCycle, "cycle">): ReportCycle {
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

function report(overrides: Partial<RunReport> & Pick<RunReport, "slug" | "stop_reason" | "final_result">): RunReport {
  return {
    version: 1,
    run_id: `run-${overrides.slug}`,
    target: "bun scripts/sum.ts data.csv",
    target_kind: "command",
    agent_calls: [],
    profiles: [],
    mode: "execute",
    project_root: "/tmp/project",
    target_metric: null,
    target_description: null,
    target_source: null,
    observed_metric: null,
    target_met: null,
    target_value: null,
    baseline: {},
    final: {},
    metrics: [],
    improvement_pct: null,
    multiplier: null,
    measurement: "the run is not finished",
    confirmation: null,
    base: "main",
    branch: null,
    commit: null,
    merged: null,
    merge_hint: null,
    cycles: [],
    diagnosis: [],
    gap_analysis: null,
    decisions: [],
    warnings: [],
    files: files(overrides.slug),
    time: null,
    started_at: "2025-03-01T10:00:00.000Z",
    finished_at: "2025-03-01T10:20:00.000Z",
    ...overrides,
  };
}

const SUM_METRICS: RunReport["metrics"] = [
  { metric: "wall_time_ms", before: 400, after: 150, improvement_pct: 62.5, multiplier: 400 / 150 },
  { metric: "cpu_time_ms", before: 100, after: 110, improvement_pct: -10, multiplier: 100 / 110 },
  { metric: "memory_peak_mb", before: 50, after: 25, improvement_pct: 50, multiplier: 2 },
];

/** Target met in one cycle; H2 and H3 removed; H1's description holds a pipe. */
const targetMet = report({
  slug: "sum",
  stop_reason: "TARGET_MET",
  final_result: "TARGET_MET",
  target_metric: { kind: "relative", metric: "wall_time_ms", factor: 0.5, improvement_pct: 50, better: "lower", text: "wall time -50%" },
  target_description: "wall time -50% (0.5x of the baseline)",
  target_source: "--target",
  target_met: true,
  target_value: 200,
  baseline: { wall_time_ms: 400, cpu_time_ms: 100, memory_peak_mb: 50 },
  final: { wall_time_ms: 150, cpu_time_ms: 110, memory_peak_mb: 25 },
  metrics: SUM_METRICS,
  improvement_pct: 62.5,
  multiplier: 400 / 150,
  measurement: "cycle 1: the base and the result measured interleaved",
  branch: "perfloop/sum",
  commit: C1,
  merge_hint: "git merge perfloop/sum",
  cycles: [
    cycle({
      cycle: 1,
      commit: C1,
      planned: ["H1", "H2", "H3"],
      kept: [{ id: "H1", description: "replace the `sort | uniq` pipeline with a Set", origin: "built-in rules" }],
      removed: [
        { id: "H2", reason: "breaks the tests: 2 failed", origin: "perf/hypotheses.json" },
        { id: "H3", reason: "no significant gain", origin: null },
      ],
      ratio: 0.375,
      ratio_ci: [0.366, 0.384],
      p_value: 0.00001,
      runs: [20, 20],
      improvement_pct: 62.5,
      baseline: { wall_time_ms: 400, cpu_time_ms: 100, memory_peak_mb: 50 },
      final: { wall_time_ms: 150, cpu_time_ms: 110, memory_peak_mb: 25 },
      metrics: SUM_METRICS,
      stop_reason: "TARGET_MET",
    }),
  ],
  decisions: [{ kind: "target", selected_choice: "wall time -50%", answered_at: "2025-03-01T10:01:00.000Z" }],
  warnings: ["the machine was busy during 2 runs"],
});

/** The wrong-tool gate blocked cycle 1: nothing kept, the gate's findings as the diagnosis. */
const diagnostic = report({
  slug: "fetch",
  target: "curl -s https://api.example.com/items",
  stop_reason: "WRONG_TOOL_BLOCK",
  final_result: "DIAGNOSTIC",
  baseline: { wall_time_ms: 1200, cpu_time_ms: 12 },
  final: { wall_time_ms: 1200, cpu_time_ms: 12 },
  metrics: [
    { metric: "wall_time_ms", before: 1200, after: 1200, improvement_pct: 0, multiplier: 1 },
    { metric: "cpu_time_ms", before: 12, after: 12, improvement_pct: 0, multiplier: 1 },
  ],
  improvement_pct: 0,
  multiplier: 1,
  measurement: "nothing was kept: the baseline is the profile of the base",
  cycles: [cycle({ cycle: 1, gate: "BLOCK", validation: null, stop_reason: "WRONG_TOOL_BLOCK" })],
  diagnosis: ["B1: external_service_no_alternative: 97% of the wall time is spent waiting on api.example.com", "B1: infrastructure_bound: CPU time is 1% of the wall time"],
});

const SORT_METRICS: RunReport["metrics"] = [
  { metric: "wall_time_ms", before: 1000, after: 700, improvement_pct: 30, multiplier: 1000 / 700 },
  { metric: "io_read_bytes", before: null, after: null, improvement_pct: null, multiplier: null },
];

/** Two cycles kept, confirmed directly, the target missed, the branch merged. */
const twoCycles = report({
  slug: "sort",
  target: "node sort.js | wc -l",
  stop_reason: "MAX_CYCLES",
  final_result: "IMPROVED",
  target_metric: { kind: "absolute", metric: "wall_time_ms", value: 500, better: "lower", text: "wall time < 500ms" },
  target_description: "wall time at most 500 ms",
  target_source: "--target",
  target_met: false,
  target_value: 500,
  metrics: SORT_METRICS,
  improvement_pct: 30,
  multiplier: 1000 / 700,
  measurement: "the first base and the final commit measured interleaved (30+30 runs), after 2 cycles",
  confirmation: { ratio: 0.7, ratio_ci: [0.68, 0.72], p_value: 0.00002, runs: [30, 30] },
  branch: "perfloop/sort",
  commit: C2,
  merged: { kind: "fast-forward", into: "main", before: BASE, after: MERGED },
  merge_hint: null,
  cycles: [
    cycle({ cycle: 1, commit: C1, planned: ["H1"], kept: [{ id: "H1", description: "sort once", origin: null }], ratio: 0.8, ratio_ci: [0.78, 0.82], p_value: 0.0004, runs: [20, 20], improvement_pct: 20, metrics: [SORT_METRICS[0]!] }),
    cycle({ cycle: 2, base_commit: C1, commit: C2, planned: ["H4", "H5"], kept: [{ id: "H4", description: "stream the input", origin: null }], removed: [{ id: "H5", reason: "slower: +3.1%", origin: null }], ratio: 0.875, ratio_ci: [0.85, 0.9], p_value: 0.012, runs: [24, 24], improvement_pct: 12.5, stop_reason: "MAX_CYCLES" }),
  ],
  gap_analysis: "target wall time < 500ms not met: reached 30.0% (1.43x); it asks for 500.0 and the result is 700.0; stopped by MAX_CYCLES; removed: H5 (slower). Next: profile the result",
});

/** A run still going: nothing measured yet. */
const unfinished = report({ slug: "wip", stop_reason: "UNFINISHED", final_result: "UNFINISHED", files: { ...files("wip"), context_md: null, experiment_log: null } });

const FIXTURES = { targetMet, diagnostic, twoCycles, unfinished };

/** The lines of report.md between a heading and the next one of the same level. */
function section(markdown: string, heading: string): string[] {
  const lines = markdown.split("\n");
  const start = lines.indexOf(heading);
  assert.notEqual(start, -1, `no section ${heading}`);
  const level = heading.split(" ")[0]!;
  const end = lines.findIndex((line, i) => i > start && line.startsWith(`${level} `));
  return lines.slice(start + 1, end === -1 ? undefined : end);
}

test("the fixtures are valid reports", () => {
  for (const [name, fixture] of Object.entries(FIXTURES)) assert.doesNotThrow(() => v.parse(RunReportSchema, fixture), name);
});

test("the before/after table has every metric with before, after, signed change and multiplier", () => {
  const rows = section(renderReportMarkdown(targetMet), "## Before and after");
  assert.ok(rows.includes("| metric | before | after | change | x |"));
  assert.ok(rows.includes("|---|---:|---:|---:|---:|"));
  assert.ok(rows.includes("| wall time | 400 ms | 150 ms | -62.5% | 2.67x faster |"), rows.join("\n"));
  assert.ok(rows.includes("| CPU time | 100 ms | 110 ms | +10.0% | 1.10x slower |"));
  assert.ok(rows.includes("| peak memory | 50.0 MiB | 25.0 MiB | -50.0% | 2.00x smaller |"));
  const sorted = section(renderReportMarkdown(twoCycles), "## Before and after");
  assert.ok(sorted.includes("| wall time | 1.00 s | 700 ms | -30.0% | 1.43x faster |"));
  assert.ok(sorted.includes("| disk read | - | - | - | - |"));
  const same = section(renderReportMarkdown(diagnostic), "## Before and after");
  assert.ok(same.includes("| wall time | 1.20 s | 1.20 s | 0.0% | 1.00x |"));
  assert.ok(same.includes("| CPU time | 12.0 ms | 12.0 ms | 0.0% | 1.00x |"));
});

test("the headline says what the run achieved", () => {
  const cases: Array<[RunReport, string]> = [
    [targetMet, "**Target met:** wall time -62.5% (2.67x; 95% CI -63.4% to -61.6%, n 20) after 1 cycle."],
    [diagnostic, "**Diagnostic:** the wrong-tool gate blocked cycle 1, nothing was changed."],
    [twoCycles, "**Improved:** wall time -30.0% (1.43x; 95% CI -32.0% to -28.0%, n 30) after 2 cycles; the target (wall time at most 500 ms) was not met."],
    [unfinished, "**Unfinished:** 0 cycles completed so far; continue with perfloop resume --slug wip."],
    [report({ slug: "none", stop_reason: "PLATEAU", final_result: "NO_IMPROVEMENT", cycles: [cycle({ cycle: 1, removed: [{ id: "H1", reason: "no significant gain", origin: null }] })] }), "**No improvement:** no hypothesis gave a significant gain in 1 cycle."],
  ];
  for (const [fixture, headline] of cases) {
    const lines = renderReportMarkdown(fixture).split("\n");
    assert.equal(lines[0], `# perfloop run: ${fixture.slug}`);
    assert.equal(lines[2], headline);
    assert.equal(renderRunSummary(fixture)[0], headline.replaceAll("**", "").replace(/\.$/, ""));
  }
});

test("a cycle shows its commits, verdicts, kept and removed hypotheses and its ratio", () => {
  const markdown = renderReportMarkdown(targetMet);
  const lines = section(markdown, "### Cycle 1");
  assert.ok(lines.includes(`- Base \`${BASE.slice(0, 12)}\` → commit \`${C1.slice(0, 12)}\``));
  assert.ok(lines.includes("- Gate: PROCEED; validation: GO"));
  assert.ok(lines.includes("- Measured: -62.5%, ratio 0.375, 95% CI 0.366-0.384, p < 0.0001, n 20+20"));
  assert.ok(lines.includes("| H1 | built-in rules | replace the `sort \\| uniq` pipeline with a Set |"), lines.join("\n"));
  assert.ok(!markdown.includes("sort | uniq"), "an unescaped pipe in a table cell");
  assert.ok(lines.includes("- H2 (perf/hypotheses.json): breaks the tests: 2 failed"));
  assert.ok(lines.includes("- H3: no significant gain"));
  assert.ok(lines.includes("| CPU time | 100 ms | 110 ms | +10.0% | 1.10x slower |"));
  const second = section(renderReportMarkdown(twoCycles), "### Cycle 2");
  assert.ok(second.includes("- Measured: -12.5%, ratio 0.875, 95% CI 0.850-0.900, p = 0.012, n 24+24"));
  assert.ok(second.includes("- Stopped here: the maximum number of cycles was reached (MAX_CYCLES)"));
});

test("summary, diagnosis, gap analysis, decisions, warnings and files", () => {
  const met = renderReportMarkdown(targetMet);
  const summary = section(met, "## Summary");
  assert.ok(summary.includes("- Target: `bun scripts/sum.ts data.csv` (command, execute)"));
  assert.ok(summary.includes("- Target metric: wall time -50% (0.5x of the baseline) (source: --target)"));
  assert.ok(summary.includes("- Target met: yes; it asks for 200 ms"));
  assert.ok(summary.includes("- Stopped: the target was met (TARGET_MET)"));
  assert.ok(summary.includes(`- Branch: \`perfloop/sum\` at \`${C1.slice(0, 12)}\`; your branch, index and files are untouched; merge it with \`git merge perfloop/sum\``));
  assert.ok(summary.includes("- Measured: cycle 1: the base and the result measured interleaved"));
  assert.deepEqual(section(met, "## Decisions").filter((l) => l.startsWith("| target")), ["| target | wall time -50% | 2025-03-01T10:01:00.000Z |"]);
  assert.deepEqual(section(met, "## Warnings"), ["", "- the machine was busy during 2 runs", ""]);
  assert.ok(section(met, "## Files").includes("- report: `.hex-skills/optimization/sum/report.md`"));
  assert.ok(!met.includes("## Gap analysis") && !met.includes("## Diagnosis"));

  const diag = renderReportMarkdown(diagnostic);
  assert.deepEqual(section(diag, "## Diagnosis").filter((l) => l.startsWith("- ")), diagnostic.diagnosis.map((d) => `- ${d}`));
  assert.ok(section(diag, "## Summary").includes("- Branch: none, nothing was kept"));
  assert.ok(section(diag, "### Cycle 1").includes("- Gate: BLOCK; validation: not reached"));

  const sorted = renderReportMarkdown(twoCycles);
  const s = section(sorted, "## Summary");
  assert.ok(s.includes("- Target met: no; it asks for 500 ms"));
  assert.ok(s.includes("- Confirmation, the first base against the final commit: -30.0%, ratio 0.700, 95% CI 0.680-0.720, p < 0.0001, n 30+30"));
  assert.ok(s.includes(`- Branch: \`perfloop/sort\` at \`${C2.slice(0, 12)}\`, merged into main (fast-forward): ${BASE.slice(0, 12)} -> ${MERGED.slice(0, 12)}`));
  assert.ok(s.includes("- Target: `node sort.js | wc -l` (command, execute)"));
  assert.deepEqual(section(sorted, "## Gap analysis"), ["", twoCycles.gap_analysis!, ""]);

  const wip = renderReportMarkdown(unfinished);
  assert.ok(section(wip, "## Before and after").includes("No metric was measured yet."));
  assert.ok(section(wip, "## Cycles").includes("No cycle was completed."));
  assert.ok(!wip.includes("context:") && !wip.includes("experiment log:"));
});

test("the text summary: table, one line per cycle, stop, branch, merge hint, files", () => {
  const lines = renderRunSummary(targetMet);
  assert.ok(lines.some((l) => /^wall time\s+400 ms\s+150 ms\s+-62\.5%\s+2\.67x faster$/.test(l)), lines.join("\n"));
  assert.ok(lines.some((l) => /^CPU time\s+100 ms\s+110 ms\s+\+10\.0%\s+1\.10x slower$/.test(l)));
  assert.ok(lines.includes("cycle 1: kept H1 (-62.5%, ratio 0.375, 95% CI 0.366-0.384, p < 0.0001, n 20+20); removed H2 (breaks the tests: 2 failed), H3 (no significant gain)"));
  assert.ok(lines.includes("stopped    TARGET_MET: the target was met"));
  assert.ok(lines.includes(`branch     perfloop/sum (${C1.slice(0, 12)}); your branch, index and files are untouched`));
  assert.ok(lines.includes("merge      git merge perfloop/sum"));
  assert.ok(lines.includes("report     .hex-skills/optimization/sum/report.md"));
  assert.ok(lines.includes("json       .hex-skills/optimization/sum/report.json"));
  assert.ok(!lines.some((l) => l.startsWith("gap")));

  const sorted = renderRunSummary(twoCycles);
  assert.ok(sorted.includes(`branch     perfloop/sort (${C2.slice(0, 12)}), merged into main (fast-forward): ${BASE.slice(0, 12)} -> ${MERGED.slice(0, 12)}`));
  assert.ok(!sorted.some((l) => l.startsWith("merge ")), "no merge hint once merged");
  assert.ok(sorted.includes(`gap        ${twoCycles.gap_analysis}`));
  assert.ok(sorted.includes("cycle 2: kept H4 (-12.5%, ratio 0.875, 95% CI 0.850-0.900, p = 0.012, n 24+24); removed H5 (slower: +3.1%)"));
  assert.ok(sorted.includes("target     wall time at most 500 ms: not met"));

  const diag = renderRunSummary(diagnostic);
  assert.ok(diag.includes("cycle 1: kept nothing; the wrong-tool gate blocked it"));
  assert.ok(diag.includes(`diagnosis  ${diagnostic.diagnosis[0]}`));
  assert.ok(diag.includes("branch     none: nothing was kept"));
  assert.ok(renderRunSummary(unfinished).includes("metrics    none measured yet"));
});

test("no line of the text summary ends in a space, with or without colour", () => {
  const color = (style: string, text: string) => `<${style}>${text}</${style}>`;
  for (const [name, fixture] of Object.entries(FIXTURES)) {
    for (const lines of [renderRunSummary(fixture), renderRunSummary(fixture, { color })]) {
      for (const line of lines) assert.ok(!line.endsWith(" "), `${name}: ${JSON.stringify(line)}`);
    }
  }
});

test("colour comes only through the given function", () => {
  const color = (style: string, text: string) => `<${style}>${text}</${style}>`;
  const plain = renderRunSummary(targetMet);
  assert.ok(!/<\/?(bold|green|red|yellow|dim)>/.test(plain.join("\n")), "no colour by default");
  const coloured = renderRunSummary(targetMet, { color });
  assert.equal(coloured[0], "<bold><green>Target met:</green></bold> wall time -62.5% (2.67x; 95% CI -63.4% to -61.6%, n 20) after 1 cycle");
  assert.ok(coloured.includes("merge      <bold>git merge perfloop/sum</bold>"));
  assert.equal(renderRunSummary(diagnostic, { color })[0]!.startsWith("<bold><yellow>Diagnostic:"), true);
});

test("describeStop has a phrase for every stop reason", () => {
  const stops = ["TARGET_MET", "PLATEAU", "MAX_CYCLES", "NO_HYPOTHESES", "WRONG_TOOL_BLOCK", "PLAN_DECLINED", "PLAN_ONLY", "UNFINISHED"];
  const phrases = stops.map(describeStop);
  assert.equal(new Set(phrases).size, stops.length, "one distinct phrase each");
  for (const [i, phrase] of phrases.entries()) assert.ok(!phrase.includes(stops[i]!) && !phrase.startsWith("stopped:"), phrase);
  assert.equal(describeStop("PLATEAU"), "the last cycle gained less than the plateau threshold");
  assert.equal(describeStop("SOMETHING_NEW"), "stopped: something new");
});

test("where the time went: phases from the checkpoints' times, execution by part, one line in the summary", async () => {
  const { runTime } = await import("../../src/report/run-time.ts");
  const at = (s: number) => new Date(Date.parse("2025-03-01T10:00:00.000Z") + s * 1000).toISOString();
  const time = runTime({
    startedAt: at(0),
    finishedAt: at(60),
    history: [
      { phase: "PHASE_0_PREFLIGHT", created_at: at(2) },
      { phase: "PHASE_2_PROFILE", created_at: at(12) },
      { phase: "PHASE_8_EXECUTE", created_at: at(58) },
      { phase: "PHASE_11_REPORT", created_at: at(60) },
    ],
    executions: [
      { total_ms: 46_000, baseline_ms: 6_000, tests_ms: 20_000, test_runs: 4, tests_cached: 2, measured_ms: 18_000, measured_runs: 80, side_trees_ms: 500, other_ms: 1_500 },
      { not: "a time" },
    ],
  });
  assert.equal(time.total_ms, 60_000);
  assert.deepEqual(time.phases.map((p) => [p.label, p.ms]), [["0 preflight", 2000], ["2 profile", 10_000], ["8 execute", 46_000], ["11 report", 2000]]);
  assert.equal(time.execute?.test_runs, 4);
  const withTime = { ...targetMet, time };
  assert.doesNotThrow(() => v.parse(RunReportSchema, withTime));
  const md = section(renderReportMarkdown(withTime), "## Where the time went");
  assert.ok(md.includes("The run took 60.0 s: profile 10.0 s, tests 26.0 s (4 runs, 2 not run again), measuring 18.0 s (80 runs), side trees 0.5 s."), md.join("\n"));
  assert.ok(md.includes("| 8 execute | 46.0 s | 77% |"), md.join("\n"));
  assert.ok(md.includes("| candidates' tests | 20.0 s | 43% | 4 runs, 2 trees tested before (not run again) |"), md.join("\n"));
  assert.ok(renderRunSummary(withTime).some((line) => line.startsWith("time       60.0 s: profile 10.0 s")));
  assert.ok(!renderReportMarkdown(targetMet).includes("## Where the time went"));
});
