// parseCpuProfile on a small hand-made .cpuprofile whose numbers are worked out by hand:
// self = the weight of the samples a function is the leaf of (sample i weighs timeDeltas[i + 1],
// the last endTime - its timestamp), total = samples with it anywhere on the stack, counted once
// per sample even when it recurses.
import assert from "node:assert/strict";
import { test } from "node:test";
import { frameCategory, frameIoKind, framePath } from "../../src/profile/cpu-frame-kind.ts";
import { parseCpuProfile, sampleWeights } from "../../src/profile/cpu-profile-parse.ts";

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
