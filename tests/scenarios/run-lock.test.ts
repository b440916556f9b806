// The run lock through the CLI (docs/runtime.md, "Locks"): a run.lock left naming a live process
// that is not a perfloop (pid 1) is taken over with a note, never answered with `kill 1`; one held
// by a live perfloop is refused with its pid and what it is doing. Bun, Deno and the binary.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cli, removeDir, type CliResult } from "../helpers/cli.ts";
import { fixtureRepo } from "../helpers/repo.ts";

const dirs: string[] = [];
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  dirs.forEach(removeDir);
});

const skip = existsSync("/proc/self/stat") ? false : "needs /proc (Linux) to tell a perfloop from another process";
const describe = (result: CliResult) => `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
const startTime = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
};

test("run.lock: a stale lock of pid 1 is taken over with a note; a perfloop's is refused with its pid", { skip, timeout: 120_000 }, () => {
  const dir = fixtureRepo(dirs, "sum-loop");
  writeFileSync(
    join(dir, "h.json"),
    JSON.stringify({ version: 1, hypotheses: [{ id: "H9", description: "an edit that does not apply", evidence: "a typo", change: { kind: "edit", file: "work.sh", search: "while [ $j -lt $n ]", replace: "x" } }] }),
  );
  const first = cli(["run", "sh work.sh", "--test", "sh test.sh", "--hypotheses", "h.json", "--slug", "sum", "--yes", "--max-runs", "10"], { cwd: dir });
  assert.equal(first.code, 3, `paused at the NO_GO: ${describe(first)}`);
  const lock = join(dir, ".hex-skills", "optimization", "sum", "run.lock");

  // Left by a perfloop long gone, its pid now pid 1 (the old format, without a start time).
  writeFileSync(lock, `${JSON.stringify({ pid: 1, started_at: "2026-01-01T00:00:00.000Z" })}\n`);
  const resumed = cli(["resume", "--slug", "sum", "--yes"], { cwd: dir });
  assert.equal(resumed.code, 3, `resumed and paused again: ${describe(resumed)}`);
  assert.match(resumed.stderr, /^perfloop: took over \.hex-skills\/optimization\/sum\/run\.lock \(pid 1 is not a perfloop \(.*\)\)$/m);
  assert.doesNotMatch(resumed.stderr + resumed.stdout, /kill 1\b/);
  assert.equal(existsSync(lock), false, "released at the end");

  // Held by a live perfloop (a process whose command line names one).
  const holder = spawn("sh", ["-c", "sleep 30; :", "perfloop", "resume", "--slug", "sum"], { stdio: "ignore" });
  children.push(holder);
  // Until it has exec'd, its /proc/<pid>/cmdline is still the test runner's.
  const deadline = Date.now() + 5_000;
  while (!readFileSync(`/proc/${holder.pid}/cmdline`, "utf8").includes("perfloop\0resume")) {
    assert.ok(Date.now() < deadline, "the holder did not start");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
  writeFileSync(lock, `${JSON.stringify({ pid: holder.pid, started_at: "2026-01-01T00:00:00.000Z", pid_start: startTime(holder.pid!) })}\n`);
  const refused = cli(["resume", "--slug", "sum", "--yes"], { cwd: dir });
  assert.equal(refused.code, 2, describe(refused));
  const lines = refused.stderr.trim().split("\n").filter((line) => line.startsWith("perfloop:"));
  assert.deepEqual(lines, [
    `perfloop: run sum is being driven by another perfloop (pid ${holder.pid}, since 2026-01-01T00:00:00.000Z: perfloop resume --slug sum) (wait for it to finish, or stop it (kill ${holder.pid}); perfloop status shows where the run stands)`,
  ]);
  assert.ok(existsSync(lock), "the holder's lock is kept");
});
