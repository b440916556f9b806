// measureCommand against real commands, under Bun (`bun test`) and Deno (`deno test -A --no-check`).
// Every assertion holds on a slow or loaded machine: effects are large (sleeps of tens of ms, a
// 300 MiB allocation), counts are decided by the plan, never by speed.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, test } from "node:test";
import { INITIAL_RUNS } from "../../src/measure/index.ts";
import { detectPlatform } from "../../src/platform/index.ts";
import {
  type CommandMeasured,
  type MeasureCommandOptions,
  type MeasureCommandResult,
  type MeasureProgress,
  measureCommand,
} from "../../src/profile/command-target.ts";
import { flattenSteps } from "../../src/profile/step-markers.ts";

const platform = detectPlatform();
const scratch = mkdtempSync(join(tmpdir(), "perfloop-command-target-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The system python, not a version-manager shim that adds ~100 ms of its own. */
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const TIMEOUT_MS = 30_000;

function measure(command: string, options: Partial<MeasureCommandOptions> = {}): Promise<MeasureCommandResult> {
  return measureCommand(platform, { command, cwd: scratch, env: platform.env, timeoutMs: TIMEOUT_MS, ...options });
}

function ok(result: MeasureCommandResult): CommandMeasured {
  assert.equal(result.status, "ok", `expected a measurement, got ${JSON.stringify(result).slice(0, 2000)}`);
  return result as CommandMeasured;
}

test("runs under Bun or Deno", () => {
  assert.ok(platform.runtime === "bun" || platform.runtime === "deno", platform.runtime);
  const expected = process.env.PERFLOOP_EXPECT_RUNTIME;
  if (expected) assert.equal(platform.runtime, expected);
});

test("a fixed number of runs: every run measured, warm-up flagged, metrics over the rest", async () => {
  const result = ok(await measure("true", { runs: 5, warmupRuns: 2 }));
  assert.equal(result.samples.length, 7);
  assert.deepEqual(result.samples.map((sample) => sample.run), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(result.samples.map((sample) => sample.warmup), [true, true, false, false, false, false, false]);
  assert.equal(result.runs, 5);
  assert.equal(result.warmup_runs, 2);
  assert.deepEqual({ mode: result.plan.mode, stopped: result.plan.stopped_because, decisions: result.plan.decisions.length }, { mode: "fixed", stopped: "fixed", decisions: 0 });
  for (const sample of result.samples) {
    assert.equal(sample.exit_code, 0);
    assert.ok(sample.wall_ms > 0);
    assert.ok(sample.cpu_ms !== null && sample.cpu_ms >= 0, "CPU time is measured under both runtimes");
  }
  const wall = result.metrics.wall_time_ms!;
  assert.deepEqual([wall.name, wall.unit, wall.better, wall.n, wall.confidence], ["wall_time_ms", "ms", "lower", 5, 0.95]);
  assert.ok(wall.min <= wall.ci[0] && wall.ci[0] <= wall.median && wall.median <= wall.ci[1] && wall.ci[1] <= wall.max, JSON.stringify(wall));
  assert.equal(result.metrics.cpu_time_ms?.n, 5);
  // `true` takes about a millisecond; the warning names the start-up cost (unless the machine is crawling).
  if (wall.median < 5) assert.match(result.warnings.join("\n"), /under 5 ms: process start-up/);
  assert.deepEqual(result.steps, []);
});

test("adaptive: a steady command stops after the first runs", async () => {
  // A 50 ms sleep varies by well under 1% on a quiet machine and by a few % under load; with a
  // 25% goal the first decision says "enough" either way.
  const result = ok(await measure("sleep 0.05", { maxRuns: 30, minEffect: 0.25 }));
  assert.equal(result.plan.mode, "adaptive");
  assert.equal(result.plan.stopped_because, "enough", result.plan.reason);
  assert.equal(result.runs, INITIAL_RUNS);
  assert.equal(result.plan.decisions.length, 1);
  assert.ok((result.plan.decisions[0]?.relative_width ?? 1) <= 0.25);
  assert.ok(result.metrics.wall_time_ms!.median >= 50);
});

test("adaptive: a noisy command runs up to the cap and says so", async () => {
  // Sleeps of 10..90 ms picked by the shell's pid: the median is never known to 2%.
  const result = ok(await measure("sleep 0.0$(( $$ % 9 + 1 ))", { maxRuns: 20, initialRuns: 10, warmupRuns: 0 }));
  assert.equal(result.plan.stopped_because, "cap", result.plan.reason);
  assert.equal(result.runs, 20);
  assert.equal(result.samples.length, 20);
  assert.deepEqual(result.plan.decisions.map((decision) => [decision.n, decision.action]), [[10, "more"], [20, "cap"]]);
  assert.match(result.plan.reason, /at the cap of 20 runs/);
  assert.match(result.warnings.join("\n"), /noisy/);
});

test("warm-up runs are kept apart: a slow first run does not enter the metrics", async () => {
  const flag = join(scratch, "warm.flag");
  rmSync(flag, { force: true });
  // The first run is slow (a cold cache, say); later runs find the flag and return at once.
  const command = `if [ -f '${flag}' ]; then :; else touch '${flag}'; sleep 0.5; fi`;
  const result = ok(await measure(command, { runs: 4, warmupRuns: 1 }));
  assert.ok(result.samples[0]!.warmup && result.samples[0]!.wall_ms >= 500);
  assert.equal(result.metrics.wall_time_ms!.n, 4);
  assert.ok(result.metrics.wall_time_ms!.max < 400, JSON.stringify(result.metrics.wall_time_ms));
});

test("without warm-up, a slow first run is flagged as an outlier with the cold-cache reason", async () => {
  const flag = join(scratch, "cold.flag");
  rmSync(flag, { force: true });
  const command = `if [ -f '${flag}' ]; then sleep 0.02; else touch '${flag}'; sleep 0.6; fi`;
  const result = ok(await measure(command, { runs: 6, warmupRuns: 0 }));
  const outliers = result.metrics.wall_time_ms!.outliers;
  assert.equal(outliers[0]?.index, 0, JSON.stringify(outliers));
  assert.match(outliers[0]!.reason, /first run slower than the rest/);
});

test("a failing command: the run, the exit code and the stderr tail, no metrics", async () => {
  const counter = join(scratch, "count");
  rmSync(counter, { force: true });
  // Succeeds twice (warm-up and first measured run), then fails on run 3.
  const command = `echo x >> '${counter}'; if [ $(wc -l < '${counter}') -ge 3 ]; then echo noise; echo 'line one' >&2; echo 'fatal: disk on fire' >&2; exit 7; fi`;
  const result = await measure(command, { runs: 5, warmupRuns: 1 });
  assert.equal(result.status, "failed");
  if (result.status !== "failed") return;
  assert.equal(result.samples.length, 3);
  assert.equal(result.failure.run, 3);
  assert.equal(result.failure.warmup, false);
  assert.equal(result.failure.exit_code, 7);
  assert.equal(result.failure.timed_out, false);
  assert.equal(result.failure.stderr_tail, "line one\nfatal: disk on fire");
  assert.equal(result.failure.message, "command failed on run 3: exit 7, stderr tail: line one\nfatal: disk on fire");
  assert.equal("metrics" in result, false);
});

test("a failing warm-up run, a missing program and a timeout are failures too", async () => {
  const first = await measure("echo oops >&2; exit 1", { runs: 3 });
  assert.equal(first.status, "failed");
  if (first.status === "failed") {
    assert.equal(first.failure.run, 1);
    assert.equal(first.failure.warmup, true);
    assert.match(first.failure.message, /^command failed on run 1 \(a warm-up run\): exit 1, stderr tail: oops$/);
  }
  const missing = await measure("perfloop-no-such-program-xyz", { runs: 2, warmupRuns: 0 });
  assert.equal(missing.status, "failed");
  if (missing.status === "failed") {
    assert.equal(missing.failure.exit_code, 127);
    assert.match(missing.failure.stderr_tail, /not found/);
  }
  const nowhere = await measureCommand(platform, { command: "true", cwd: join(scratch, "no-such-dir"), env: platform.env, runs: 1 });
  assert.equal(nowhere.status, "failed");
  if (nowhere.status === "failed") assert.match(nowhere.failure.message, /could not start: working directory does not exist/);
  const slow = await measure("sleep 5", { runs: 2, warmupRuns: 0, timeoutMs: 300 });
  assert.equal(slow.status, "failed");
  if (slow.status === "failed") {
    assert.equal(slow.failure.timed_out, true);
    assert.match(slow.failure.message, /^command failed on run 1: timed out after 300 ms$/);
  }
});

test("step markers printed by a script become steps with medians, a tree and time shares", async () => {
  const script = join(scratch, "steps.sh");
  writeFileSync(
    script,
    [
      "sleep 0.03",
      "echo '##perfloop step=load ms=30'",
      "echo 'ordinary output'",
      "echo '##perfloop step=parse ms=12 parent=load calls=3' >&2",
      "echo '##perfloop step=parse ms=6 parent=load calls=1' >&2",
      "echo '##perfloop step=broken ms=?'",
      "echo '##perfloop step=save ms=5'",
    ].join("\n"),
  );
  const result = ok(await measure(`sh '${script}'`, { runs: 3 }));
  assert.deepEqual(flattenSteps(result.steps).map((step) => [step.id, step.wall_time_ms, step.calls, step.type]), [
    ["load", 30, 1, "step_marker"],
    ["parse", 18, 4, "step_marker"],
    ["save", 5, 1, "step_marker"],
  ]);
  assert.deepEqual(result.steps.map((step) => step.id), ["load", "save"]);
  const load = result.steps[0]!;
  const median = result.metrics.wall_time_ms!.median;
  assert.ok(Math.abs((load.time_share_pct ?? 0) - (30 / median) * 100) < 1e-9);
  assert.ok((load.time_share_pct ?? 0) > 0 && (load.time_share_pct ?? 0) <= 100);
  assert.equal(result.step_markers.runs_with_markers, 3, "warm-up markers are not counted");
  assert.equal(result.step_markers.malformed_lines, 3);
  assert.match(result.warnings.join("\n"), /3 malformed step marker line/);
  assert.equal(result.samples[0]!.markers.steps.length, 3, "each run keeps its own markers");
});

test("the peak memory of a 300 MiB allocation is visible", async () => {
  const result = ok(await measure(`${PYTHON} -c "b = b'x' * (300 * 1024 * 1024)"`, { runs: 3 }));
  const memory = result.metrics.memory_peak_mb;
  if (memory) {
    assert.equal(memory.unit, "MiB");
    assert.ok(memory.median > 290, JSON.stringify(memory));
  } else {
    // Deno sees a child's peak only when it sets a new high-water mark (spawn-deno.ts): the
    // metric is left out with a warning, and the runs that did set it show the allocation.
    assert.equal(platform.runtime, "deno", "Bun measures every run's peak");
    assert.match(result.warnings.join("\n"), /memory_peak_mb left out/);
  }
  const peaks = result.samples.map((sample) => sample.memory_peak_mb ?? 0);
  // Under Deno, a run shows its peak only if no earlier child of this test process went higher
  // (other files allocate more), so only Bun must show it on some run.
  if (platform.runtime === "bun") assert.ok(Math.max(...peaks) > 290, `peaks ${peaks.join(", ")}`);
  else assert.ok(peaks.every((peak) => peak === 0 || peak > 290), `peaks ${peaks.join(", ")}`);
  const small = ok(await measure("true", { runs: 2 }));
  if (small.metrics.memory_peak_mb) assert.ok(small.metrics.memory_peak_mb.median < 100);
});

test("progress is reported after every run, per phase", async () => {
  const events: MeasureProgress[] = [];
  ok(await measure("true", { runs: 3, warmupRuns: 2, onProgress: (event) => events.push(event) }));
  assert.deepEqual(
    events.map((event) => [event.phase, event.run, event.of]),
    [["warmup", 1, 2], ["warmup", 2, 2], ["measure", 1, 3], ["measure", 2, 3], ["measure", 3, 3]],
  );
  assert.ok(events.every((event) => event.last_ms > 0));
  const adaptive: MeasureProgress[] = [];
  ok(await measure("sleep 0.02", { maxRuns: 10, minEffect: 0.5, warmupRuns: 0, onProgress: (event) => adaptive.push(event) }));
  assert.equal(adaptive.length, 10);
  assert.ok(adaptive.every((event) => event.phase === "measure" && event.of === null));
});

test("an abort stops between runs and says how far it got", async () => {
  const controller = new AbortController();
  const result = await measure("true", {
    runs: 10,
    warmupRuns: 1,
    signal: controller.signal,
    onProgress: (event) => {
      if (event.phase === "measure" && event.run === 2) controller.abort(new Error("Ctrl-C"));
    },
  });
  assert.equal(result.status, "aborted");
  if (result.status !== "aborted") return;
  assert.equal(result.samples.length, 3);
  assert.equal(result.reason, "stopped before run 4: Ctrl-C");
  const before = new AbortController();
  before.abort();
  const none = await measure("true", { runs: 3, signal: before.signal });
  assert.equal(none.status, "aborted");
  assert.equal(none.samples.length, 0);
});

test("bad options are usage errors", async () => {
  await assert.rejects(measure("true", { runs: 0 }), /the number of runs must be an integer >= 1, got 0/);
  await assert.rejects(measure("true", { warmupRuns: -1 }), /warm-up runs must be an integer >= 0/);
  await assert.rejects(measure("true", { minEffect: 0 }), /minimum effect must be a fraction/);
  await assert.rejects(measure("true", { timeoutMs: 0 }), /time limit must be > 0/);
});
