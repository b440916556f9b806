// A CPU-bound command stays CPU-bound when the host is busy: the same shell loop profiled alone and
// while two busy loops hold this machine's CPUs (the hogs run only during the second profile, and
// are ended with it) must be classified CPU both times, with the second saying the host was busy.
// The wait comes from the platform's /proc reads (src/platform/cpu-wait.ts); without /proc (macOS)
// there is nothing to correct and the test is skipped, saying so. The hogs are not started through
// Platform.spawn: under Deno a child's CPU time is the difference of RUSAGE_CHILDREN around it,
// which another child of the same Platform running alongside would blur (spawn-deno.ts); these are
// reaped only after the profile.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { detectPlatform } from "../../src/platform/index.ts";
import { runProfile } from "../../src/profile/profile.ts";

const platform = detectPlatform();
const project = realpathSync(mkdtempSync(join(tmpdir(), "perfloop-cpu-wait-it-")));
after(() => rmSync(project, { recursive: true, force: true }));

/** About 0.4 s of pure shell arithmetic on the development VM: no I/O, no child processes. */
const LOOP = "i=0; while [ $i -lt 300000 ]; do i=$((i + 1)); done";
/** A busy loop that ends by itself after about 15 s should the test die before ending it. */
const HOG = "i=0; while [ $i -lt 10000000 ]; do i=$((i + 1)); done";
const RUNS = 3;
const hogs: ChildProcess[] = [];
after(() => {
  for (const hog of hogs) hog.kill("SIGKILL");
});

async function profileLoop() {
  const report = await runProfile(platform, { target: LOOP, projectRoot: project, runs: RUNS, warmup: 0, skipTests: true, cpuProfile: false, slug: "loop" });
  return { ...report.result, wall: report.result.performance_map.baseline.wall_time_ms ?? 0 };
}

test("a CPU-bound loop is classified CPU on its own and beside two busy loops", async (t) => {
  if (!existsSync("/proc/self/schedstat")) {
    t.skip("no /proc/<pid>/schedstat here (not Linux): the wait for a CPU is not measured, nothing to correct");
    return;
  }
  const alone = await profileLoop();
  assert.equal(alone.bottleneck_classification, "CPU", alone.bottleneck_detail);
  assert.notEqual(alone.classification_evidence.cpu_wait_ms, null, "measured on Linux");

  // Each in a session of its own, as the measured command is: with the kernel's autogroup
  // scheduling, CPU is shared between sessions first, so two hogs in one session would take one CPU.
  hogs.push(...[0, 1].map(() => spawn("/bin/sh", ["-c", HOG], { stdio: "ignore", detached: true })));
  let busy: Awaited<ReturnType<typeof profileLoop>>;
  try {
    busy = await profileLoop();
  } finally {
    await Promise.all(hogs.map((hog) => (hog.exitCode === null && hog.signalCode === null ? (hog.kill("SIGKILL"), once(hog, "exit")) : null)));
  }
  const evidence = busy.classification_evidence;
  const summary = `detail: ${busy.bottleneck_detail}; evidence ${JSON.stringify(evidence)}`;
  assert.equal(busy.bottleneck_classification, "CPU", summary);
  // The hogs did hold the CPUs: the loop waited, and the raw ratio (what the map used before) fell.
  assert.ok((evidence.cpu_wait_pct ?? 0) >= 10, summary);
  assert.ok((evidence.cpu_ratio_raw ?? 1) < (evidence.cpu_ratio ?? 0), summary);
  assert.match(busy.bottleneck_detail, /the host was busy: [\d.]+% of the wall time was spent waiting for a CPU/);
  assert.doesNotMatch(busy.bottleneck_detail, /unexplained/i);
});
