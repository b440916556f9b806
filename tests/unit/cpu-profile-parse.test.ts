// parseCpuProfile on a small hand-made .cpuprofile whose numbers are worked out by hand:
// self = the weight of the samples a function is the leaf of (sample i weighs timeDeltas[i + 1],
// the last endTime - its timestamp), total = samples with it anywhere on the stack, counted once
// per sample even when it recurses. Then module loading (wrapSafe & co.), from frames Node and Bun
// recorded.
import assert from "node:assert/strict";
import { test } from "node:test";
import { frameCategory, frameIoKind, framePath } from "../../src/profile/cpu-frame-kind.ts";
import { parseCpuProfile, sampleWeights } from "../../src/profile/cpu-profile-parse.ts";
import { buildPerformanceMap } from "../../src/profile/perf-map.ts";

const ROOT = "/home/me/project";
const frame = (functionName: string, url: string, lineNumber: number, columnNumber = 0) => ({ functionName, url, lineNumber, columnNumber, scriptId: "1" });

/**
 * (root) 1
 * ├─ main 2 (src/main.ts:0)
 * │   ├─ fib 3 (src/fib.ts:4) ─ fib 4 (same function, recursion) ─ readFileSync 7 (node:fs)
 * │   └─ helper 5 (node_modules/lib/index.js:9)
 * ├─ (garbage collector) 6
 * └─ (idle) 8
 */
function handMade() {
  return {
    nodes: [
      { id: 1, callFrame: frame("(root)", "", -1, -1), hitCount: 0, children: [2, 6, 8] },
      { id: 2, callFrame: frame("main", `file://${ROOT}/src/main.ts`, 0, 9), hitCount: 0, children: [3, 5] },
      { id: 3, callFrame: frame("fib", `file://${ROOT}/src/fib.ts`, 4, 16), hitCount: 0, children: [4] },
      { id: 4, callFrame: frame("fib", `file://${ROOT}/src/fib.ts`, 4, 16), hitCount: 0, children: [7] },
      { id: 5, callFrame: frame("helper", `file://${ROOT}/node_modules/lib/index.js`, 9, 2), hitCount: 0 },
      { id: 6, callFrame: frame("(garbage collector)", "", -1, -1), hitCount: 0 },
      { id: 7, callFrame: frame("readFileSync", "node:fs", 440, 21), hitCount: 0 },
      { id: 8, callFrame: frame("(idle)", "", -1, -1), hitCount: 0 },
    ],
    startTime: 1_000_000,
    endTime: 1_010_500,
    // Samples:     fib3  fib4  fib4  helper  gc   readFile  main  idle
    samples: [3, 4, 4, 5, 6, 7, 2, 8],
    // Weights (µs): 1000, 2000, 1000, 1500, 500, 1000, 2000, and the last: endTime - timestamp.
    timeDeltas: [100, 1000, 2000, 1000, 1500, 500, 1000, 2000],
  };
}
// Timestamps: 1_000_100, 1_001_100, 1_003_100, 1_004_100, 1_005_600, 1_006_100, 1_007_100, 1_009_100
// Last sample weight: min(1_010_500 - 1_009_100 = 1400, largest delta 2000) = 1400.
// Duration = 1000+2000+1000+1500+500+1000+2000+1400 = 10400 µs = 10.4 ms.

test("sample weights: each sample lasts until the next; the last until endTime", () => {
  assert.deepEqual(sampleWeights(handMade()), [1000, 2000, 1000, 1500, 500, 1000, 2000, 1400]);
});

test("the last sample is capped at the largest delta, and negative deltas count as zero", () => {
  const profile = { ...handMade(), endTime: 9_999_999_999 };
  assert.equal(sampleWeights(profile).at(-1), 2000);
  const negative = { ...handMade(), timeDeltas: [100, 1000, -50, 1000, 1500, 500, 1000, 2000] };
  assert.equal(sampleWeights(negative)[1], 0);
});

test("self and total per function, recursion counted once, 1-based lines, project-relative paths", () => {
  const summary = parseCpuProfile(handMade(), { projectRoot: ROOT });
  assert.equal(summary.duration_ms, 10.4);
  assert.equal(summary.samples, 8);
  const fib = summary.top_by_self.find((hot) => hot.function === "fib");
  assert.ok(fib);
  // fib is the leaf of samples 1-3: 1000 + 2000 + 1000 µs; on the stack also for readFileSync (1000).
  assert.equal(fib.self_ms, 4);
  assert.equal(fib.total_ms, 5);
  assert.equal(fib.self_pct, Math.round((4 / 10.4) * 10000) / 100);
  assert.equal(fib.line, 5);
  assert.equal(fib.column, 17);
  assert.equal(fib.path, "src/fib.ts");
  assert.equal(fib.location, "src/fib.ts:5:17");
  assert.equal(fib.category, "app");
  assert.equal(fib.flagged, false);
  // The top by self is fib; by total, main (4 fib samples + helper + readFile + its own).
  assert.equal(summary.top_by_self[0]?.function, "fib");
  const main = summary.top_by_total[0];
  assert.equal(main?.function, "main");
  assert.equal(main?.total_ms, 4 + 1.5 + 1 + 2);
  assert.equal(main?.self_ms, 2);
});

test("categories: library, runtime natives and the flagged pseudo-frames", () => {
  const summary = parseCpuProfile(handMade(), { projectRoot: ROOT });
  const byName = new Map(summary.top_by_self.map((hot) => [hot.function, hot]));
  assert.equal(byName.get("helper")?.category, "library");
  assert.equal(byName.get("helper")?.path, "node_modules/lib/index.js");
  assert.equal(byName.get("readFileSync")?.category, "runtime");
  assert.equal(byName.get("readFileSync")?.io_kind, "fs");
  assert.equal(byName.get("readFileSync")?.location, "node:fs:441:22");
  // Runtime code is owned by its nearest app/library caller: fib's self time with runtime adds readFileSync.
  assert.equal(byName.get("readFileSync")?.called_from, "fib src/fib.ts:5:17");
  assert.equal(byName.get("fib")?.self_with_runtime_ms, 5);
  assert.equal(byName.get("fib")?.called_from, null);
  assert.equal(byName.get("helper")?.self_with_runtime_ms, 1.5);
  const gc = byName.get("(garbage collector)");
  assert.equal(gc?.category, "gc");
  assert.equal(gc?.flagged, true);
  assert.equal(gc?.location, "(garbage collector)");
  assert.equal(byName.get("(idle)")?.flagged, true);
  assert.ok(!summary.top_by_total.some((hot) => hot.function === "(root)"), "(root) is not a function");
  assert.deepEqual(summary.self_ms_by_category, { app: 6, library: 1.5, runtime: 1, program: 0, idle: 1.4, gc: 0.5, root: 0 });
  // Project code on the stack: fib x3, helper (under main), readFile (under fib), main = 1+2+1+1.5+1+2.
  assert.equal(summary.app_inclusive_ms, 8.5);
  assert.deepEqual(summary.io_inclusive_ms, { fs: 1, network: 0, db: 0 });
  assert.equal(summary.interval_ms, 1, "the median delta, 1000 µs");
});

test("without a project root every file outside node_modules counts as the person's code, with absolute paths", () => {
  const summary = parseCpuProfile(handMade());
  const fib = summary.top_by_self.find((hot) => hot.function === "fib");
  assert.equal(fib?.path, `${ROOT}/src/fib.ts`);
  assert.equal(fib?.category, "app");
});

test("outside the project root a file is a library and keeps its absolute path", () => {
  const summary = parseCpuProfile(handMade(), { projectRoot: "/elsewhere" });
  const fib = summary.top_by_self.find((hot) => hot.function === "fib");
  assert.equal(fib?.category, "library");
  assert.equal(fib?.location, `${ROOT}/src/fib.ts:5:17`);
});

test("top N keeps the N largest, ordered; functions with no self time are left out of the self list", () => {
  const summary = parseCpuProfile(handMade(), { projectRoot: ROOT, top: 2 });
  assert.deepEqual(summary.top_by_self.map((hot) => hot.function), ["fib", "main"]);
  assert.equal(summary.top_by_total.length, 2);
  const all = parseCpuProfile(handMade(), { projectRoot: ROOT });
  assert.ok(all.top_by_self.every((hot) => hot.self_ms > 0));
});

test("JSON text is accepted like the parsed object", () => {
  assert.deepEqual(parseCpuProfile(JSON.stringify(handMade()), { projectRoot: ROOT }), parseCpuProfile(handMade(), { projectRoot: ROOT }));
});

test("an invalid profile is a typed error naming the problem", () => {
  const cases: [unknown, RegExp][] = [
    ["{not json", /not JSON/],
    [{ nodes: [], startTime: 0, endTime: 1, samples: [], timeDeltas: [] }, /at least one node/],
    [{ ...handMade(), samples: [3] }, /differ in length/],
    [{ ...handMade(), samples: [3, 4, 4, 5, 6, 7, 2, 99] }, /node 99/],
    [{ ...handMade(), timeDeltas: "x" }, /timeDeltas/],
    [{ ...handMade(), nodes: [{ id: 1, callFrame: { functionName: 1 } }] }, /nodes/],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => parseCpuProfile(input),
      (error: Error & { code?: string }) => error.code === "invalid_cpu_profile" && message.test(error.message),
      String(message),
    );
  }
});

test("an empty sample list gives an empty summary, not an error", () => {
  const summary = parseCpuProfile({ ...handMade(), samples: [], timeDeltas: [] });
  assert.equal(summary.duration_ms, 0);
  assert.deepEqual(summary.top_by_self, []);
  assert.deepEqual(summary.top_by_total, []);
});

test("frame kinds, as the three runtimes write them", () => {
  const cases: [string, string, string, string | null][] = [
    // name, url, category, io kind
    ["readFileUtf8", "", "runtime", "fs"], // node 20 native
    ["readFileSync", "", "runtime", "fs"], // bun native
    ["op_fs_read_file_sync", "", "runtime", "fs"], // deno op
    ["readFileSync", "ext:deno_node/_fs/_fs_readFile.ts", "runtime", "fs"],
    ["request", "node:http", "runtime", "network"],
    ["fetch", "", "runtime", "network"],
    ["op_fetch_send", "", "runtime", "network"],
    ["query", `file://${ROOT}/node_modules/pg/lib/client.js`, "library", "db"],
    ["run", "bun:sqlite", "runtime", "db"],
    ["parse", "", "runtime", null],
    ["fib", "/$bunfs/root/app", "app", null], // a compiled bun binary without sourcemap
    ["fib", "src/fib.ts", "app", null], // a compiled bun binary with --sourcemap
    ["x", "https://deno.land/x/mod.ts", "library", null],
    ["(program)", "", "program", null],
  ];
  for (const [name, url, category, io] of cases) {
    assert.equal(frameCategory(name, url, ROOT), category, `${name} ${url}`);
    assert.equal(frameIoKind(name, url), io, `${name} ${url}`);
  }
  assert.deepEqual(framePath("src/fib.ts", ROOT), { path: "src/fib.ts", inProject: true });
  assert.deepEqual(framePath(`file://${ROOT}/../other/x.ts`, ROOT), { path: "/home/me/other/x.ts", inProject: false });
});

// Module loading, from the frames Node 20.20 recorded for `node app.js` where app.js's top-level
// code does `require("./big.js")` (a 40,000-function file: wrapSafe compiles it) and `main`, a real
// function of app.js, requires another file lazily and parses JSON. Chains shortened, names, URLs
// and 0-based lines as recorded. Each sample weighs 1 ms.
const LOADER = "node:internal/modules/cjs/loader";
function nodeModuleLoading() {
  const nodes = [
    { id: 1, callFrame: frame("(root)", "", -1, -1), children: [2, 30] },
    { id: 2, callFrame: frame("", "node:internal/main/run_main_module", 0, 0), children: [3] },
    { id: 3, callFrame: frame("executeUserEntryPoint", "node:internal/modules/run_main", 154, 30), children: [4] },
    { id: 4, callFrame: frame("Module._compile", LOADER, 1482, 36), children: [5] },
    { id: 5, callFrame: frame("", `file://${ROOT}/app.js`, 0, 0), children: [6, 20] },
    { id: 6, callFrame: frame("require", "node:internal/modules/helpers", 179, 30), children: [7] },
    { id: 7, callFrame: frame("Module._compile", LOADER, 1482, 36), children: [8, 9] },
    { id: 8, callFrame: frame("wrapSafe", LOADER, 1421, 17), children: [] },
    { id: 9, callFrame: frame("", `file://${ROOT}/big.js`, 0, 0), children: [] },
    { id: 20, callFrame: frame("main", `file://${ROOT}/app.js`, 4, 16), children: [21, 23] },
    { id: 21, callFrame: frame("require", "node:internal/modules/helpers", 179, 30), children: [22] },
    { id: 22, callFrame: frame("wrapSafe", LOADER, 1421, 17), children: [] },
    { id: 23, callFrame: frame("parse", "", -1, -1), children: [] },
    { id: 30, callFrame: frame("(garbage collector)", "", -1, -1) },
  ];
  // wrapSafe for the top-level require x6, big.js's own top-level x2, wrapSafe for main's lazy require x2, JSON parse x1, GC x1.
  const samples = [8, 8, 8, 8, 8, 8, 9, 9, 22, 22, 23, 30];
  return { nodes, startTime: 0, endTime: (samples.length + 1) * 1000, samples, timeDeltas: samples.map(() => 1000) };
}

test("module loading for top-level code is runtime time, not line 1 of the file that loads it", () => {
  const summary = parseCpuProfile(nodeModuleLoading(), { projectRoot: ROOT });
  const byName = new Map(summary.top_by_self.map((hot) => [`${hot.function}@${hot.location}`, hot]));
  const wrapSafe = byName.get(`wrapSafe@${LOADER}:1422:18`);
  assert.ok(wrapSafe, [...byName.keys()].join(", "));
  assert.equal(wrapSafe.self_ms, 8);
  assert.equal(wrapSafe.category, "runtime");
  assert.equal(wrapSafe.module_loading, true, "6 of its 8 ms load modules for top-level code");
  assert.equal(wrapSafe.called_from, null, "not attributed to app.js:1");
  assert.equal(summary.module_loading_ms, 6);
  // app.js's top-level code owns none of that loading; main owns its lazy require and its JSON parse.
  const topLevel = summary.top_by_total.find((hot) => hot.path === "app.js" && hot.line === 1);
  assert.equal(topLevel?.self_with_runtime_ms, 0);
  const main = summary.top_by_total.find((hot) => hot.function === "main");
  assert.equal(main?.self_with_runtime_ms, 3, "the lazy require (2) and the parse (1) inside a real function are main's");
  assert.equal(byName.get("parse@(native)")?.called_from, "main app.js:5:17");
  // The person's code on the stack: big.js's own top-level (2), main's require (2) and parse (1); not the loading.
  assert.equal(summary.app_inclusive_ms, 5);
});

test("the map names module loading as such: a step at the loader, not at the loading file's line 1", () => {
  const summary = parseCpuProfile(nodeModuleLoading(), { projectRoot: ROOT });
  const map = buildPerformanceMap({
    target: { kind: "command", command: "node app.js" },
    baseline: { wall_time_ms: 12, cpu_time_ms: 12, memory_peak_mb: null, io_read_bytes: null, io_write_bytes: null, http_round_trips: null },
    cpuProfile: summary,
    testCommand: null,
  });
  const step = map.performance_map.steps[0];
  assert.equal(step?.function, "wrapSafe (module loading)");
  assert.equal(step?.location, `${LOADER}:1422:18`);
  assert.ok(!map.performance_map.steps.some((s) => s.location === "app.js:1"), JSON.stringify(map.performance_map.steps));
  assert.match(map.bottleneck_detail, /wrapSafe \(.*runtime code: module loading\)/);
});

test("Bun's loader frames (`require`, `bound require` natives) count as module loading too", () => {
  // As Bun 1.4.5 recorded `bun app.js` requiring big.js: the compile is an `anonymous` native under `require`.
  const nodes = [
    { id: 1, callFrame: frame("(root)", "", -1, -1), children: [2] },
    { id: 2, callFrame: frame("", `${ROOT}/app.js`, 0, 9), children: [3, 6] },
    { id: 3, callFrame: frame("bound require", "", -1, -1), children: [4] },
    { id: 4, callFrame: frame("require", "", 0, 10), children: [5] },
    { id: 5, callFrame: frame("anonymous", "", -1, -1), children: [] },
    { id: 6, callFrame: frame("keys", "", -1, -1), children: [] },
  ];
  const samples = [5, 5, 5, 6];
  const summary = parseCpuProfile({ nodes, startTime: 0, endTime: 5000, samples, timeDeltas: [1000, 1000, 1000, 1000] }, { projectRoot: ROOT });
  const compile = summary.top_by_self.find((hot) => hot.function === "anonymous");
  assert.equal(compile?.module_loading, true);
  assert.equal(compile?.called_from, null);
  assert.equal(summary.module_loading_ms, 3);
  // `Object.keys` called by the top-level code is that code's own work: still attributed to app.js:1.
  assert.equal(summary.top_by_self.find((hot) => hot.function === "keys")?.called_from, "(anonymous) app.js:1:10");
});
