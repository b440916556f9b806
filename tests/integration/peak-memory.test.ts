// A measured command's own peak memory (exactPeakMemory, src/platform/peak-launcher.ts) against
// GNU time on the same process tree, and the launcher's part in exits, signals, timeouts, stdin,
// leftovers and confinement. Under Bun on x86_64 Linux; elsewhere perfloop spawns directly and
// these tests say why they are skipped.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, test } from "node:test";
import { detectPlatform, type SpawnRequest, type SpawnResult } from "../../src/platform/index.ts";

const platform = detectPlatform();
const scratch = mkdtempSync(join(tmpdir(), "perfloop-peak-test-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const MiB = 1024 * 1024;
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const hasPython = spawnSync(PYTHON, ["-c", "0"]).status === 0;
const hasGnuTime = existsSync("/usr/bin/time") && spawnSync("/usr/bin/time", ["-f", "%M", "true"]).status === 0;
const launcher =
  platform.runtime !== "bun" ? `${platform.runtime} has no launcher (it cannot pass the launcher its fd 3)` : process.platform !== "linux" || process.arch !== "x64" ? "the launcher exists for x86_64 Linux only" : false;
const python = launcher || (hasPython ? false : "needs python3");
const gnuTime = python || (hasGnuTime ? false : "needs GNU time at /usr/bin/time (apt-get install time)");

function run(shell: string, options: Partial<Omit<SpawnRequest, "argv" | "shell">> = {}): Promise<SpawnResult> {
  return platform.spawn({ shell, cwd: scratch, env: platform.env, timeoutMs: 30_000, maxOutputBytes: MiB, exactPeakMemory: true, ...options });
}

/** GNU time's "maximum resident set size" of `sh -c line`, the tree perfloop runs; median of `times`. */
function gnuTimePeak(line: string, times: number): number {
  const peaks = Array.from({ length: times }, () => {
    const result = spawnSync("/usr/bin/time", ["-f", "%M", "sh", "-c", line], { cwd: scratch, encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    return Number(result.stderr.trim().split("\n").at(-1)) * 1024;
  });
  return median(peaks);
}

async function perfloopPeak(line: string, times: number): Promise<number> {
  const peaks: number[] = [];
  for (let i = 0; i < times; i++) {
    const result = await run(line);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.ok(result.maxRssBytes !== null, `run ${i + 1} of ${line}: unknown peak`);
    peaks.push(result.maxRssBytes);
  }
  return median(peaks);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

test("a 30 MB allocation: perfloop's peak is within 15% of GNU time's, on every run", { skip: gnuTime }, async () => {
  const line = `${PYTHON} -c 'x = bytearray(30_000_000)'`;
  const [ours, theirs] = [await perfloopPeak(line, 5), gnuTimePeak(line, 5)];
  assert.ok(Math.abs(ours / theirs - 1) <= 0.15, `perfloop ${ours / MiB} MiB, GNU time ${theirs / MiB} MiB`);
  assert.ok(ours > 30 * MiB && ours < 80 * MiB, `${ours / MiB} MiB`);
});

test("sleep 0.1: within 1 MiB of GNU time's, far below perfloop's own footprint", { skip: launcher || (hasGnuTime ? false : "needs GNU time") }, async () => {
  const [ours, theirs] = [await perfloopPeak("sleep 0.1", 3), gnuTimePeak("sleep 0.1", 3)];
  assert.ok(Math.abs(ours - theirs) <= MiB, `perfloop ${ours / MiB} MiB, GNU time ${theirs / MiB} MiB`);
  assert.ok(ours < 10 * MiB && process.resourceUsage().maxRSS * 1024 > 20 * MiB);
});

test("a 300 MB allocation reads as 300 MB, a 2 MB one as a few MiB", { skip: python }, async () => {
  const big = await perfloopPeak(`${PYTHON} -c 'x = bytearray(300_000_000)'`, 1);
  assert.ok(big > 300e6 && big < 300e6 + 60 * MiB, `${big / MiB} MiB`);
  const small = await perfloopPeak(`${PYTHON} -c 'x = bytearray(2_000_000)'`, 1);
  assert.ok(small > 2e6 && small < 40 * MiB, `${small / MiB} MiB`);
});

test("exactPeakMemory: exit codes, signals, stdin, output, and no fd 3 for the command", async () => {
  const three = await run("exit 3");
  assert.deepEqual([three.exitCode, three.signal, three.spawnError], [3, null, null]);
  const killed = await run("kill -KILL $$");
  assert.deepEqual([killed.exitCode, killed.signal], [null, "SIGKILL"]);
  const echoed = await run("cat; echo err >&2; ls /proc/self/fd", { stdin: "in\n" });
  assert.equal(echoed.stderr, "err\n");
  assert.deepEqual(echoed.stdout.split("\n").filter(Boolean).slice(0, 1), ["in"]);
  // (Deno's own spawn passes a few descriptors of its own to children: checked for the launcher only.)
  if (!launcher) assert.deepEqual(echoed.stdout.split("\n").filter((line) => /^\d+$/.test(line)).sort(), ["0", "1", "2", "3"], "0-2 and ls's own directory handle");
  assert.ok(echoed.cpuUserMs !== null && echoed.cpuSystemMs !== null);
  if (!launcher) assert.ok(echoed.maxRssBytes !== null && echoed.maxRssBytes < 10 * MiB, `${echoed.maxRssBytes}`);
  const missing = await run("", { shell: undefined, argv: ["/nonexistent/program"] } as Partial<SpawnRequest>);
  assert.match(missing.spawnError ?? "", /cannot start \/nonexistent\/program/);
});

test("exactPeakMemory: a timeout ends the command's whole group, SIGTERM then SIGKILL", async () => {
  const started = performance.now();
  const polite = await run("sleep 30", { timeoutMs: 300 });
  assert.deepEqual([polite.timedOut, polite.signal], [true, "SIGTERM"]);
  const stubborn = await run("trap '' TERM; sleep 30 & wait", { timeoutMs: 300 });
  assert.deepEqual([stubborn.timedOut, stubborn.signal], [true, "SIGKILL"]);
  assert.ok(performance.now() - started < 10_000);
  const leftover = await run("sleep 30 & echo started");
  assert.equal(leftover.exitCode, 0);
  assert.equal(leftover.leftoverProcesses, 1);
});

test("exactPeakMemory inside a confined spawner: still confined, and measured where there is a launcher", async () => {
  const spawner = await platform.startSpawner({ version: 1, dirs: [scratch], files: ["/dev/null"], confine: true });
  try {
    const outside = join(tmpdir(), `perfloop-peak-outside-${process.pid}`);
    const result = await spawner.spawn({ shell: `: > ${scratch}/inside && : > ${outside}`, cwd: scratch, env: platform.env, timeoutMs: 30_000, maxOutputBytes: MiB, exactPeakMemory: true });
    assert.ok(existsSync(join(scratch, "inside")));
    if (spawner.confinement.confined) {
      assert.notEqual(result.exitCode, 0);
      assert.equal(existsSync(outside), false);
    }
    if (!launcher) assert.ok(result.maxRssBytes !== null && result.maxRssBytes < 10 * MiB, `${result.maxRssBytes}`);
    rmSync(outside, { force: true });
  } finally {
    await spawner.close();
  }
});
