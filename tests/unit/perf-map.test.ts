// The performance map: classification rules (a table), top 3, wrong-tool indicators, and the
// suspicion scan on fixture source files in a temp dir. Pure inputs; no timing involved.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { CpuHotFunction, CpuProfileSummary } from "../../src/profile/cpu-profile-parse.ts";
import { buildPerformanceMap, classify, inferOperationKind, type PerfMapInput, suspicionsFromSource, topBottlenecks } from "../../src/profile/perf-map.ts";
import { flattenSteps, stepsFromMarkers } from "../../src/profile/perf-map-steps.ts";
import { aggregateStepMarkers, collectStepMarkers } from "../../src/profile/step-markers.ts";
import type { Baseline, HotFunction, Step, TargetSpec } from "../../src/profile/types.ts";

const COMMAND: TargetSpec = { kind: "command", command: "node app.js" };
const ENDPOINT: TargetSpec = { kind: "endpoint", url: "http://127.0.0.1:3000/x", method: "GET", requests: 100, concurrency: 1 };

function baseline(overrides: Partial<Baseline> = {}): Baseline {
  return { wall_time_ms: 1000, cpu_time_ms: 950, memory_peak_mb: 50, io_read_bytes: 0, io_write_bytes: 0, http_round_trips: null, ...overrides };
}

function hot(name: string, selfPct: number, totalPct: number, extra: Partial<CpuHotFunction> = {}): CpuHotFunction {
  return {
    function: name,
    location: `src/${name}.ts:1:1`,
    url: `file:///p/src/${name}.ts`,
    line: 1,
    self_ms: selfPct * 10,
    total_ms: totalPct * 10,
    self_pct: selfPct,
    total_pct: totalPct,
    column: 1,
    path: `src/${name}.ts`,
    category: "app",
    io_kind: null,
    flagged: false,
    self_with_runtime_ms: selfPct * 10,
    self_with_runtime_pct: selfPct,
    called_from: null,
    module_loading: false,
    ...extra,
  };
}

function profile(overrides: Partial<CpuProfileSummary> = {}): CpuProfileSummary {
  return {
    duration_ms: 1000,
    samples: 1000,
    interval_ms: 1,
    top_by_self: [hot("parse", 70, 80)],
    top_by_total: [hot("parse", 70, 80)],
    self_ms_by_category: { app: 800, library: 100, runtime: 80, program: 10, idle: 0, gc: 10, root: 0 },
    app_inclusive_ms: 900,
    module_loading_ms: 0,
    io_inclusive_ms: { fs: 0, network: 0, db: 0 },
    ...overrides,
  };
}

function step(id: string, fn: string, share: number, extra: Partial<Step> = {}): Step {
  return { id, function: fn, wall_time_ms: share * 10, time_share_pct: share, type: "step_marker", ...extra };
}

test("classification rules, first match wins", () => {
  type Case = [string, { target?: TargetSpec; baseline?: Partial<Baseline>; steps?: Step[]; cpu?: CpuProfileSummary | null }, string, string];
  const flat = ["a", "b", "c", "d", "e", "f", "g"].map((name, i) => step(String(i + 1), `step${name}`, 12));
  const cases: Case[] = [
    ["no wall time", { baseline: { wall_time_ms: null } }, "Unknown", "R0"],
    ["N+1: a DB step called 200 times holding 60%", { steps: [step("1", "load users", 20), step("2", "query orders", 60, { calls: 200, type: "db_query" })] }, "Architecture", "R1"],
    ["many calls of a CPU step is not N+1", { steps: [step("1", "parse line", 90, { calls: 5000 })] }, "CPU", "R6"],
    ["a DB step holding 55%", { baseline: { cpu_time_ms: 300 }, steps: [step("1", "render", 20), step("2", "sql select", 55)] }, "I/O-DB", "R2"],
    ["a network step by name", { baseline: { cpu_time_ms: 100 }, steps: [step("1", "fetchPrices", 70)] }, "I/O-Network", "R2"],
    ["fs calls in the profile", { cpu: profile({ io_inclusive_ms: { fs: 450, network: 0, db: 0 } }) }, "I/O-File", "R2"],
    ["DB wins a tie with network", { baseline: { cpu_time_ms: 100 }, steps: [step("1", "db read", 40), step("2", "http get", 40)] }, "I/O-DB", "R2"],
    ["low CPU and 64 MiB of storage I/O", { baseline: { cpu_time_ms: 300, io_read_bytes: 64 * 1048576 } }, "I/O-File", "R3"],
    ["low CPU and little I/O: waiting elsewhere", { baseline: { cpu_time_ms: 50 } }, "External", "R4"],
    ["no single hotspot among 7 steps", { steps: flat }, "Architecture", "R5"],
    ["CPU-bound", {}, "CPU", "R6"],
    ["CPU-bound from the profile's idle share when CPU was not measured", { baseline: { cpu_time_ms: null }, cpu: profile({ self_ms_by_category: { app: 900, library: 0, runtime: 50, program: 0, idle: 50, gc: 0, root: 0 } }) }, "CPU", "R6"],
    ["an endpoint with nothing else known", { target: ENDPOINT, baseline: { cpu_time_ms: null } }, "I/O-Network", "R7"],
    ["an endpoint is never External", { target: ENDPOINT, baseline: { cpu_time_ms: 10 } }, "I/O-Network", "R7"],
    ["half CPU, half something", { baseline: { cpu_time_ms: 500 } }, "Unknown", "R8"],
  ];
  for (const [name, input, expected, rule] of cases) {
    const steps = input.steps ?? [];
    const result = classify({ target: input.target ?? COMMAND, baseline: baseline(input.baseline), steps, cpuProfile: input.cpu ?? null });
    assert.equal(result.classification, expected, `${name}: ${result.detail}`);
    assert.equal(result.rule, rule, name);
    assert.ok(result.detail.length > 20, name);
  }
});

test("marker steps become a tree with ids and shares of the wall time", () => {
  const steps = stepsFromMarkers(
    [
      { id: "", function: "load", wall_time_ms: 300, type: "step_marker" },
      { id: "", function: "parse", wall_time_ms: 500, type: "step_marker" },
      { id: "", function: "tokenize", wall_time_ms: 200, type: "step_marker", parent: "parse", calls: 40 },
      { id: "", function: "save", wall_time_ms: 100, type: "step_marker" },
    ],
    baseline(),
  );
  assert.deepEqual(
    steps.map((s) => [s.id, s.function, s.time_share_pct, (s.children ?? []).map((c) => [c.id, c.function, c.time_share_pct, c.parent, c.calls])]),
    [
      ["1", "load", 30, []],
      ["2", "parse", 50, [["2.1", "tokenize", 20, "2", 40]]],
      ["3", "save", 10, []],
    ],
  );
});

test("steps from the step-marker parser (aggregateStepMarkers) feed the map: N+1 found", () => {
  const lines = [
    "##perfloop step=load ms=100",
    ...Array.from({ length: 50 }, () => "##perfloop step=\"fetch user\" ms=12 parent=load"),
    "##perfloop step=render ms=30",
  ];
  const summary = aggregateStepMarkers([collectStepMarkers(lines)], 1000);
  const result = buildPerformanceMap({ target: COMMAND, baseline: baseline({ cpu_time_ms: 300 }), markerSteps: summary.steps, testCommand: null });
  assert.deepEqual(
    flattenSteps(result.performance_map.steps).map((s) => [s.id, s.function, s.time_share_pct, s.calls]),
    [
      ["1", "load", 10, 1],
      ["1.1", "fetch user", 60, 50],
      ["2", "render", 3, 1],
    ],
  );
  assert.equal(result.bottleneck_classification, "Architecture");
  assert.match(result.bottleneck_detail, /N\+1 pattern: step 1\.1 "fetch user" \(I\/O-Network\) runs 50 times/);
  assert.equal(result.top_bottlenecks[0]?.step, "1.1");
});

test("top 3 bottlenecks by exclusive share: a parent is not counted with its child", () => {
  const steps: Step[] = [
    step("1", "load", 30),
    { ...step("2", "parse", 50), children: [step("2.1", "db query", 45, { parent: "2", calls: 3 })] },
    step("3", "save", 10, { location: "src/save.ts:4" }),
    step("4", "render", 10),
  ];
  const top = topBottlenecks(steps);
  assert.deepEqual(
    top.map(({ step: id, type, share }) => [id, type, share]),
    [
      ["2.1", "I/O-DB", 45],
      ["1", "CPU", 30],
      ["3", "CPU", 10], // ties with 4: the lower id first
    ],
  );
  assert.match(top[0]?.description ?? "", /^db query: 45% of the wall time \(450 ms, 3 calls\), database calls$/);
  assert.match(top[2]?.description ?? "", /at src\/save\.ts:4/);
});

test("wrong-tool indicators, each by its rule", () => {
  type Case = [string, Partial<PerfMapInput>, string[]];
  const startup = profile({
    top_by_self: [hot("(program)", 40, 40, { category: "program", flagged: true })],
    self_ms_by_category: { app: 20, library: 0, runtime: 700, program: 200, idle: 0, gc: 80, root: 0 },
    app_inclusive_ms: 30,
  });
  const cases: Case[] = [
    ["nothing to say about a CPU-bound second of app code", {}, []],
    ["an absolute target the baseline already meets", { targetMetric: { metric: "wall_time_ms", value: 1200 } }, ["already_optimized"]],
    ["a target not yet met", { targetMetric: { metric: "wall_time_ms", value: 500 } }, []],
    ["a higher-is-better target already met", { baseline: baseline({ throughput_rps: 900 }), targetMetric: { metric: "throughput_rps", value: 800, better: "higher" } }, ["already_optimized"]],
    ["a 5 ms command is within the norm of spawning a process", { baseline: baseline({ wall_time_ms: 5, cpu_time_ms: 4 }) }, ["within_industry_norm"]],
    ["start-up only: within the JS runtime start-up norm and infrastructure-bound", { baseline: baseline({ wall_time_ms: 70, cpu_time_ms: 65 }), cpuProfile: startup }, ["within_industry_norm", "infrastructure_bound"]],
    ["start-up dominated but slow: infrastructure-bound only", { baseline: baseline({ wall_time_ms: 900, cpu_time_ms: 880 }), cpuProfile: startup }, ["infrastructure_bound"]],
    ["a library doing the work is not infrastructure", { cpuProfile: profile({ self_ms_by_category: { app: 0, library: 900, runtime: 100, program: 0, idle: 0, gc: 0, root: 0 }, app_inclusive_ms: 0 }) }, []],
    ["a loopback endpoint at 0.4 ms p50", { target: ENDPOINT, baseline: baseline({ latency_p50_ms: 0.4, cpu_time_ms: null }) }, ["within_industry_norm"]],
    ["a loopback endpoint at 40 ms p50", { target: ENDPOINT, baseline: baseline({ latency_p50_ms: 40, cpu_time_ms: null }) }, []],
    ["a given operation kind overrides the inference", { operationKind: "js_runtime_startup", baseline: baseline({ wall_time_ms: 120, cpu_time_ms: 110 }) }, ["within_industry_norm"]],
    ["External with no local step", { baseline: baseline({ cpu_time_ms: 20 }), markerSteps: [step("1", "wait for service", 90, { type: "external" })] }, ["external_service_no_alternative"]],
    ["External but a local step holds 25%", { baseline: baseline({ cpu_time_ms: 20 }), markerSteps: [step("1", "wait", 60, { type: "external" }), step("2", "transform", 25)] }, []],
  ];
  for (const [name, input, expected] of cases) {
    const result = buildPerformanceMap({ target: COMMAND, baseline: baseline(), cpuProfile: profile(), testCommand: "npm test", ...input });
    assert.deepEqual(result.wrong_tool_indicators, expected, `${name}: ${JSON.stringify(result.wrong_tool_evidence)} (${result.bottleneck_detail})`);
    assert.equal(result.wrong_tool_evidence.length, expected.length);
    for (const evidence of result.wrong_tool_evidence) assert.ok(evidence.reason.length > 20, name);
  }
  const norm = buildPerformanceMap({ target: COMMAND, baseline: baseline({ wall_time_ms: 5 }), testCommand: null });
  assert.match(norm.wrong_tool_evidence[0]?.reason ?? "", /rough/, "the norm cites where its number comes from");
  assert.equal(inferOperationKind({ kind: "endpoint", url: "https://example.com/", method: "GET", requests: 1, concurrency: 1 }, null), null);
});

test("the profile_result payload has the §9 shape; hints come only from confirmed suspicions", () => {
  const result = buildPerformanceMap({
    target: COMMAND,
    baseline: baseline(),
    cpuProfile: profile({ top_by_self: [hot("parse", 70, 80), hot("(garbage collector)", 5, 5, { category: "gc", flagged: true, path: null, location: "(garbage collector)", line: 0 }), hot("tiny", 0.5, 0.5)] }),
    testCommand: "npm test",
    suspicions: [
      { category: "json_in_loop", location: "src/parse.ts:3", description: "d", verdict: "confirmed", evidence: "e", verification_note: "v", function: "parse", line: 3, snippet: "JSON.parse(x)", advice: "parse once" },
      { category: "regexp_in_loop", location: "src/other.ts:9", description: "d", verdict: "dismissed", evidence: "e", verification_note: "v", function: "other", line: 9, snippet: "new RegExp(x)", advice: "build once" },
    ],
    e2eTest: { command: "npm run e2e", source: "user" },
    instrumentedFiles: ["src/parse.ts"],
  });
  assert.deepEqual(Object.keys(result.performance_map), ["test_command", "baseline", "steps", "bottleneck_classification", "bottleneck_detail", "top_bottlenecks"]);
  assert.equal(result.performance_map.test_command, "npm test");
  // Profile steps: top functions by self time at >= 1%, with shares of the wall time.
  assert.deepEqual(
    result.performance_map.steps.map((s) => [s.id, s.function, s.location, s.time_share_pct, s.wall_time_ms, s.type]),
    [
      ["1", "parse", "src/parse.ts:1", 70, 700, "function_call"],
      ["2", "(garbage collector)", "(garbage collector)", 5, 50, "function_call"],
    ],
  );
  assert.equal(result.bottleneck_classification, "CPU");
  assert.equal(result.performance_map.bottleneck_classification, "CPU");
  assert.equal(result.top_bottlenecks.length, 2);
  assert.deepEqual(result.performance_map.top_bottlenecks[0], { step: "1", type: "CPU", share: 70 });
  assert.deepEqual(result.optimization_hints, ["src/parse.ts:3 (parse): parse once"]);
  assert.equal(result.suspicion_stack.length, 2);
  assert.deepEqual(result.e2e_test, { command: "npm run e2e", source: "user" });
  assert.deepEqual(result.instrumented_files, ["src/parse.ts"]);
  assert.deepEqual(result.wrong_tool_indicators, []);
  assert.equal(result.classification_rule, "R6");
  const bare = buildPerformanceMap({ target: COMMAND, baseline: baseline(), testCommand: null });
  assert.deepEqual(bare.e2e_test, { command: null, source: "none" });
  assert.deepEqual(bare.performance_map.steps, []);
});

// ---------------------------------------------------------------------------------------------
// Suspicions from source

const project = realpathSync(mkdtempSync(join(tmpdir(), "perfloop-suspicions-")));
const outside = realpathSync(mkdtempSync(join(tmpdir(), "perfloop-outside-")));
after(() => {
  rmSync(project, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

// Every pattern once, in one file; line numbers are asserted below.
const SOURCE = [
  /* 1 */ 'import { existsSync, readFileSync } from "node:fs";',
  /* 2 */ "",
  /* 3 */ "export async function hotPath(files: string[], ids: string[], client: { get(id: string): Promise<string> }) {",
  /* 4 */ '  let out = "";',
  /* 5 */ "  const seen: string[] = [];",
  /* 6 */ "  for (const file of files) {",
  /* 7 */ "    if (!existsSync(file)) continue;",
  /* 8 */ '    const data = JSON.parse(readFileSync(file, "utf8"));',
  /* 9 */ '    const re = new RegExp(data.pattern, "g");',
  /* 10 */ "    if (seen.includes(file)) continue;",
  /* 11 */ "    seen.push(file);",
  /* 12 */ "    out += `${file}: ${re.source}\\n`;",
  /* 13 */ "    const when = new Date().toISOString();",
  /* 14 */ "  }",
  /* 15 */ "  for (const id of ids) {",
  /* 16 */ "    await client.get(id);",
  /* 17 */ "  }",
  /* 18 */ "  const index = ids.reduce((acc, id) => ({ ...acc, [id]: true }), {});",
  /* 19 */ "  return { out, index };",
  /* 20 */ "}",
  /* 21 */ "",
  /* 22 */ "export function clean(items: string[]) {",
  /* 23 */ "  // JSON.parse(x) in a comment and 'new RegExp(' in a string are not code",
  /* 24 */ "  const label = 'for (const x of y) { JSON.parse(x) }';",
  /* 25 */ "  const total = items.length + 1;",
  /* 26 */ "  for (const item of JSON.parse(label)) {",
  /* 27 */ "    console.log(item, total);",
  /* 28 */ "  }",
  /* 29 */ "}",
  /* 30 */ "",
  /* 31 */ "export const arrow = (rows: number[]) => {",
  /* 32 */ "  let sum = 0;",
  /* 33 */ "  rows.forEach((row) => { sum += row; });",
  /* 34 */ "  return rows.map((row) => rows.indexOf(row));",
  /* 35 */ "};",
  /* 36 */ "",
].join("\n");

mkdirSync(join(project, "src"), { recursive: true });
writeFileSync(join(project, "src", "hot.ts"), SOURCE);
writeFileSync(join(outside, "secret.ts"), SOURCE);
symlinkSync(join(outside, "secret.ts"), join(project, "src", "link.ts"));
mkdirSync(join(project, "node_modules", "lib"), { recursive: true });
writeFileSync(join(project, "node_modules", "lib", "index.js"), SOURCE);

function hotAt(file: string, line: number, selfPct: number, totalPct: number, name = "hotPath"): HotFunction {
  return { function: name, location: `${file}:${line}:1`, url: `file://${join(project, file)}`, line, self_ms: selfPct, total_ms: totalPct, self_pct: selfPct, total_pct: totalPct };
}

test("every pattern is found in the hot function, with its line, snippet and loop", () => {
  const found = suspicionsFromSource(project, [hotAt("src/hot.ts", 3, 40, 90)]);
  assert.deepEqual(
    found.map((s) => [s.category, s.location, s.verdict]),
    [
      ["sync_fs_in_hot_path", "src/hot.ts:7", "confirmed"],
      ["json_in_loop", "src/hot.ts:8", "confirmed"],
      ["sync_fs_in_hot_path", "src/hot.ts:8", "confirmed"],
      ["regexp_in_loop", "src/hot.ts:9", "confirmed"],
      ["quadratic_search", "src/hot.ts:10", "confirmed"],
      ["string_concat_in_loop", "src/hot.ts:12", "confirmed"],
      ["date_intl_in_loop", "src/hot.ts:13", "confirmed"],
      ["await_in_loop", "src/hot.ts:16", "dismissed"],
      ["spread_in_reduce", "src/hot.ts:18", "confirmed"],
    ],
  );
  const json = found.find((s) => s.category === "json_in_loop");
  assert.match(json?.evidence ?? "", /^line 8: `const data = JSON\.parse\(readFileSync\(file, "utf8"\)\);` inside the for loop at line 6; hotPath has 40% self/);
  assert.match(json?.verification_note ?? "", /self share 40% >= 5%/);
  assert.match(found.find((s) => s.category === "await_in_loop")?.verification_note ?? "", /do not show waiting/);
});

test("verdicts: the self threshold, the total threshold for callee patterns, the wait share for await", () => {
  const cold = suspicionsFromSource(project, [hotAt("src/hot.ts", 3, 1, 4)]);
  assert.ok(cold.every((s) => s.verdict === "dismissed"), JSON.stringify(cold.map((s) => [s.category, s.verdict])));
  assert.match(cold[0]?.verification_note ?? "", /self share 1% < 5%/);
  // 2% self but 30% total: the fs/JSON/RegExp/Date costs land in callees; a string += does not.
  const callee = suspicionsFromSource(project, [hotAt("src/hot.ts", 3, 2, 30)], { waitPct: 60 });
  const verdict = (category: string) => callee.find((s) => s.category === category)?.verdict;
  assert.equal(verdict("json_in_loop"), "confirmed");
  assert.equal(verdict("sync_fs_in_hot_path"), "confirmed");
  assert.equal(verdict("string_concat_in_loop"), "dismissed");
  assert.equal(verdict("quadratic_search"), "dismissed");
  assert.equal(verdict("await_in_loop"), "confirmed");
});

test("patterns in comments, strings and a loop header are not flagged; callbacks count as loops", () => {
  assert.deepEqual(suspicionsFromSource(project, [hotAt("src/hot.ts", 22, 50, 50, "clean")]), []);
  const arrow = suspicionsFromSource(project, [hotAt("src/hot.ts", 31, 50, 50, "arrow")]);
  assert.deepEqual(arrow.map((s) => [s.category, s.location]), [["quadratic_search", "src/hot.ts:34"]]);
  assert.match(arrow[0]?.description ?? "", /inside the \.map\(\) callback at line 34/);
});

test("only files inside the project root are read: no symlink out, no node_modules, no absolute paths elsewhere", () => {
  assert.deepEqual(suspicionsFromSource(project, [hotAt("src/link.ts", 3, 50, 50)]), []);
  assert.deepEqual(suspicionsFromSource(project, [{ ...hotAt("x", 3, 50, 50), url: `file://${join(outside, "secret.ts")}` }]), []);
  assert.deepEqual(suspicionsFromSource(project, [hotAt("node_modules/lib/index.js", 3, 50, 50)]), []);
  assert.deepEqual(suspicionsFromSource(project, [{ ...hotAt("x", 3, 50, 50), url: "node:fs" }]), []);
  assert.deepEqual(suspicionsFromSource(project, [hotAt("src/missing.ts", 3, 50, 50)]), []);
  assert.deepEqual(suspicionsFromSource(join(project, "nope"), [hotAt("src/hot.ts", 3, 50, 50)]), []);
  // A project-relative path (CpuHotFunction.path) works like a file URL.
  const byPath = suspicionsFromSource(project, [{ ...hotAt("src/hot.ts", 3, 50, 50), url: "", path: "src/hot.ts" } as HotFunction]);
  assert.equal(byPath.length, 9);
});

test("a suspicion in a step's function names that step", () => {
  const found = suspicionsFromSource(project, [hotAt("src/hot.ts", 3, 40, 90)], { steps: [step("1", "hotPath", 40, { location: "src/hot.ts:3" }), step("2", "other", 10, { location: "src/x.ts:3" })] });
  assert.ok(found.every((s) => JSON.stringify(s.affected_steps) === '["1"]'));
});

test("comments and literal contents never match; code inside a template expression does", () => {
  const source = "export function literals(bs: string[]) {\n  for (const b of bs) {\n    const a = 'x//y'; // JSON.parse(\n    const r = /for \\(/g; const t = `a ${JSON.parse(b)} c`;\n  }\n}\n";
  writeFileSync(join(project, "src", "literals.ts"), source);
  const found = suspicionsFromSource(project, [hotAt("src/literals.ts", 1, 40, 90, "literals")]);
  assert.deepEqual(found.map((s) => [s.category, s.location]), [["json_in_loop", "src/literals.ts:4"]]);
  assert.ok(found[0]?.evidence.startsWith("line 4: `const r = /for \\(/g; const t = `a ${JSON.parse(b)} c`;` inside the for loop at line 2;"), found[0]?.evidence ?? "");
});
