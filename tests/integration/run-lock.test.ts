// The per-slug run lock (src/coordinator/run-lock.ts) and the holder rules it shares with the
// runtime lock (src/runtime/lock-file.ts), against real processes: a lock naming a live process
// that is not a perfloop (pid 1, a `sleep`), a reused pid, a dead pid, a short body; and a lock
// really held by a perfloop, refused with its pid and what it is doing. And what `perfloop status`
// reads from it (src/coordinator/live-run.ts): a live driver, or none.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, test } from "node:test";
import { UsageError } from "../../src/errors.ts";
import { acquireRunLock } from "../../src/coordinator/run-lock.ts";
import { liveDriver } from "../../src/coordinator/live-run.ts";
import { processAlive } from "../../src/platform/common.ts";
import { LOCK_UNREADABLE_GRACE_MS } from "../../src/runtime/lock-file.ts";
import { processCommandLine, processStartTime, procAvailable } from "../../src/runtime/process-identity.ts";
import { removeDir, tempDir } from "../helpers/cli.ts";

const dirs: string[] = [];
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  dirs.forEach(removeDir);
});

const noProc = procAvailable() ? false : "needs /proc (Linux) to tell a perfloop from another process";
const SLUG = "sum";

function lockPath(): string {
  const dir = tempDir("perfloop-run-lock-");
  dirs.push(dir);
  const path = join(dir, ".hex-skills", "optimization", SLUG, "run.lock");
  mkdirSync(join(path, ".."), { recursive: true });
  return path;
}

const body = (pid: number, pidStart: string | null = processStartTime(pid)) =>
  `${JSON.stringify({ pid, started_at: "2026-01-01T00:00:00.000Z", pid_start: pidStart })}\n`;

function acquire(path: string) {
  return acquireRunLock(path, process.pid, Date.now(), processAlive, SLUG);
}

/** A live process whose command line names a perfloop (see tests/integration/lock.test.ts). */
function perfloopLike(): number {
  const child = spawn("sh", ["-c", "sleep 30; :", "perfloop-test-holder", "run", "sh work.sh"], { stdio: "ignore" });
  children.push(child);
  assert.ok(child.pid);
  // Until it has exec'd, its /proc/<pid>/cmdline is still the test runner's.
  const deadline = Date.now() + 5_000;
  while (procAvailable() && !(processCommandLine(child.pid) ?? []).some((arg) => arg.includes("perfloop-test-holder"))) {
    assert.ok(Date.now() < deadline, "the holder did not start");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
  return child.pid;
}

test("a run.lock naming pid 1 (alive, not a perfloop) is taken over with a note, and never answered with `kill 1`", { skip: noProc }, () => {
  const path = lockPath();
  assert.equal(processAlive(1) || existsSync("/proc/1/stat"), true, "pid 1 exists");
  writeFileSync(path, body(1));
  const lock = acquire(path);
  assert.match(lock.tookOver ?? "", /^took over \.hex-skills\/optimization\/sum\/run\.lock \(pid 1 is not a perfloop \(.+\)\)$/);
  assert.doesNotMatch(lock.tookOver ?? "", /\bkill \d/);
  const held = JSON.parse(readFileSync(path, "utf8"));
  assert.equal(held.pid, process.pid);
  assert.equal(held.pid_start, processStartTime(process.pid), "the new lock records this process's start time");
  lock.release();
  assert.equal(existsSync(path), false);
});

test("a run.lock whose pid now belongs to a process started later (pid reuse) is taken over", { skip: noProc }, () => {
  const path = lockPath();
  const holder = perfloopLike();
  writeFileSync(path, body(holder, String(Number(processStartTime(holder)) - 1)));
  const lock = acquire(path);
  assert.match(lock.tookOver ?? "", new RegExp(`pid ${holder} is now another process`));
  lock.release();
});

test("a run.lock naming a dead pid is taken over", () => {
  const path = lockPath();
  const done = spawnSync("true");
  writeFileSync(path, body(done.pid!, null));
  const lock = acquire(path);
  assert.match(lock.tookOver ?? "", new RegExp(`pid ${done.pid} is gone`));
  lock.release();
});

test("a run.lock really held by a perfloop is refused with its pid and what it is doing; the lock is kept", { skip: noProc }, () => {
  const path = lockPath();
  const holder = perfloopLike();
  const text = body(holder);
  writeFileSync(path, text);
  assert.throws(
    () => acquire(path),
    (error: unknown) => {
      assert.ok(error instanceof UsageError, String(error));
      assert.equal(error.message, `run sum is being driven by another perfloop (pid ${holder}, since 2026-01-01T00:00:00.000Z: perfloop run "sh work.sh")`);
      assert.equal(error.hint, `wait for it to finish, or stop it (kill ${holder}); perfloop status shows where the run stands`);
      return true;
    },
  );
  assert.equal(readFileSync(path, "utf8"), text, "the holder's lock is untouched");
});

test("a run.lock with a short body is waited on while it may be being written, then taken over (never unreadable for ever)", () => {
  const path = lockPath();
  writeFileSync(path, '{"pid":12');
  const started = Date.now();
  const lock = acquire(path);
  const waited = Date.now() - started;
  assert.ok(waited >= LOCK_UNREADABLE_GRACE_MS - 200, `waited ${waited} ms for a holder between create and write`);
  assert.ok(waited < LOCK_UNREADABLE_GRACE_MS + 3_000, `then taken (${waited} ms)`);
  assert.match(lock.tookOver ?? "", /its file could not be read/);
  lock.release();
});

test("liveDriver: a perfloop holding the lock is the run's driver; no lock, a dead pid, pid 1 or this process is none; nothing is changed", { skip: noProc }, () => {
  const path = lockPath();
  const read = () => liveDriver(path, process.pid, processAlive, Date.now());
  assert.equal(read(), null, "no lock");
  const holder = perfloopLike();
  writeFileSync(path, body(holder));
  assert.deepEqual(read(), { pid: holder, since: "2026-01-01T00:00:00.000Z", command: 'perfloop run "sh work.sh"' });
  const stale = [body(spawnSync("true").pid!, null), body(1), body(process.pid), '{"pid":12'];
  for (const text of stale) {
    writeFileSync(path, text);
    assert.equal(read(), null, text);
    assert.equal(readFileSync(path, "utf8"), text, "status never takes or breaks a lock");
  }
});
