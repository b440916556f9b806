// The project-wide runtime lock (src/runtime/lock.ts; contract §3 "Lock", FIX 15), driven in
// process with injected deps: the acquirer's pid, a clock that only moves when the lock sleeps (so
// waiting LOCK_WAIT_MS takes no real time), and the real liveness check against real processes.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, test } from "node:test";
import { LOCK_STALE_MS, LOCK_WAIT_MS, LockBusyError, withLock, type LockDeps } from "../../src/runtime/lock.ts";
import { processAlive } from "../../src/platform/common.ts";
import { processCommandLine, processStartTime, procAvailable } from "../../src/runtime/process-identity.ts";
import { cliAsync, removeDir, tempDir } from "../helpers/cli.ts";
import { delay, runDirNames, writeSlugManifest } from "../helpers/integration.ts";

/** A pid that is not the test process, so the lock never mistakes a holder for itself. */
const ACQUIRER_PID = 999_999_001;

const dirs: string[] = [];
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  dirs.forEach(removeDir);
});

function lockPath(): string {
  const dir = tempDir("perfloop-lock-");
  dirs.push(dir);
  return join(dir, ".hex-skills", "optimization", "runtime", ".lock");
}

interface FakeDeps extends LockDeps {
  sleeps: number[];
  clock: { t: number };
}

/** Deps whose clock starts at the real time and advances `step` ms on each sleep, never by itself. */
function fakeDeps(step = 1_000, alive: (pid: number) => boolean = processAlive): FakeDeps {
  const clock = { t: Date.now() };
  const sleeps: number[] = [];
  return {
    pid: ACQUIRER_PID,
    now: () => clock.t,
    processAlive: alive,
    sleep: (ms) => {
      sleeps.push(ms);
      clock.t += step;
    },
    sleeps,
    clock,
  };
}

/**
 * A real live process that is not the test itself and that looks like a perfloop (its command line
 * names one: `sh -c 'sleep 30; :' perfloop-test-holder`; the `:` keeps sh from exec-ing sleep).
 */
function liveHolder(): number {
  const child = spawn("sh", ["-c", "sleep 30; :", "perfloop-test-holder"], { stdio: "ignore" });
  children.push(child);
  assert.ok(child.pid, "the holder started");
  assert.equal(processAlive(child.pid), true);
  if (procAvailable()) awaitExec(child.pid, "perfloop-test-holder");
  return child.pid;
}

/** Until a new child has exec'd, its /proc/<pid>/cmdline is still the test runner's. */
function awaitExec(pid: number, marker: string): void {
  const deadline = Date.now() + 5_000;
  while (!(processCommandLine(pid) ?? []).some((arg) => arg.includes(marker))) {
    assert.ok(Date.now() < deadline, `pid ${pid} did not exec ${marker}`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
}

/** A real live process that is provably not a perfloop (its command line is `sleep 30`). */
function foreignHolder(): number {
  const child = spawn("sleep", ["30"], { stdio: "ignore" });
  children.push(child);
  assert.ok(child.pid, "sleep started");
  if (procAvailable()) awaitExec(child.pid, "sleep");
  return child.pid;
}

/** Linux exposes /proc; without it (macOS) a live pid holds the lock, as before. */
const noProc = procAvailable() ? false : "needs /proc (Linux) to tell a perfloop from another process";

/** A real pid whose process has exited and been reaped. */
function deadPid(): number {
  const done = spawnSync("true");
  assert.ok(done.pid);
  assert.equal(processAlive(done.pid), false, "the reaped child is dead");
  return done.pid;
}

function writeLock(path: string, body: string, ageMs = 0): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, body);
  if (ageMs > 0) {
    const when = (Date.now() - ageMs) / 1000;
    utimesSync(path, when, when);
  }
}

const holderBody = (pid: number, pidStart?: string | null) => `${JSON.stringify({ pid, started_at: new Date().toISOString(), ...(pidStart === undefined ? {} : { pid_start: pidStart }) })}\n`;

test("the lock file is created exclusively, names the holder while the work runs, and is removed after", () => {
  const path = lockPath();
  const deps = fakeDeps();
  const result = withLock(path, deps, () => {
    assert.ok(existsSync(path), "held during the work");
    const body = JSON.parse(readFileSync(path, "utf8"));
    // The fake pid has no /proc entry: no start time to record.
    assert.deepEqual(body, { pid: ACQUIRER_PID, started_at: new Date(deps.clock.t).toISOString(), pid_start: null });

    // Exclusive: a second acquirer (another pid, which sees this holder as alive) cannot take it
    // and does not overwrite it.
    const other = { ...fakeDeps(), pid: ACQUIRER_PID + 1, processAlive: (pid: number) => pid === ACQUIRER_PID };
    let ran = false;
    assert.throws(
      () => withLock(path, other, () => (ran = true)),
      (error: unknown) => error instanceof LockBusyError && error.holderPid === ACQUIRER_PID,
    );
    assert.equal(ran, false);
    assert.deepEqual(JSON.parse(readFileSync(path, "utf8")), body, "the holder's lock is untouched");
    return 42;
  });
  assert.equal(result, 42, "the work's value is returned");
  assert.equal(existsSync(path), false, "released");
  assert.deepEqual(deps.sleeps, [], "a free lock is taken without waiting");
});

test("a lock held by a live process makes the acquirer wait, then fail with LockBusyError", () => {
  const path = lockPath();
  const holder = liveHolder();
  const body = holderBody(holder);
  writeLock(path, body);
  const deps = fakeDeps(LOCK_WAIT_MS / 4);
  const start = deps.clock.t;
  let ran = false;
  assert.throws(
    () => withLock(path, deps, () => (ran = true)),
    (error: unknown) => {
      assert.ok(error instanceof LockBusyError, String(error));
      assert.equal(error.message, `Runtime already running (PID ${holder})`);
      assert.equal(error.holderPid, holder);
      assert.equal(error.code, "lock_busy");
      return true;
    },
  );
  assert.equal(ran, false, "the work never ran");
  assert.ok(deps.sleeps.length >= 1, "it waited before giving up");
  assert.ok(deps.clock.t - start >= LOCK_WAIT_MS, "it gave up only once LOCK_WAIT_MS had passed");
  assert.equal(readFileSync(path, "utf8"), body, "the live holder's lock is left alone");
});

test("a lock naming a dead process is broken and taken at once", () => {
  const path = lockPath();
  writeLock(path, holderBody(deadPid()));
  const deps = fakeDeps();
  const seen = withLock(path, deps, () => JSON.parse(readFileSync(path, "utf8")).pid);
  assert.equal(seen, ACQUIRER_PID, "the lock was rewritten for the new holder");
  assert.deepEqual(deps.sleeps, []);
  assert.equal(existsSync(path), false);
  assert.equal(existsSync(`${path}.break`), false, "the breaker's own lock is cleaned up");
});

for (const [name, body] of [
  ["an unparsable", "{not json"],
  ["an empty", ""],
  ["a wrong-shape", '{"pid":"twelve"}'],
] as const) {
  test(`${name} lock older than the grace period is broken and taken`, () => {
    const path = lockPath();
    writeLock(path, body, 5_000);
    const deps = fakeDeps();
    assert.equal(withLock(path, deps, () => "ran"), "ran");
    assert.deepEqual(deps.sleeps, []);
    assert.equal(existsSync(path), false);
  });

  test(`${name} lock that is fresh (a holder between create and write) is waited on, then broken once past the grace period`, () => {
    const path = lockPath();
    writeLock(path, body);
    const deps = fakeDeps(1_000);
    const start = deps.clock.t;
    assert.equal(withLock(path, deps, () => "ran"), "ran");
    assert.ok(deps.sleeps.length >= 1, "it did not break a lock that may be being written");
    assert.ok(deps.clock.t - start < LOCK_WAIT_MS, "it was taken before the wait ran out");
    assert.equal(existsSync(path), false);
  });
}

test("a lock older than LOCK_STALE_MS is broken even though its pid is alive (pid reuse)", () => {
  const path = lockPath();
  const holder = liveHolder();
  writeLock(path, holderBody(holder), LOCK_STALE_MS + 5_000);
  const deps = fakeDeps();
  const seen = withLock(path, deps, () => JSON.parse(readFileSync(path, "utf8")).pid);
  assert.equal(seen, ACQUIRER_PID);
  assert.equal(processAlive(holder), true, "the old holder's pid was alive all along");
  assert.equal(existsSync(path), false);
});

test("a live lock younger than LOCK_STALE_MS is not broken", () => {
  const path = lockPath();
  const holder = liveHolder();
  const body = holderBody(holder);
  writeLock(path, body, LOCK_STALE_MS - 20_000);
  assert.throws(() => withLock(path, fakeDeps(LOCK_WAIT_MS / 2), () => 0), LockBusyError);
  assert.equal(readFileSync(path, "utf8"), body);
});

test("the lock is released when the work throws, and can be taken again", () => {
  const path = lockPath();
  const deps = fakeDeps();
  assert.throws(
    () =>
      withLock(path, deps, () => {
        assert.ok(existsSync(path));
        throw new Error("boom inside the critical section");
      }),
    /boom inside the critical section/,
  );
  assert.equal(existsSync(path), false, "released after the throw");
  assert.equal(withLock(path, fakeDeps(), () => "again"), "again");
  assert.deepEqual(deps.sleeps, []);
});

test("a breaker's lock left by a process that died while breaking does not block for ever", () => {
  const path = lockPath();
  writeLock(path, holderBody(deadPid()));
  writeFileSync(`${path}.break`, "12345");
  // A clock that moves on every read (the stale path retries without sleeping).
  let t = Date.now();
  const deps: LockDeps = { pid: ACQUIRER_PID, now: () => (t += 1), processAlive, sleep: () => (t += 15) };
  assert.equal(withLock(path, deps, () => "ran"), "ran");
  assert.equal(existsSync(path), false);
  assert.equal(existsSync(`${path}.break`), false);
});

test("a perfloop command waits for a lock held by another live process and proceeds once it is released", async () => {
  const path = lockPath();
  const dir = join(path, "..", "..", "..", "..");
  const holder = liveHolder();
  const body = holderBody(holder);
  writeLock(path, body);
  const pending = cliAsync(["runtime", "start", "--project-root", dir, "--slug", "waiter", "--manifest-file", writeSlugManifest(dir, "waiter")], {
    cwd: dir,
  });
  await delay(300);
  // Whether or not the command has started yet, it must not have taken or written anything.
  assert.equal(readFileSync(path, "utf8"), body, "the live holder's lock is not broken");
  assert.deepEqual(runDirNames(dir), [], "nothing written while the lock is held");
  rmSync(path);
  const result = await pending;
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  assert.equal(result.json?.ok, true);
  assert.deepEqual(runDirNames(dir), [result.json.run_id]);
  assert.equal(existsSync(path), false, "the command released its own lock");
});

test("the acquirer's own pid in a lock file is not a live holder (left by an earlier process with the same pid)", () => {
  const path = lockPath();
  writeLock(path, holderBody(process.pid));
  const deps = { ...fakeDeps(), pid: process.pid };
  assert.equal(withLock(path, deps, () => "ran"), "ran");
  assert.deepEqual(deps.sleeps, []);
});

test("the lock records the holder's start time from /proc/<pid>/stat (field 22)", { skip: noProc }, () => {
  const path = lockPath();
  const deps = { ...fakeDeps(), pid: process.pid };
  const body = withLock(path, deps, () => JSON.parse(readFileSync(path, "utf8")));
  const stat = readFileSync(`/proc/${process.pid}/stat`, "utf8");
  const field22 = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[22 - 3];
  assert.match(String(field22), /^\d+$/);
  assert.equal(body.pid_start, field22);
  assert.equal(processStartTime(process.pid), field22);
});

test("a lock held by a live process that is not a perfloop is stale and taken at once", { skip: noProc }, () => {
  const path = lockPath();
  const holder = foreignHolder();
  writeLock(path, holderBody(holder, processStartTime(holder)));
  const deps = fakeDeps();
  assert.equal(withLock(path, deps, () => JSON.parse(readFileSync(path, "utf8")).pid), ACQUIRER_PID);
  assert.deepEqual(deps.sleeps, [], "taken without waiting");
  assert.equal(processAlive(holder), true, "the other process is left alone");
});

test("a lock whose live pid started at another time (the pid was reused) is stale and taken at once", { skip: noProc }, () => {
  const path = lockPath();
  const holder = liveHolder();
  const real = processStartTime(holder);
  assert.ok(real);
  writeLock(path, holderBody(holder, String(Number(real) - 1)));
  const deps = fakeDeps();
  assert.equal(withLock(path, deps, () => "ran"), "ran");
  assert.deepEqual(deps.sleeps, []);
});

test("a lock held by a live perfloop with its own start time is waited on, then refused", { skip: noProc }, () => {
  const path = lockPath();
  const holder = liveHolder();
  const body = holderBody(holder, processStartTime(holder));
  writeLock(path, body);
  const deps = fakeDeps(LOCK_WAIT_MS / 4);
  assert.throws(() => withLock(path, deps, () => 0), (error: unknown) => error instanceof LockBusyError && error.holderPid === holder && /stop it/.test(error.hint ?? ""));
  assert.ok(deps.sleeps.length >= 1);
  assert.equal(readFileSync(path, "utf8"), body);
});
