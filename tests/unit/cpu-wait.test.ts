// Waiting for a CPU: the platform's estimators (src/platform/cpu-wait.ts) and the map's correction
// (src/profile/perf-map-cpu-wait.ts, perf-map-classify.ts) on synthetic measurements. The same
// CPU-bound command measured on an idle host and beside two busy loops on two CPUs must get the
// same class; the busy host is said in the detail, and never read as time spent elsewhere.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadWaitMs, stealWaitMs, treeWaitMs } from "../../src/platform/cpu-wait.ts";
import { buildPerformanceMap, classify } from "../../src/profile/perf-map.ts";
import { cappedWait, cpuWaitFacts, HOST_BUSY_WAIT_PCT, runsCpuWait, type RunWait } from "../../src/profile/perf-map-cpu-wait.ts";
import type { Baseline, TargetSpec } from "../../src/profile/types.ts";

const COMMAND: TargetSpec = { kind: "command", command: "python3 crunch.py" };

function baseline(wall: number, cpu: number | null, wait: number | null | undefined): Baseline {
  const b: Baseline = { wall_time_ms: wall, cpu_time_ms: cpu, memory_peak_mb: 20, io_read_bytes: 0, io_write_bytes: 0, http_round_trips: null };
  if (wait !== undefined) b.cpu_wait_ms = wait;
  return b;
}

test("estimators: fair share of the run queue, steal, and the tree's wait scaled to the CPU time not seen", () => {
  // 3 runnable tasks on 2 CPUs: each waits a third of the time, so 600 ms of CPU took 900 ms: 300 ms waiting.
  assert.equal(Math.round(loadWaitMs(600, 3, 2)), 300);
  assert.equal(loadWaitMs(600, 2, 2), 0, "no more runnable tasks than CPUs: no wait");
  assert.equal(loadWaitMs(600, 1.5, 2), 0);
  // The wait fraction is capped at 0.9: 1000 tasks on 2 CPUs read as 9x the CPU time, not 499x.
  assert.equal(Math.round(loadWaitMs(100, 1000, 2)), 900);
  // 20% of the host's CPU time stolen: 800 ms of CPU lost 200 ms.
  assert.equal(Math.round(stealWaitMs(800, 0.2)), 200);
  assert.equal(stealWaitMs(800, 0), 0);
  // The polls saw 90 ms of waiting over 300 ms of the tree's 400 ms of CPU time (short-lived
  // processes and the tail were not seen): 120 ms, the unseen part waiting at the same rate.
  assert.equal(treeWaitMs(90, 300, 400), 120);
  assert.equal(treeWaitMs(90, 400, 400), 90);
  assert.equal(treeWaitMs(90, 450, 400), 90, "more seen than reaped (a process left running): not scaled down");
  assert.equal(treeWaitMs(0, 0, 400), 0, "nothing seen on a CPU: nothing to scale by");
});

test("the wait taken out is capped at wall - CPU, so the correction never invents CPU time", () => {
  assert.equal(cappedWait(1000, 600, 300), 300);
  assert.equal(cappedWait(1000, 600, 700), 400, "at most wall - cpu");
  assert.equal(cappedWait(1000, 1500, 300), 0, "a parallel command (cpu > wall) is left as it is");
  assert.equal(cappedWait(1000, 600, -5), 0);
});

test("per-run waits: the median of the capped waits; unknown when a run lacks one", () => {
  const run = (wall: number, cpu: number, wait: number | null, source: RunWait["cpu_wait_source"] = "schedstat"): RunWait => ({ wall_ms: wall, cpu_ms: cpu, cpu_wait_ms: wait, cpu_wait_source: wait === null ? null : source });
  assert.deepEqual(runsCpuWait([run(1000, 950, 10), run(1500, 950, 540), run(1200, 950, 900)]), { ms: 250, source: "schedstat" });
  assert.deepEqual(runsCpuWait([run(1000, 950, 10), run(1000, 950, 20, "loadavg")]), { ms: 15, source: "mixed" });
  assert.deepEqual(runsCpuWait([run(1000, 950, 10), run(1000, 950, null)]), { ms: null, source: null });
  assert.deepEqual(runsCpuWait([]), { ms: null, source: null });
});

test("a CPU-bound command gets the same class on an idle host and on a busy one", () => {
  type Case = [string, Baseline];
  const cases: Case[] = [
    // Alone: 950 ms of CPU in 1000 ms.
    ["idle host", baseline(1000, 950, 5)],
    // Beside two busy loops on two CPUs: a third of the time runnable but not running.
    ["two hogs on two CPUs", baseline(1450, 950, 480)],
    // Heavier: four hogs; the CPU is now 40% of the raw wall time (R8 "Unknown" before the correction).
    ["four hogs", baseline(2400, 950, 1420)],
    // A run queue estimate (the shortest runs) and the mixed case read the same way.
    ["estimated from the run queue", baseline(1450, 950, 470)],
  ];
  for (const [name, b] of cases) {
    const result = classify({ target: COMMAND, baseline: b, steps: [], cpuProfile: null, cpuWaitSource: name.includes("run queue") ? "loadavg" : "schedstat" });
    assert.equal(result.classification, "CPU", `${name}: ${result.detail}`);
    assert.equal(result.rule, "R6", name);
    assert.ok((result.evidence.cpu_ratio ?? 0) >= 0.9, `${name}: ratio ${result.evidence.cpu_ratio}`);
    assert.doesNotMatch(result.detail, /unexplained/i, name);
  }
  // Without the correction, the busy runs would not be CPU: what the bug report saw.
  const uncorrected = classify({ target: COMMAND, baseline: baseline(2400, 950, undefined), steps: [], cpuProfile: null });
  assert.equal(uncorrected.classification, "Unknown", uncorrected.detail);
  const idle = classify({ target: COMMAND, baseline: baseline(1000, 950, 5), steps: [], cpuProfile: null });
  assert.doesNotMatch(idle.detail, /busy/, "a quiet host is not mentioned");
});

test("the busy host is said in the detail with its share of the wall time, and the evidence keeps both ratios", () => {
  const result = classify({ target: COMMAND, baseline: baseline(1000, 600, 380), steps: [], cpuProfile: null, cpuWaitSource: "schedstat" });
  assert.equal(result.classification, "CPU");
  assert.match(result.detail, /CPU time is 96\.8% of the wall time net of waiting for a CPU \(60% of the raw wall time\)/);
  assert.match(result.detail, /the host was busy: 38% of the wall time was spent waiting for a CPU \(measured from the process tree's \/proc schedstat\)/);
  assert.deepEqual(
    { ratio: result.evidence.cpu_ratio, raw: result.evidence.cpu_ratio_raw, ms: result.evidence.cpu_wait_ms, pct: result.evidence.cpu_wait_pct, source: result.evidence.cpu_wait_source },
    { ratio: 0.968, raw: 0.6, ms: 380, pct: 38, source: "schedstat" },
  );
  // A command that sleeps is not made CPU-bound by a busy host: its wait is small against its sleep.
  const sleeper = classify({ target: COMMAND, baseline: baseline(1100, 100, 60), steps: [], cpuProfile: null, cpuWaitSource: "schedstat" });
  assert.equal(sleeper.classification, "External", sleeper.detail);
  assert.match(sleeper.detail, /the host was busy: 5\.5%/);
});

test("below the threshold nothing is said; without /proc the map says so and classifies as before", () => {
  const quiet = cpuWaitFacts(baseline(1000, 900, (HOST_BUSY_WAIT_PCT / 100) * 1000 - 1), "schedstat");
  assert.equal(quiet.note, null);
  const noProc = classify({ target: COMMAND, baseline: baseline(1000, 500, null), steps: [], cpuProfile: null });
  assert.equal(noProc.classification, "Unknown", "classified on the raw ratio, as before");
  assert.equal(noProc.evidence.cpu_wait_ms, null);
  assert.match(noProc.detail, /the time spent waiting for a CPU is not measured here \(no \/proc, e\.g\. macOS\)/);
  // Function and endpoint targets carry no wait at all: no note.
  const fn = classify({ target: { kind: "function", file: "a.ts", export_name: "f", args: [] }, baseline: baseline(1000, null, undefined), steps: [], cpuProfile: null });
  assert.doesNotMatch(fn.detail, /waiting for a CPU/);
});

test("the payload carries the correction: buildPerformanceMap passes the source through", () => {
  const map = buildPerformanceMap({ target: COMMAND, baseline: baseline(1500, 950, 500), cpuWaitSource: "loadavg", testCommand: null });
  assert.equal(map.bottleneck_classification, "CPU");
  assert.equal(map.classification_evidence.cpu_wait_source, "loadavg");
  assert.match(map.bottleneck_detail, /estimated from the host's run queue/);
  assert.equal(map.performance_map.baseline.cpu_wait_ms, 500);
});
