// compareCommands and the stored A/A calibration against real commands, under Bun and Deno.
// Effects are large (a 2x sleep, a 300 MiB allocation) or the threshold is wide (10% for A/A), so
// no assertion depends on the machine's speed or on a quiet machine.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, test } from "node:test";
import * as v from "valibot";
import { detectPlatform } from "../../src/platform/index.ts";
import { type AbCompared, type AbProgress, type CompareCommandsResult, compareCommands } from "../../src/profile/ab-sampler.ts";
import {
  type CalibrateCommandResult,
  type CalibrationReady,
  calibrateCommand,
  calibrationKey,
  calibrationPath,
  machineFingerprint,
  StoredCalibrationSchema,
} from "../../src/profile/calibration.ts";
import type { CommandSpec } from "../../src/profile/command-target.ts";

const platform = detectPlatform();
const scratch = mkdtempSync(join(tmpdir(), "perfloop-ab-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const TIMEOUT_MS = 30_000;

const side = (command: string, cwd = scratch): CommandSpec => ({ command, cwd, env: platform.env });

function ok(result: CompareCommandsResult): AbCompared {
  assert.equal(result.status, "ok", `expected a comparison, got ${JSON.stringify(result).slice(0, 2000)}`);
  return result as AbCompared;
}

function ready(result: CalibrateCommandResult): CalibrationReady {
  assert.equal(result.status, "ok", `expected a calibration, got ${JSON.stringify(result).slice(0, 2000)}`);
  return result as CalibrationReady;
}

test("runs under Bun or Deno", () => {
  const expected = process.env.PERFLOOP_EXPECT_RUNTIME;
  if (expected) assert.equal(platform.runtime, expected);
});

test("a command against itself is not faster (nor slower)", async () => {
  // At alpha 0.05 one A/A comparison in 40 would read slower by chance; at 0.001 one in 2,000.
  const result = ok(await compareCommands(platform, side("sleep 0.02"), side("sleep 0.02"), { minEffect: 0.1, maxRuns: 20, timeoutMs: TIMEOUT_MS, alpha: 0.001 }));
  assert.ok(["no_difference", "unknown"].includes(result.verdict.outcome), result.verdict.reason);
  assert.ok(result.verdict.ratio_ci[0] < 1.1 && result.verdict.ratio_ci[1] > 0.9, result.verdict.reason);
  assert.equal(result.min_effect, 0.1);
  assert.equal(result.min_effect_source, "option");
});

test("a clear difference is found both ways, ABBA interleaved after a warm-up round", async () => {
  const events: AbProgress[] = [];
  const slower = ok(
    await compareCommands(platform, side("sleep 0.05"), side("sleep 0.1"), {
      maxRuns: 12,
      timeoutMs: TIMEOUT_MS,
      onProgress: (event) => events.push(event),
    }),
  );
  assert.equal(slower.verdict.outcome, "slower", slower.verdict.reason);
  assert.ok(slower.verdict.ratio_ci[0] > 1, `ratio CI ${slower.verdict.ratio_ci}`);
  assert.equal(slower.stopped_because, "enough");
  assert.equal(slower.rounds, 10, "decided at the first look");
  assert.equal(slower.samples_a.length, 11);
  assert.equal(slower.samples_b.length, 11);
  assert.ok(slower.samples_a[0]!.warmup && slower.samples_b[0]!.warmup);
  assert.deepEqual(
    events.slice(0, 6).map((event) => `${event.phase[0]}${event.arm}${event.round}`),
    ["wa1", "wb1", "ma1", "mb1", "mb2", "ma2"],
  );
  assert.ok(events.slice(2).every((event) => event.of === 10));
  // Runs are numbered in session order across both arms.
  const order = [...slower.samples_a, ...slower.samples_b].map((sample) => sample.run).sort((x, y) => x - y);
  assert.deepEqual(order, Array.from({ length: 22 }, (_, index) => index + 1));
  assert.equal(slower.metrics_a.wall_time_ms?.n, 10);
  assert.ok(slower.metrics_b.wall_time_ms!.median > slower.metrics_a.wall_time_ms!.median);

  const faster = ok(await compareCommands(platform, side("sleep 0.1"), side("sleep 0.05"), { maxRuns: 12, timeoutMs: TIMEOUT_MS, order: "random", seed: 7 }));
  assert.equal(faster.verdict.outcome, "faster", faster.verdict.reason);
  assert.ok(faster.verdict.ratio_ci[1] < 1, `ratio CI ${faster.verdict.ratio_ci}`);
  assert.equal(faster.order, "random");
});

test("confirmChanges: a change is claimed after a confirming batch of half the rounds", async () => {
  const result = ok(await compareCommands(platform, side("sleep 0.05"), side("sleep 0.1"), { maxRuns: 20, timeoutMs: TIMEOUT_MS, confirmChanges: true }));
  assert.equal(result.verdict.outcome, "slower", result.verdict.reason);
  assert.equal(result.rounds, 15);
  assert.deepEqual(
    result.decisions.map((plan) => [plan.n, plan.action, plan.provisional?.outcome ?? null]),
    [
      [10, "more", "slower"],
      [15, "enough", null],
    ],
  );
  assert.ok(result.decisions[1]!.confirming_ratio! > 1.5, `the confirming batch alone: ${result.decisions[1]!.confirming_ratio}`);
  assert.match(result.decisions[1]!.reason, /^decided and confirmed \(the 5 rounds since it was first seen/);
  assert.equal(result.samples_a.filter((sample) => !sample.warmup).length, 15);
});

test("each side runs in its own directory", async () => {
  const dirA = join(scratch, "side-a");
  const dirB = join(scratch, "side-b");
  mkdirSync(dirA, { recursive: true });
  mkdirSync(dirB, { recursive: true });
  writeFileSync(join(dirA, "work.sh"), "sleep 0.1\n");
  writeFileSync(join(dirB, "work.sh"), "sleep 0.04\n");
  const result = ok(await compareCommands(platform, side("sh work.sh", dirA), side("sh work.sh", dirB), { maxRuns: 10, warmupRounds: 0, timeoutMs: TIMEOUT_MS }));
  assert.equal(result.verdict.outcome, "faster", result.verdict.reason);
  assert.equal(result.warmup_rounds, 0);
  assert.equal(result.samples_a.length, 10);
});

test("guardrails: peak memory and CPU get verdicts of their own", { timeout: 120_000 }, async () => {
  const result = ok(
    // Both peaks must be above this test process's own (a smaller child's memory is unknown: spawn-runner.ts).
    await compareCommands(platform, side(`${PYTHON} -c "b = b'x' * (200 * 1024 * 1024)"`), side(`${PYTHON} -c "b = b'x' * (500 * 1024 * 1024)"`), {
      maxRuns: 10,
      timeoutMs: TIMEOUT_MS,
    }),
  );
  assert.equal(result.guardrails.cpu_time_ms?.outcome, "slower", result.guardrails.cpu_time_ms?.reason ?? "no CPU guardrail");
  if (platform.runtime === "bun") {
    assert.equal(result.guardrails.memory_peak_mb?.outcome, "slower", result.guardrails.memory_peak_mb?.reason ?? "no memory guardrail");
    assert.ok(result.guardrails.memory_peak_mb!.ratio > 2, String(result.guardrails.memory_peak_mb!.ratio));
  } else {
    // Deno sees a child's peak only when it raises the process's high-water mark: on a few runs
    // (no guardrail: not measured on every run) or, after the warm-up raised it, on none (left out).
    assert.equal(result.guardrails.memory_peak_mb, null);
    assert.match(result.warnings.join("\n"), /no memory_peak_mb guardrail: not measured on every run|memory_peak_mb left out: known on 0 of 10 runs/);
  }
});

test("a failing side is named, with its run and stderr tail", async () => {
  const result = await compareCommands(platform, side("true"), side("echo 'no such table' >&2; exit 3"), { maxRuns: 10, timeoutMs: TIMEOUT_MS });
  assert.equal(result.status, "failed");
  if (result.status !== "failed") return;
  assert.equal(result.side, "b");
  assert.equal(result.failure.run, 2, "the warm-up run of B, right after A's");
  assert.equal(result.message, "candidate (B): command failed on run 2 (a warm-up run): exit 3, stderr tail: no such table");
});

test("an abort stops between runs", async () => {
  const controller = new AbortController();
  const result = await compareCommands(platform, side("true"), side("true"), {
    maxRuns: 10,
    timeoutMs: TIMEOUT_MS,
    signal: controller.signal,
    onProgress: (event) => {
      if (event.phase === "measure" && event.round === 3 && event.arm === "a") controller.abort();
    },
  });
  assert.equal(result.status, "aborted");
  if (result.status !== "aborted") return;
  // Warm-up A B, then rounds A B | B A | A: stopped after 7 runs.
  assert.equal(result.samples_a.length + result.samples_b.length, 7);
  assert.equal(result.rounds, 2);
  assert.match(result.reason, /^stopped before run 8/);
});

test("a run that fails after the abort (a Ctrl-C ended it) is the stop, not a failure of the command", async () => {
  const controller = new AbortController();
  const started = join(scratch, "b-started");
  // The abort comes while B's warm-up run is running (it has started, and takes 0.5 s more).
  const watch = setInterval(() => {
    if (existsSync(started)) controller.abort(new Error("interrupted (SIGINT)"));
  }, 10);
  const result = await compareCommands(platform, side("true"), side(`touch '${started}'; sleep 0.5; exit 130`), { maxRuns: 10, timeoutMs: TIMEOUT_MS, signal: controller.signal });
  clearInterval(watch);
  assert.equal(result.status, "aborted", JSON.stringify(result).slice(0, 500));
  if (result.status !== "aborted") return;
  assert.equal(result.reason, "stopped during run 2: interrupted (SIGINT)");
});

test("the minimum effect: the largest of the threshold, 2% and the calibration spread", async () => {
  const run = (options: object) => compareCommands(platform, side("sleep 0.05"), side("sleep 0.1"), { maxRuns: 10, warmupRounds: 0, timeoutMs: TIMEOUT_MS, ...options });
  const floor = ok(await run({}));
  assert.equal(floor.min_effect, 0.02);
  assert.equal(floor.min_effect_source, "threshold_floor_calibration");
  const calibrated = ok(await run({ userThreshold: 0.05, calibration: { spread: 0.3 } }));
  assert.equal(calibrated.min_effect, 0.3);
  assert.equal(calibrated.verdict.min_effect, 0.3);
  assert.equal(calibrated.verdict.outcome, "slower", "a 2x effect is beyond a 30% minimum");
});

test("calibration: measured once, stored with a valid schema, then reused", async () => {
  const project = join(scratch, "project-1");
  mkdirSync(project, { recursive: true });
  const options = { projectRoot: project, ...side("sleep 0.01"), runsPerArm: 5, timeoutMs: TIMEOUT_MS };
  const first = ready(await calibrateCommand(platform, options));
  assert.equal(first.source, "measured");
  assert.equal(first.reason, "no calibration stored");
  const path = calibrationPath(project, "sleep 0.01", scratch);
  assert.equal(first.path, path);
  assert.match(path, /\.hex-skills\/optimization\/calibration\/[0-9a-f]{16}\.json$/);
  assert.equal(path.endsWith(`${calibrationKey("sleep 0.01", scratch)}.json`), true);
  const stored = JSON.parse(readFileSync(path, "utf8"));
  assert.equal(v.safeParse(StoredCalibrationSchema, stored).success, true);
  assert.deepEqual([stored.version, stored.command, stored.cwd, stored.runs_per_arm], [1, "sleep 0.01", scratch, 5]);
  assert.equal(stored.wall_ms_a.length, 5);
  assert.deepEqual(stored.fingerprint, machineFingerprint(platform));
  assert.ok(first.calibration.spread >= 0 && first.calibration.n_a === 5);
  assert.equal(stored.fingerprint.hostname_sha256.length, 16);

  let progress = 0;
  const second = ready(await calibrateCommand(platform, { ...options, onProgress: () => progress++ }));
  assert.equal(second.source, "stored");
  assert.equal(progress, 0, "nothing was run");
  assert.deepEqual(second.calibration, first.calibration);
  assert.match(second.reason, /^reused the calibration of /);

  const more = ready(await calibrateCommand(platform, { ...options, runsPerArm: 6 }));
  assert.equal(more.source, "measured");
  assert.match(more.reason, /5 runs per arm, 6 are asked for/);
  const forced = ready(await calibrateCommand(platform, { ...options, force: true }));
  assert.equal(forced.source, "measured");
  // Another command or directory has a file of its own.
  assert.notEqual(calibrationPath(project, "sleep 0.01", "/elsewhere"), path);
  assert.notEqual(calibrationKey("a b", "c"), calibrationKey("a", "b c"));
});

test("calibration: a corrupt file is ignored with a warning and measured again", async () => {
  const project = join(scratch, "project-2");
  const options = { projectRoot: project, ...side("true"), runsPerArm: 3, timeoutMs: TIMEOUT_MS };
  const path = calibrationPath(project, "true", scratch);
  mkdirSync(join(path, ".."), { recursive: true });
  const cases: [string, RegExp][] = [
    ["{ not json", /not JSON/],
    [JSON.stringify({ version: 1, command: "true" }), /corrupt \(cwd: /],
    [JSON.stringify({ version: 2 }), /corrupt \(version: /],
    ["[]", /corrupt/],
  ];
  for (const [text, detail] of cases) {
    writeFileSync(path, text);
    const result = ready(await calibrateCommand(platform, options));
    assert.equal(result.source, "measured", text);
    assert.match(result.reason, detail, text);
    assert.match(result.warnings.join("\n"), /calibration file .* is corrupt .*; ignored and measured again/, text);
    assert.equal(v.safeParse(StoredCalibrationSchema, JSON.parse(readFileSync(path, "utf8"))).success, true, "rewritten");
  }
  const good = JSON.parse(readFileSync(path, "utf8"));
  writeFileSync(path, JSON.stringify({ ...good, calibration: { ...good.calibration, spread: -1 } }));
  assert.match(ready(await calibrateCommand(platform, options)).reason, /calibration\.spread/);
});

test("calibration: a different machine or runtime is not reused", async () => {
  const project = join(scratch, "project-3");
  const options = { projectRoot: project, ...side("true"), runsPerArm: 3, timeoutMs: TIMEOUT_MS };
  ready(await calibrateCommand(platform, options));
  const here = machineFingerprint(platform);
  const elsewhere = ready(await calibrateCommand(platform, { ...options, fingerprint: { ...here, cpu_model: "Other CPU", cpu_count: here.cpu_count + 1 } }));
  assert.equal(elsewhere.source, "measured");
  assert.match(elsewhere.reason, /another machine or runtime \(cpu_model "[^"]*" -> "Other CPU"; cpu_count \d+ -> \d+\)/);
  assert.deepEqual(elsewhere.warnings, []);
  const again = ready(await calibrateCommand(platform, { ...options, fingerprint: { ...here, cpu_model: "Other CPU", cpu_count: here.cpu_count + 1 } }));
  assert.equal(again.source, "stored");
  const back = ready(await calibrateCommand(platform, options));
  assert.equal(back.source, "measured", "the file now belongs to the other fingerprint");
});

test("calibration: a failing command is a failure, and nothing is stored", async () => {
  const project = join(scratch, "project-4");
  const result = await calibrateCommand(platform, { projectRoot: project, ...side("exit 4"), runsPerArm: 3, timeoutMs: TIMEOUT_MS });
  assert.equal(result.status, "failed");
  if (result.status === "failed") assert.match(result.message, /^calibration: command failed on run 1 \(a warm-up run\): exit 4$/);
  assert.equal(existsSync(calibrationPath(project, "exit 4", scratch)), false);
});
