// Step markers: "##perfloop step=<name> ms=<number> [parent=<name>] [calls=<n>]" lines, parsed,
// summed per run, and aggregated across runs into a tree of Step records (spec/hypotheses.md).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  aggregateStepMarkers,
  collectStepMarkers,
  flattenSteps,
  MALFORMED_EXAMPLES_KEPT,
  parseStepMarkerLine,
  type RunStepMarkers,
} from "../../src/profile/step-markers.ts";

test("well-formed lines parse, fields in any order, quotes for blanks", () => {
  const cases: [string, { name: string; ms: number; parent: string | null; calls: number | null }][] = [
    ["##perfloop step=parse ms=12.5", { name: "parse", ms: 12.5, parent: null, calls: null }],
    ["##perfloop step=parse ms=3 parent=load calls=4", { name: "parse", ms: 3, parent: "load", calls: 4 }],
    ["##perfloop calls=2 ms=7 step=x", { name: "x", ms: 7, parent: null, calls: 2 }],
    ["   ##perfloop step=x ms=0", { name: "x", ms: 0, parent: null, calls: null }],
    ["##perfloop\tstep=x\tms=.5", { name: "x", ms: 0.5, parent: null, calls: null }],
    ["##perfloop step=x ms=1e3", { name: "x", ms: 1000, parent: null, calls: null }],
    ["##perfloop step=x ms=2.", { name: "x", ms: 2, parent: null, calls: null }],
    ['##perfloop step="load config" ms=4 parent="main step"', { name: "load config", ms: 4, parent: "main step", calls: null }],
    ["##perfloop step=x ms=1 future=yes", { name: "x", ms: 1, parent: null, calls: null }],
    ["##perfloop step=x ms=1 ", { name: "x", ms: 1, parent: null, calls: null }],
  ];
  for (const [line, marker] of cases) {
    assert.deepEqual(parseStepMarkerLine(line), { kind: "marker", marker }, line);
  }
});

test("lines that are not markers are ignored, not counted", () => {
  for (const line of ["", "hello", "step=x ms=1", "# ##perfloop step=x ms=1", "##perfloopish step=x ms=1", "##PERFLOOP step=x ms=1"]) {
    assert.deepEqual(parseStepMarkerLine(line), { kind: "none" }, line);
  }
});

test("malformed markers say why", () => {
  const cases: [string, RegExp][] = [
    ["##perfloop", /no step/],
    ["##perfloop ms=1", /no step/],
    ["##perfloop step= ms=1", /no step/],
    ["##perfloop step=x", /no ms/],
    ["##perfloop step=x ms=", /not a number/],
    ["##perfloop step=x ms=abc", /not a number/],
    ["##perfloop step=x ms=-1", /not a number/],
    ["##perfloop step=x ms=NaN", /not a number/],
    ["##perfloop step=x ms=Infinity", /not a number/],
    ["##perfloop step=x ms=0x10", /not a number/],
    ["##perfloop step=x ms=1e999", /not a number/],
    ["##perfloop step=x ms=1 calls=0", /calls=0/],
    ["##perfloop step=x ms=1 calls=1.5", /calls=1\.5/],
    ["##perfloop step=x ms=1 calls=-2", /calls=-2/],
    ["##perfloop step=x ms=1 parent=", /parent= is empty/],
    ["##perfloop step=x ms=1 parent=x", /itself/],
    ["##perfloop step=x ms=1 ms=2", /ms appears twice/],
    ["##perfloop step=x ms=1 junk", /"junk" is not key=value/],
    ['##perfloop step="x ms=1', /not closed/],
    ['##perfloop step="x"y ms=1', /text follows/],
    ["##perfloop =x step=x ms=1", /no key/],
  ];
  for (const [line, reason] of cases) {
    const parsed = parseStepMarkerLine(line);
    assert.equal(parsed.kind, "malformed", line);
    if (parsed.kind === "malformed") assert.match(parsed.reason, reason, line);
  }
});

test("one run: repeated steps are summed, calls default to one per line, junk is counted", () => {
  const run = collectStepMarkers([
    "starting",
    "##perfloop step=load ms=10",
    "##perfloop step=row ms=1.5 parent=load",
    "##perfloop step=row ms=2.5 parent=load",
    "##perfloop step=row ms=1 parent=load calls=3",
    "##perfloop step=broken ms=oops",
    "##perfloop garbage",
    "##perfloop step=x",
    "##perfloop step=y ms=--",
    "done",
  ]);
  assert.deepEqual(run.steps, [
    { name: "load", ms: 10, calls: 1, parent: null },
    { name: "row", ms: 5, calls: 5, parent: "load" },
  ]);
  assert.equal(run.malformed, 4);
  assert.equal(run.malformed_examples.length, MALFORMED_EXAMPLES_KEPT);
  assert.match(run.malformed_examples[0] as string, /^##perfloop step=broken ms=oops \(ms=oops is not a number/);
  assert.deepEqual(run.parent_conflicts, []);
});

test("one run: a step that names two parents keeps the first and is reported", () => {
  const run = collectStepMarkers(["##perfloop step=a ms=1 parent=p", "##perfloop step=a ms=1 parent=q", "##perfloop step=b ms=1", "##perfloop step=b ms=1 parent=p"]);
  assert.deepEqual(run.steps, [
    { name: "a", ms: 2, calls: 2, parent: "p" },
    { name: "b", ms: 2, calls: 2, parent: "p" },
  ]);
  assert.deepEqual(run.parent_conflicts, ["a"]);
});

const runOf = (lines: string[]): RunStepMarkers => collectStepMarkers(lines);

test("across runs: median per step, a tree by parent, shares of the median wall time", () => {
  const runs = [
    runOf(["##perfloop step=main ms=90", "##perfloop step=parse ms=60 parent=main", "##perfloop step=io ms=20 parent=main", "##perfloop step=tok ms=30 parent=parse"]),
    runOf(["##perfloop step=main ms=100", "##perfloop step=parse ms=70 parent=main", "##perfloop step=io ms=25 parent=main", "##perfloop step=tok ms=40 parent=parse"]),
    runOf(["##perfloop step=main ms=110", "##perfloop step=parse ms=80 parent=main", "##perfloop step=io ms=21 parent=main", "##perfloop step=tok ms=35 parent=parse"]),
  ];
  const summary = aggregateStepMarkers(runs, 200);
  assert.equal(summary.runs, 3);
  assert.equal(summary.runs_with_markers, 3);
  assert.equal(summary.step_count, 4);
  assert.equal(summary.malformed_lines, 0);
  assert.deepEqual(summary.warnings, []);
  assert.equal(summary.steps.length, 1);
  const main = summary.steps[0]!;
  assert.deepEqual(
    { id: main.id, function: main.function, ms: main.wall_time_ms, share: main.time_share_pct, type: main.type, calls: main.calls, parent: main.parent },
    { id: "main", function: "main", ms: 100, share: 50, type: "step_marker", calls: 1, parent: undefined },
  );
  assert.deepEqual(main.children?.map((step) => [step.id, step.wall_time_ms, step.time_share_pct, step.parent]), [
    ["parse", 70, 35, "main"],
    ["io", 21, 10.5, "main"],
  ]);
  const tok = main.children?.[0]?.children?.[0];
  assert.deepEqual([tok?.id, tok?.wall_time_ms, tok?.parent], ["tok", 35, "parse"]);
  assert.deepEqual(flattenSteps(summary.steps).map((step) => step.id), ["main", "parse", "tok", "io"]);
});

test("across runs: a step seen in some runs takes the median of those runs; calls are medians", () => {
  const runs = [
    runOf(["##perfloop step=a ms=10 calls=2", "##perfloop step=cache-miss ms=50"]),
    runOf(["##perfloop step=a ms=20 calls=4"]),
    runOf(["##perfloop step=a ms=30 calls=6", "##perfloop step=cache-miss ms=70"]),
    runOf(["no markers at all"]),
  ];
  const summary = aggregateStepMarkers(runs, 100);
  assert.equal(summary.runs_with_markers, 3);
  const byId = new Map(summary.steps.map((step) => [step.id, step]));
  assert.equal(byId.get("a")?.wall_time_ms, 20);
  assert.equal(byId.get("a")?.calls, 4);
  assert.equal(byId.get("cache-miss")?.wall_time_ms, 60);
});

test("across runs: malformed lines are totalled, with examples, as a warning", () => {
  const runs = [runOf(["##perfloop step=a ms=1", "##perfloop bad"]), runOf(["##perfloop step=a ms=1", "##perfloop ms=1", "##perfloop step=z"])];
  const summary = aggregateStepMarkers(runs, 10);
  assert.equal(summary.malformed_lines, 3);
  assert.equal(summary.malformed_examples.length, 3);
  assert.match(summary.warnings.join("\n"), /3 malformed step marker line\(s\) ignored/);
});

test("a missing parent, a cycle and overlapping steps are shown at the top with warnings", () => {
  const summary = aggregateStepMarkers(
    [runOf(["##perfloop step=orphan ms=5 parent=ghost", "##perfloop step=x ms=60 parent=y", "##perfloop step=y ms=60 parent=x"])],
    100,
  );
  assert.deepEqual(summary.steps.map((step) => step.id), ["orphan", "y"]);
  assert.equal(summary.steps[0]?.parent, "ghost", "an orphan keeps the parent it named");
  assert.equal(summary.steps[1]?.parent, undefined, "the link that closed the cycle is dropped");
  assert.deepEqual(summary.steps[1]?.children?.map((step) => step.id), ["x"]);
  const warnings = summary.warnings.join("\n");
  assert.match(warnings, /orphan: parent ghost never reported/);
  assert.match(warnings, /step y: parent x would make a cycle/);
  const overlap = aggregateStepMarkers([runOf(["##perfloop step=a ms=80", "##perfloop step=b ms=80"])], 100);
  assert.match(overlap.warnings.join("\n"), /add up to 160\.0%/);
});

test("no wall time: no shares; no runs: no steps", () => {
  const summary = aggregateStepMarkers([runOf(["##perfloop step=a ms=3"])], null);
  assert.equal(summary.steps[0]?.time_share_pct, undefined);
  assert.deepEqual(aggregateStepMarkers([], 10), {
    steps: [],
    step_count: 0,
    runs: 0,
    runs_with_markers: 0,
    malformed_lines: 0,
    malformed_examples: [],
    warnings: [],
  });
});

test("the aggregate is plain JSON (no shared node serialised twice)", () => {
  const summary = aggregateStepMarkers([runOf(["##perfloop step=a ms=3", "##perfloop step=b ms=1 parent=a"])], 10);
  const json = JSON.parse(JSON.stringify(summary));
  assert.equal(json.steps.length, 1);
  assert.equal(json.steps[0].children[0].id, "b");
});
