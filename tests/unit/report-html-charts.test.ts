// report.html's pure parts: scales and ticks, the SVG charts (what they draw, where), the
// per-round ratios the executor keeps, and the strike and bisection tree of a cycle.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { comparisonOf, evenIndices, roundRatios, ROUND_RATIO_CAP } from "../../src/execute/comparisons.ts";
import type { LogRow } from "../../src/execute/experiment-log.ts";
import type { AbCompared } from "../../src/profile/ab-sampler.ts";
import { beforeAfterChart, fitText, jitter, shareBars, stripPlot, treeChart } from "../../src/report/html/charts.ts";
import { linearScale, logScale, niceMax, niceTicks, ratioDomain, ratioTicks, tickStep } from "../../src/report/html/scales.ts";
import { cycleTree, stepLabel } from "../../src/report/html/steps.ts";
import { htmlStructure } from "../helpers/html-structure.ts";
import { comparison, cycle, report } from "./report-html-fixture.ts";

/** Every `name="number"` attribute of each element `tag` in the markup, in order. */
function shapes(svg: string, tag: string): Record<string, string>[] {
  return [...svg.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, "g"))].map((m) => Object.fromEntries([...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])));
}

/** An SVG fragment as a page, for the structure check. */
const page = (svg: string) => `<!doctype html>\n<html><body>${svg}</body></html>`;

describe("scales and ticks", () => {
  const steps: [number, number, number, number][] = [
    [0, 30, 4, 10],
    [0, 1, 5, 0.2],
    [0, 100, 4, 20],
    [0.9, 1.1, 4, 0.05],
    [0, 7, 4, 2],
    [0, 0, 4, 0],
  ];
  for (const [lo, hi, count, step] of steps) test(`tickStep(${lo}, ${hi}, ${count}) = ${step}`, () => assert.equal(tickStep(lo, hi, count), step));

  test("niceTicks: steps of 1, 2 or 5 times a power of ten, rounded", () => {
    assert.deepEqual(niceTicks(0, 30, 4), [0, 10, 20, 30]);
    assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(0.9, 1.1, 4), [0.9, 0.95, 1, 1.05, 1.1]);
    assert.deepEqual(niceTicks(3, 3), [3]);
  });

  test("niceMax rounds the largest value up to a tick", () => {
    assert.equal(niceMax(26.2), 30);
    assert.equal(niceMax(401), 500);
    assert.equal(niceMax(0), 1);
    assert.equal(niceMax(Number.NaN), 1);
  });

  test("a log scale puts 0.5 and 2 at the same distance from 1", () => {
    const x = logScale(0.25, 4, 0, 400);
    assert.equal(x(1), 200);
    assert.ok(Math.abs(x(1) - x(0.5) - (x(2) - x(1))) < 1e-9);
    assert.equal(linearScale(0, 10, 0, 100)(2.5), 25);
    assert.equal(linearScale(5, 5, 0, 100)(5), 50, "a domain of one point maps to the middle");
  });

  test("ratio ticks: 1-2-5 over a wide domain, linear over a narrow one, 1 always inside", () => {
    assert.deepEqual(ratioTicks(0.02, 1.1), [0.02, 0.05, 0.1, 0.2, 0.5, 1]);
    assert.deepEqual(ratioTicks(0.9, 1.1), [0.9, 0.95, 1, 1.05, 1.1]);
    assert.ok(ratioTicks(0.97, 1.04).includes(1));
    const [lo, hi] = ratioDomain([0.5, 0.6]);
    assert.ok(lo < 0.5 && hi > 1, `${lo} ${hi}`);
    assert.deepEqual(ratioDomain([]).map((v) => Number(v.toFixed(3))), [0.994, 1.006]);
  });

  test("fitText cuts with an ellipsis and flattens whitespace", () => {
    assert.equal(fitText("short", 480), "short");
    assert.equal(fitText("a\n\tb", 480), "a b");
    const cut = fitText("x".repeat(100), 72);
    assert.equal(cut, `${"x".repeat(9)}…`);
  });

  test("jitter is deterministic and inside [-1, 1]", () => {
    const values = Array.from({ length: 50 }, (_, i) => jitter(i));
    assert.deepEqual(values, Array.from({ length: 50 }, (_, i) => jitter(i)));
    assert.ok(values.every((v) => v >= -1 && v <= 1));
    assert.ok(new Set(values.map((v) => v.toFixed(3))).size === 50);
  });
});

describe("per-round ratios", () => {
  const run = (wall: number, warmup = false) => ({ wall_ms: wall, cpu_ms: wall / 2, memory_peak_mb: 10, warmup, leftover_processes: 0 });
  const compared = (a: number[], b: number[], metric = "wall_time_ms") =>
    ({ status: "ok", metric, samples_a: [run(999, true), ...a.map((w) => run(w))], samples_b: [run(1, true), ...b.map((w) => run(w))], rounds: a.length, min_effect: 0.02, verdict: { p_value: 0.01 } }) as unknown as AbCompared;

  test("B / A per round, warm-ups left out, on the judged metric", () => {
    assert.deepEqual(roundRatios(compared([100, 200, 50], [50, 100, 50])), [0.5, 0.5, 1]);
    assert.deepEqual(roundRatios(compared([100, 200], [50, 300], "cpu_time_ms")), [0.5, 1.5]);
  });

  test("rounded to 5 significant digits, at most the cap, spread evenly", () => {
    assert.deepEqual(roundRatios(compared([3], [1])), [0.33333]);
    const a = Array.from({ length: 500 }, () => 100);
    const b = Array.from({ length: 500 }, (_, i) => i + 1);
    const kept = roundRatios(compared(a, b));
    assert.equal(kept.length, ROUND_RATIO_CAP);
    assert.equal(kept[0], 0.01);
    assert.equal(kept.at(-1), 5);
    assert.deepEqual(evenIndices(10, 4), [0, 3, 6, 9]);
    assert.deepEqual(evenIndices(3, 200), [0, 1, 2]);
    assert.deepEqual(evenIndices(5, 1), [0]);
  });

  test("a log row's comparison: contested and rebased ones name what they were measured on top of", () => {
    const row = (phase: LogRow["phase"], hypotheses: string[]): LogRow => ({ timestamp: "t", phase, hypotheses, baseline_ms: 1, result_ms: 1, improvement_pct: 0, status: "applied", commit: null, files: [], e2e_status: "skipped", ratio: 0.5, ratio_ci: [0.4, 0.6], rounds: 1, outcome: "faster" });
    const result = compared([100], [50]);
    assert.deepEqual(comparisonOf(row("contested", ["H1", "H4"]), result).against, ["H1"]);
    assert.deepEqual(comparisonOf(row("rebased", ["H7"]), result).against, []);
    assert.deepEqual(comparisonOf(row("strike", ["H1", "H2"]), result).against, []);
    const c = comparisonOf(row("strike", ["H1"]), result);
    assert.equal(c.min_effect, 0.02);
    assert.equal(c.p_value, 0.01);
    assert.deepEqual(c.round_ratios, [0.5]);
    assert.deepEqual(comparisonOf({ ...row("bisect", ["H3"]), ratio: null, ratio_ci: null, rounds: null, outcome: "breaks the tests" }, null).round_ratios, []);
  });
});

describe("the SVG charts", () => {
  test("before and after: bars proportional to the values from one axis at 0, the interval a whisker", () => {
    const svg = beforeAfterChart(
      [
        { label: "Cycle 1", before: 400, after: 200, interval: [190, 210], tone: "good" },
        { label: "Cycle 2", before: 200, after: null, interval: null, note: "nothing kept", tone: "neutral" },
      ],
      { id: "c", title: "wall time", format: (v) => `${v} ms`, caption: "wall time" },
    ).text;
    assert.deepEqual(htmlStructure(page(svg)).problems, []);
    const bars = shapes(svg, "rect").filter((r) => r.class?.startsWith("bar"));
    assert.deepEqual(bars.map((b) => b.class), ["bar before", "bar after tone-good", "bar before"]);
    const [b1, a1, b2] = bars.map((b) => Number(b.width));
    assert.ok(Math.abs(a1! / b1! - 0.5) < 0.01, `${a1} / ${b1}`);
    assert.ok(Math.abs(b2! / b1! - 0.5) < 0.01);
    assert.equal(shapes(svg, "line").filter((l) => l.class === "whisker").length, 3, "one interval: a line and two caps");
    assert.match(svg, /nothing kept/);
    assert.match(svg, /<title id="c-title">wall time<\/title>/);
    assert.match(svg, /role="img"/);
    assert.match(svg, />0<\/text>/, "the axis starts at 0");
  });

  test("strip plot: a dot per round, the minimum-effect band around 1, the median and its interval", () => {
    const svg = stripPlot([{ label: "strike H1", ratios: [0.5, 0.52, 0.48, 0.5], ratio: 0.5, interval: [0.48, 0.52], minEffect: 0.05, tone: "good" }], { id: "s", title: "rounds" }).text;
    assert.deepEqual(htmlStructure(page(svg)).problems, []);
    const dots = shapes(svg, "circle");
    assert.equal(dots.length, 4);
    const one = shapes(svg, "line").find((l) => l.class === "one")!;
    const band = shapes(svg, "rect").find((r) => r.class === "band")!;
    const x1 = Number(one.x1);
    assert.ok(Number(band.x) < x1 && Number(band.x) + Number(band.width) > x1, "the band holds 1");
    assert.ok(dots.every((d) => Number(d.cx) < Number(band.x)), "faster rounds left of the band");
    const median = shapes(svg, "line").find((l) => l.class?.startsWith("median"))!;
    assert.ok(Math.abs(Number(median.x1) - Number(dots[0]!.cx)) < 0.01, "the median at 0.5");
    assert.ok(shapes(svg, "rect").some((r) => r.class === "ci tone-good"));
  });

  test("strip plot of a comparison that measured nothing says so", () => {
    const svg = stripPlot([{ label: "bisect H3", ratios: [], ratio: null, interval: null, minEffect: null, tone: "bad" }], { id: "s", title: "rounds" }).text;
    assert.match(svg, /not measured/);
    assert.equal(shapes(svg, "circle").length, 0);
  });

  test("tree: a marker per node, an edge per child, indented by depth", () => {
    const svg = treeChart(
      [
        { depth: 0, parent: null, label: "planned H1, H2", detail: "cycle 1", tone: "neutral" },
        { depth: 1, parent: 0, label: "strike H1, H2", detail: "faster", tone: "good" },
        { depth: 2, parent: 1, label: "bisect H2", detail: "no difference", tone: "bad" },
      ],
      { id: "t", title: "steps" },
    ).text;
    assert.deepEqual(htmlStructure(page(svg)).problems, []);
    const nodes = shapes(svg, "circle");
    assert.equal(nodes.length, 3);
    assert.equal(shapes(svg, "path").length, 2);
    assert.ok(Number(nodes[0]!.cx) < Number(nodes[1]!.cx) && Number(nodes[1]!.cx) < Number(nodes[2]!.cx));
    assert.deepEqual(nodes.map((n) => n.class), ["node tone-neutral", "node tone-good", "node tone-bad"]);
  });

  test("share bars: self solid, total outlined, proportional", () => {
    const svg = shareBars([{ label: "f", sublabel: "a.ts:1", value: 50, outline: 100 }, { label: "g", value: 25 }], { id: "p", title: "top", caption: "share", legend: ["self", "total"] }).text;
    assert.deepEqual(htmlStructure(page(svg)).problems, []);
    const solid = shapes(svg, "rect").filter((r) => r.class === "bar share").slice(1).map((r) => Number(r.width));
    const outline = shapes(svg, "rect").filter((r) => r.class === "bar outline").slice(1).map((r) => Number(r.width));
    assert.ok(Math.abs(solid[0]! / solid[1]! - 2) < 0.01);
    assert.ok(Math.abs(outline[0]! / solid[0]! - 2) < 0.01);
    assert.match(svg, />50\.0%</);
  });
});

describe("a cycle's strike and bisection tree", () => {
  test("each step under the latest step whose set holds its own; unmeasured removals hang from the root", () => {
    const nodes = cycleTree(report().cycles[0]!);
    const rows = nodes.map((n) => `${"  ".repeat(n.depth)}${n.label} <${n.parent ?? "-"}> ${n.tone}`);
    assert.deepEqual(rows, [
      "planned H1, H2, H3, H4, H9 <-> neutral",
      "  bisect H3 <0> bad",
      "  strike H1, H2 <0> bad",
      "    bisect H1 <2> good",
      "    bisect H2 <2> bad",
      "  contested H4 on top of H1 <0> neutral",
      "  final H1 <0> good",
      "  removed H9 <0> bad",
    ]);
    assert.match(nodes[1]!.detail, /^breaks the tests; removed$/);
    assert.match(nodes[3]!.detail, /^faster: ratio 0\.500 \(95% CI 0\.480-0\.520\), 6 rounds; applied$/);
    assert.match(nodes.at(-1)!.detail, /does not apply to the base/);
    assert.equal(nodes[3]!.brief, "faster, ratio 0.500; applied", "the chart's shorter line");
    const svg = treeChart(nodes, { id: "t", title: "steps" }).text;
    assert.match(svg, /<tspan class="strong">bisect H1<\/tspan><tspan class="muted"> faster, ratio 0\.500; applied<\/tspan>/);
    assert.match(svg, /<title>bisect H1: faster: ratio 0\.500 \(95% CI 0\.480-0\.520\), 6 rounds; applied<\/title>/, "the full detail as the tooltip");
  });

  test("a report without comparisons (older): the root, what was kept and what was removed", () => {
    const old = cycle({ cycle: 1, planned: ["H1", "H2"], kept: [{ id: "H1", description: "d", origin: null }], removed: [{ id: "H2", reason: "breaks the tests", origin: null }] });
    assert.deepEqual(cycleTree(old).map((n) => [n.depth, n.label, n.tone]), [
      [0, "planned H1, H2", "neutral"],
      [1, "kept H1", "good"],
      [1, "removed H2", "bad"],
    ]);
  });

  test("step labels", () => {
    assert.equal(stepLabel(comparison({ phase: "strike", hypotheses: ["H1", "H2"], status: "applied" })), "strike H1, H2");
    assert.equal(stepLabel(comparison({ phase: "rebased", hypotheses: ["H1", "H7"], against: ["H1"], status: "applied" })), "rebased H7 on top of H1");
  });
});
