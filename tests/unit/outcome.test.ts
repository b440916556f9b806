// The arithmetic of a run's outcome (docs/run.md, "Cycles and stopping"): the change of one
// metric, cycles chained by ratio, the target's status, the stop rule and the final result.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { targetFigureOf } from "../../src/model/metrics.ts";
import { parseMetric } from "../../src/model/metric-spec.ts";
import {
  change,
  chainedChanges,
  chainedRatio,
  type CycleChange,
  decideStop,
  finalResult,
  type MetricChange,
  type StopInput,
  targetStatus,
} from "../../src/coordinator/outcome.ts";

const EPS = 1e-9;
const close = (actual: number | null, expected: number | null, what: string) => {
  if (expected === null) return assert.equal(actual, null, what);
  assert.ok(actual !== null && Math.abs(actual - expected) < EPS, `${what}: ${actual} != ${expected}`);
};

function cycle(ratio: number | null, baseline: Record<string, number | null>, final: Record<string, number | null>, kept = true): CycleChange {
  return { ratio, baseline, final, kept };
}

describe("change", () => {
  const cases: { metric: string; before: number | null; after: number | null; pct: number | null; mult: number | null }[] = [
    { metric: "wall_time_ms", before: 1000, after: 500, pct: 50, mult: 2 },
    { metric: "wall_time_ms", before: 1000, after: 1250, pct: -25, mult: 0.8 },
    { metric: "memory_peak_mb", before: 200, after: 150, pct: 25, mult: 4 / 3 },
    { metric: "wall_time_ms", before: 1000, after: 1000, pct: 0, mult: 1 },
    { metric: "throughput_rps", before: 1000, after: 1500, pct: 50, mult: 1.5 },
    { metric: "throughput_rps", before: 1000, after: 800, pct: -20, mult: 0.8 },
    { metric: "wall_time_ms", before: null, after: 500, pct: null, mult: null },
    { metric: "wall_time_ms", before: 1000, after: null, pct: null, mult: null },
    { metric: "io_read_bytes", before: 0, after: 4096, pct: null, mult: null },
    { metric: "wall_time_ms", before: 1000, after: 0, pct: null, mult: null },
    { metric: "throughput_rps", before: 0, after: 900, pct: null, mult: null },
  ];
  for (const c of cases) {
    test(`${c.metric} ${c.before} -> ${c.after}: ${c.pct}%, x${c.mult}`, () => {
      const got = change(c.metric, c.before, c.after);
      assert.equal(got.metric, c.metric);
      assert.equal(got.before, c.before);
      assert.equal(got.after, c.after);
      close(got.improvement_pct, c.pct, "improvement_pct");
      close(got.multiplier, c.mult, "multiplier");
    });
  }
});

describe("chainedRatio", () => {
  const cases: { name: string; cycles: CycleChange[]; ratio: number }[] = [
    { name: "no cycles", cycles: [], ratio: 1 },
    { name: "one kept cycle", cycles: [cycle(0.8, {}, {})], ratio: 0.8 },
    { name: "two kept cycles multiply", cycles: [cycle(0.8, {}, {}), cycle(0.5, {}, {})], ratio: 0.4 },
    { name: "a cycle that kept nothing is left out", cycles: [cycle(0.8, {}, {}), cycle(0.5, {}, {}, false)], ratio: 0.8 },
    { name: "a kept cycle without a ratio is left out", cycles: [cycle(null, {}, {}), cycle(0.9, {}, {})], ratio: 0.9 },
    { name: "nothing kept", cycles: [cycle(0.5, {}, {}, false)], ratio: 1 },
  ];
  for (const c of cases) test(c.name, () => close(chainedRatio(c.cycles), c.ratio, "ratio"));
});

describe("chainedChanges", () => {
  const byMetric = (changes: MetricChange[]) => Object.fromEntries(changes.map((c) => [c.metric, c]));

  test("wall time uses the cycle ratio, other metrics the ratio of medians", () => {
    const first = { wall_time_ms: 1000, memory_peak_mb: 100 };
    const cycles = [
      // The medians say 0.5 for wall time, but the verdict ratio (0.8) is what counts.
      cycle(0.8, { wall_time_ms: 1000, memory_peak_mb: 100 }, { wall_time_ms: 500, memory_peak_mb: 80 }),
      cycle(0.5, { wall_time_ms: 820, memory_peak_mb: 90 }, { wall_time_ms: 400, memory_peak_mb: 45 }),
    ];
    const got = byMetric(chainedChanges(first, cycles));
    assert.deepEqual(Object.keys(got), ["wall_time_ms", "memory_peak_mb"]);
    close(got.wall_time_ms!.after, 400, "wall after");
    close(got.wall_time_ms!.improvement_pct, 60, "wall pct");
    close(got.wall_time_ms!.multiplier, 2.5, "wall multiplier");
    close(got.memory_peak_mb!.after, 40, "memory after"); // 100 * 0.8 * 0.5
    close(got.memory_peak_mb!.improvement_pct, 60, "memory pct");
  });

  test("a peak-memory target: peak memory uses the cycle ratio, wall time the ratio of medians", () => {
    const first = { wall_time_ms: 1000, memory_peak_mb: 100 };
    const cycles = [cycle(0.3, { wall_time_ms: 1000, memory_peak_mb: 100 }, { wall_time_ms: 1100, memory_peak_mb: 25 })];
    const got = byMetric(chainedChanges(first, cycles, "memory_peak_mb"));
    close(got.memory_peak_mb!.after, 30, "memory after");
    close(got.memory_peak_mb!.improvement_pct, 70, "memory pct");
    close(got.wall_time_ms!.after, 1100, "wall after");
  });

  test("wall time without a verdict ratio falls back to the ratio of medians", () => {
    const got = chainedChanges({ wall_time_ms: 1000 }, [cycle(null, { wall_time_ms: 900 }, { wall_time_ms: 450 })]);
    close(got[0]!.after, 500, "after");
  });

  test("throughput chains and is better higher", () => {
    const got = chainedChanges({ throughput_rps: 1000 }, [cycle(0.9, { throughput_rps: 1000 }, { throughput_rps: 1200 }), cycle(0.9, { throughput_rps: 1100 }, { throughput_rps: 1375 })]);
    close(got[0]!.after, 1500, "after"); // 1000 * 1.2 * 1.25
    close(got[0]!.improvement_pct, 50, "pct");
    close(got[0]!.multiplier, 1.5, "multiplier");
  });

  test("a metric at zero carries the absolute change", () => {
    const got = byMetric(chainedChanges({ io_write_bytes: 0, io_read_bytes: 100 }, [
      cycle(0.9, { io_write_bytes: 0, io_read_bytes: 0 }, { io_write_bytes: 4096, io_read_bytes: 50 }),
    ]));
    assert.equal(got.io_write_bytes!.after, 4096);
    assert.equal(got.io_write_bytes!.improvement_pct, null); // before is 0: no percentage
    assert.equal(got.io_read_bytes!.after, 150); // 100 + (50 - 0)
  });

  test("a cycle that kept nothing leaves every metric unchanged", () => {
    const got = byMetric(chainedChanges({ wall_time_ms: 1000, cpu_time_ms: 900 }, [
      cycle(0.5, { wall_time_ms: 1000, cpu_time_ms: 900 }, { wall_time_ms: 500, cpu_time_ms: 100 }, false),
      cycle(0.9, { wall_time_ms: 1000, cpu_time_ms: 900 }, { wall_time_ms: 900, cpu_time_ms: 810 }),
    ]));
    close(got.wall_time_ms!.after, 900, "wall");
    close(got.cpu_time_ms!.after, 810, "cpu");
  });

  test("no kept cycle: after equals before", () => {
    const got = chainedChanges({ wall_time_ms: 1000 }, [cycle(0.5, { wall_time_ms: 1000 }, { wall_time_ms: 500 }, false)]);
    assert.deepEqual(got, [{ metric: "wall_time_ms", before: 1000, after: 1000, improvement_pct: 0, multiplier: 1 }]);
  });

  test("a missing or null value in a kept cycle makes after null, and it stays null", () => {
    const got = byMetric(chainedChanges({ memory_peak_mb: 100, cpu_time_ms: 900 }, [
      cycle(0.9, { memory_peak_mb: null, cpu_time_ms: 900 }, { memory_peak_mb: 90 }),
      cycle(0.9, { memory_peak_mb: 90, cpu_time_ms: 800 }, { memory_peak_mb: 45, cpu_time_ms: 400 }),
    ]));
    assert.deepEqual(got.memory_peak_mb, { metric: "memory_peak_mb", before: 100, after: null, improvement_pct: null, multiplier: null });
    assert.equal(got.cpu_time_ms!.after, null);
  });

  test("a metric null in the first baseline is null before and after", () => {
    const got = chainedChanges({ http_round_trips: null }, [cycle(0.9, { http_round_trips: 3 }, { http_round_trips: 1 })]);
    assert.deepEqual(got, [{ metric: "http_round_trips", before: null, after: null, improvement_pct: null, multiplier: null }]);
  });
});

describe("targetStatus", () => {
  const changes = [change("wall_time_ms", 1000, 550), change("throughput_rps", 1000, 1400), change("memory_peak_mb", 100, null)];
  const cases: { text: string; met: boolean | null; before: number | null; after: number | null; wanted: number | null }[] = [
    { text: "600ms", met: true, before: 1000, after: 550, wanted: 600 },
    { text: "550ms", met: true, before: 1000, after: 550, wanted: 550 },
    { text: "500ms", met: false, before: 1000, after: 550, wanted: 500 },
    { text: "-40%", met: true, before: 1000, after: 550, wanted: 600 },
    { text: "-50%", met: false, before: 1000, after: 550, wanted: 500 },
    { text: "2x", met: false, before: 1000, after: 550, wanted: 500 },
    { text: "1300req/s", met: true, before: 1000, after: 1400, wanted: 1300 },
    { text: "1500req/s", met: false, before: 1000, after: 1400, wanted: 1500 },
    { text: "rps=+40%", met: true, before: 1000, after: 1400, wanted: 1400 },
    { text: "rps=1.5x", met: false, before: 1000, after: 1400, wanted: 1500 },
    // Not measured after: unknown; an absolute target still says what it wants.
    { text: "mem=64MB", met: null, before: 100, after: null, wanted: 64 },
    { text: "mem=-20%", met: null, before: 100, after: null, wanted: null },
    // Not measured at all.
    { text: "cpu=500ms", met: null, before: null, after: null, wanted: 500 },
    { text: "p95=-30%", met: null, before: null, after: null, wanted: null },
  ];
  for (const c of cases) {
    test(`${c.text} -> met ${c.met}`, () => {
      const got = targetStatus(parseMetric(c.text, { flag: "--target" }), changes);
      assert.equal(got.met, c.met);
      assert.equal(got.before, c.before);
      assert.equal(got.after, c.after);
      close(got.wanted, c.wanted, "wanted");
    });
  }
  test("no target", () => assert.deepEqual(targetStatus(null, changes), { met: null, before: null, after: null, wanted: null }));
});

describe("decideStop", () => {
  const base: StopInput = { mode: "execute", cycle: 1, maxCycles: 3, plateauPct: 5, cycleImprovementPct: 20, targetMet: false, moreHypotheses: true };
  const cases: { name: string; input: Partial<StopInput>; stop: string | null }[] = [
    { name: "nothing stops", input: {}, stop: null },
    { name: "plan only, before everything", input: { mode: "plan_only", targetMet: true, cycleImprovementPct: 0, cycle: 3, moreHypotheses: false }, stop: "PLAN_ONLY" },
    { name: "target met", input: { targetMet: true }, stop: "TARGET_MET" },
    { name: "target met beats plateau and max cycles", input: { targetMet: true, cycleImprovementPct: 0, cycle: 3, moreHypotheses: false }, stop: "TARGET_MET" },
    { name: "target unknown does not stop", input: { targetMet: null }, stop: null },
    { name: "plateau: under plateauPct", input: { cycleImprovementPct: 4.99 }, stop: "PLATEAU" },
    { name: "plateau: nothing kept (0%)", input: { cycleImprovementPct: 0 }, stop: "PLATEAU" },
    { name: "plateau: a slowdown", input: { cycleImprovementPct: -3 }, stop: "PLATEAU" },
    { name: "not plateau: exactly plateauPct", input: { cycleImprovementPct: 5 }, stop: null },
    { name: "plateau beats max cycles", input: { cycleImprovementPct: 1, cycle: 3, moreHypotheses: false }, stop: "PLATEAU" },
    { name: "max cycles reached", input: { cycle: 3 }, stop: "MAX_CYCLES" },
    { name: "max cycles passed", input: { cycle: 4 }, stop: "MAX_CYCLES" },
    { name: "max cycles beats no hypotheses", input: { cycle: 3, moreHypotheses: false }, stop: "MAX_CYCLES" },
    { name: "not max cycles: one before", input: { cycle: 2 }, stop: null },
    { name: "no more hypotheses", input: { moreHypotheses: false }, stop: "NO_HYPOTHESES" },
    { name: "more hypotheses unknown does not stop", input: { moreHypotheses: null }, stop: null },
  ];
  for (const c of cases) test(`${c.name} -> ${c.stop}`, () => assert.equal(decideStop({ ...base, ...c.input }), c.stop));
});

describe("finalResult", () => {
  type Input = Parameters<typeof finalResult>[0];
  const base: Input = { stop: "MAX_CYCLES", targetMet: false, anyKept: true, mode: "execute" };
  const cases: { name: string; input: Partial<Input>; result: string }[] = [
    { name: "plan only", input: { mode: "plan_only", stop: "PLAN_ONLY", anyKept: false }, result: "PLAN_READY" },
    { name: "plan only, even with the target met", input: { mode: "plan_only", stop: "PLAN_ONLY", targetMet: true }, result: "PLAN_READY" },
    { name: "plan only, blocked, nothing kept", input: { mode: "plan_only", stop: "WRONG_TOOL_BLOCK", anyKept: false, blockResult: "DIAGNOSTIC" }, result: "DIAGNOSTIC" },
    { name: "plan only, blocked as already optimized", input: { mode: "plan_only", stop: "WRONG_TOOL_BLOCK", anyKept: false, blockResult: "ALREADY_OPTIMIZED" }, result: "ALREADY_OPTIMIZED" },
    { name: "plan declined, nothing kept", input: { stop: "PLAN_DECLINED", anyKept: false }, result: "PLAN_DECLINED" },
    { name: "plan declined, nothing kept, before the target", input: { stop: "PLAN_DECLINED", anyKept: false, targetMet: true }, result: "PLAN_DECLINED" },
    { name: "plan declined after a kept cycle", input: { stop: "PLAN_DECLINED", anyKept: true }, result: "IMPROVED" },
    { name: "target met", input: { stop: "TARGET_MET", targetMet: true }, result: "TARGET_MET" },
    { name: "target met, then a block", input: { stop: "WRONG_TOOL_BLOCK", targetMet: true, blockResult: "STOPPED" }, result: "TARGET_MET" },
    { name: "block: already optimized", input: { stop: "WRONG_TOOL_BLOCK", blockResult: "ALREADY_OPTIMIZED" }, result: "ALREADY_OPTIMIZED" },
    { name: "block: already optimized, nothing kept", input: { stop: "WRONG_TOOL_BLOCK", blockResult: "ALREADY_OPTIMIZED", anyKept: false }, result: "ALREADY_OPTIMIZED" },
    { name: "block in cycle 1: diagnostic", input: { stop: "WRONG_TOOL_BLOCK", blockResult: "DIAGNOSTIC", anyKept: false }, result: "DIAGNOSTIC" },
    { name: "block without a block result, nothing kept", input: { stop: "WRONG_TOOL_BLOCK", anyKept: false, targetMet: null }, result: "DIAGNOSTIC" },
    { name: "block, stopped after a kept cycle", input: { stop: "WRONG_TOOL_BLOCK", blockResult: "STOPPED", anyKept: true }, result: "IMPROVED" },
    { name: "max cycles, kept something", input: {}, result: "IMPROVED" },
    { name: "plateau, kept nothing", input: { stop: "PLATEAU", anyKept: false }, result: "NO_IMPROVEMENT" },
    { name: "no hypotheses, kept nothing, target unknown", input: { stop: "NO_HYPOTHESES", anyKept: false, targetMet: null }, result: "NO_IMPROVEMENT" },
  ];
  for (const c of cases) test(`${c.name} -> ${c.result}`, () => assert.equal(finalResult({ ...base, ...c.input }), c.result));
});

describe("targetStatus for an endpoint's latency targets", () => {
  // A run's figures name an endpoint's latencies by their percentile (model/metrics.ts reportedMetricsOf).
  const changes = chainedChanges({ latency_p50_ms: 40, latency_p95_ms: 80, latency_p99_ms: 120, throughput_rps: 900 }, []);
  const key = (metric: string) => targetFigureOf(metric, "endpoint");
  const cases: [string, boolean, number, number][] = [
    ["p95=100ms", true, 80, 100],
    ["p50=30ms", false, 40, 30],
    ["p99=-10%", false, 120, 108],
    ["rps=800", true, 900, 800],
  ];
  for (const [text, met, before, wanted] of cases) {
    test(`${text}: met ${met}`, () => {
      const status = targetStatus(parseMetric(text, { flag: "--target", defaultTimeMetric: "latency_p50_ms" }), changes, key);
      assert.equal(status.met, met);
      assert.equal(status.before, before);
      assert.ok(Math.abs((status.wanted ?? NaN) - wanted) < 1e-9, String(status.wanted));
    });
  }
  test("a target on a metric the figures lack is not known", () => {
    assert.equal(targetStatus(parseMetric("500ms", { flag: "--target" }), changes).met, null);
  });
  test("a function's time target is its time per call, in the target's unit", () => {
    const fn = chainedChanges({ time_per_call_ns: 3_000_000 }, [{ ratio: 0.5, baseline: {}, final: {}, kept: true }], "time_per_call_ns");
    const status = targetStatus(parseMetric("2ms", { flag: "--target" }), fn, (metric) => targetFigureOf(metric, "function"));
    assert.deepEqual([status.met, status.before, status.after, status.wanted], [true, 3, 1.5, 2]);
  });
});
