// Crash safety (contract §3, FIX 15): perfloop runtime writers are SIGKILLed at random points
// while they drive one run. After every kill the run must still load (`runtime status` succeeds
// with valid JSON), a lock left behind by the killed process must not block the next command, the
// files must stay consistent, and at the end the run must still be drivable to DONE.
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import process from "node:process";
import { after, test } from "node:test";
import { RuntimeDriver, cli, removeDir, tempDir, writeManifest } from "../helpers/cli.ts";
import {
  assertCheckpointsMatchHistory,
  assertHistoryWellFormed,
  assertNoStackTrace,
  expectOk,
  lockFile,
  readHistoryStrict,
  readJson,
  runFiles,
  runStep,
  runtimeArgs,
  seededRandom,
  smokeSteps,
  spawnPerfloop,
  type Exited,
  type Step,
} from "../helpers/integration.ts";

const SLUG = "crash-run";
/** Kill rounds; each spawns WRITERS_PER_ROUND writers. Kept small so the file runs well under a minute. */
const ROUNDS = 20;
const MAX_KILL_DELAY_MS = 150;

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

/** Checkpoint entries without their times (FIX 16 is checked in replay.test.ts). */
const shape = (checkpoints: any) =>
  checkpoints._history.map(({ sequence, phase, cycle, payload }: any) => ({ sequence, phase, cycle, payload }));

/** A writer that finished before its kill printed one JSON document and no stack trace. */
function assertCleanFinish(exited: Exited, what: string): void {
  const out = { code: exited.code ?? -1, stdout: exited.stdout, stderr: exited.stderr, json: undefined };
  assertNoStackTrace(out, what);
  assert.ok([0, 1].includes(exited.code!), `${what}: exit ${exited.code}\nstdout: ${exited.stdout}\nstderr: ${exited.stderr}`);
  const text = exited.stdout.trim() ? exited.stdout : exited.stderr;
  assert.doesNotThrow(() => JSON.parse(text), `${what}: output is not JSON: ${text}`);
}

/** The run as `status` reports it; the command must succeed whatever state the kill left. */
function statusAfterKill(dir: string, runId: string, what: string): any {
  const result = cli(runtimeArgs(dir, SLUG, "status"), { cwd: dir });
  assertNoStackTrace(result, what);
  const body = expectOk(result, what);
  assert.equal(body.state.run_id, runId, `${what}: status names the run`);
  assert.equal(body.runtime.run_id, runId);
  assert.equal(typeof body.state.phase, "string");
  assert.equal(body.active, true, `${what}: the run is still active`);
  return body;
}

/** After a successful write, every file agrees: history parses line by line, caches match it. */
function assertConsistent(dir: string, runId: string, what: string): any {
  const files = runFiles(dir, runId);
  const status = expectOk(cli(runtimeArgs(dir, SLUG, "status"), { cwd: dir }), `${what}: status`);
  const events = readHistoryStrict(files.history);
  assertHistoryWellFormed(events, runId, what);
  assertCheckpointsMatchHistory(status.checkpoints, events, what);
  assert.deepEqual(readJson(files.state), status.state, `${what}: state.json agrees with the history`);
  assert.deepEqual(shape(readJson(files.checkpoints)), shape(status.checkpoints), `${what}: checkpoints.json agrees with the history`);
  assert.equal(existsSync(lockFile(dir)), false, `${what}: no lock is left after a command that finished`);
  return status;
}

test("writers SIGKILLed at random points never leave an unloadable run or a lock that blocks", { timeout: 120_000 }, async () => {
  const seed = Number(process.env.PERFLOOP_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const random = seededRandom(seed);
  const tag = `(seed ${seed}; rerun with PERFLOOP_CRASH_SEED=${seed})`;
  const dir = tempDir("perfloop-crash-");
  dirs.push(dir);
  const rt = new RuntimeDriver(dir, SLUG);
  const runId: string = expectOk(rt.start(3), "start").run_id;
  const steps = smokeSteps(SLUG);
  let cursor = 0;
  let phase = "PHASE_0_PREFLIGHT";
  /** The flow's payload for each phase checkpointed so far; a racer repeats it, so guards still pass. */
  const payloads = new Map<string, object>();
  let killed = 0;
  let locksLeft = 0;

  for (let round = 0; round < ROUNDS; round++) {
    const step = steps[cursor]!;
    const what = `round ${round} (${step.label}) ${tag}`;
    // The next step of the flow, plus two more writers on the same run racing it.
    const writers: Step[] = [
      step,
      { label: `cp ${phase} (racer)`, verb: "checkpoint", flags: { phase, payload: { ...payloads.get(phase), crash_round: round } } },
      { label: "rwr (racer)", verb: "record-worker-result", flags: { worker: "ln-811", payload: { baseline: { crash_round: round } } } },
    ];
    const running = writers.map((writer) => {
      const proc = spawnPerfloop(runtimeArgs(dir, SLUG, writer.verb, writer.flags), dir);
      const timer = setTimeout(() => proc.child.kill("SIGKILL"), Math.floor(random() * (MAX_KILL_DELAY_MS + 1)));
      return proc.exited.finally(() => clearTimeout(timer));
    });
    const outcomes = await Promise.all(running);
    outcomes.forEach((exited, index) => {
      if (exited.signal === "SIGKILL") killed++;
      else assertCleanFinish(exited, `${what}: writer ${writers[index]!.label}`);
    });
    if (existsSync(lockFile(dir))) locksLeft++;

    // The run loads whatever the kills left (torn history tail, stale lock, temp files).
    const status = statusAfterKill(dir, runId, `${what}: status after the kills`);

    // The next command succeeds: a lock left by a killed writer does not block it.
    if (step.reaches && status.state.phase === step.reaches) {
      runStep(dir, SLUG, { label: "rwr after kill", verb: "record-worker-result", flags: { worker: "ln-811", payload: { baseline: { after_kill: round } } } });
    } else {
      runStep(dir, SLUG, step);
    }
    if (step.verb === "checkpoint") payloads.set(String(step.flags.phase), step.flags.payload as object);
    cursor++;
    phase = assertConsistent(dir, runId, what).state.phase;
    if (step.reaches) assert.equal(phase, step.reaches, `${what}: the step took effect`);
  }

  // Drive the rest of the flow to DONE with `complete`.
  for (const step of steps.slice(cursor)) runStep(dir, SLUG, step);
  const done = expectOk(cli(runtimeArgs(dir, SLUG, "status", { "run-id": runId }), { cwd: dir }), `final status ${tag}`);
  assert.equal(done.state.phase, "DONE");
  assert.equal(done.state.complete, true);
  assert.equal(done.active, false);
  const events = readHistoryStrict(runFiles(dir, runId).history);
  assertHistoryWellFormed(events, runId, `final ${tag}`);
  assert.equal(events.at(-1).event_type, "RUN_COMPLETED");
  // Sanity of the schedule itself: kills did happen (not an assertion on speed: a kill at 0-150 ms
  // of 60 writers always lands on some of them).
  assert.ok(killed > 0, `no writer was killed ${tag}`);
  console.log(`crash: ${killed} writers killed, ${locksLeft} rounds left a lock ${tag}`);
});

test("a lock left by a writer killed inside its critical section does not block the next command", { timeout: 60_000 }, async () => {
  const dir = tempDir("perfloop-crash-lock-");
  dirs.push(dir);
  const rt = new RuntimeDriver(dir, SLUG);
  const runId: string = expectOk(rt.start(3), "start").run_id;
  // A writer killed at once; then its lock, as if it had died holding it.
  const writer = spawnPerfloop(runtimeArgs(dir, SLUG, "checkpoint", { phase: "PHASE_0_PREFLIGHT" }), dir);
  const pid = writer.child.pid!;
  writer.child.kill("SIGKILL");
  const exited = await writer.exited;
  assert.equal(exited.signal, "SIGKILL");
  writeFileSync(lockFile(dir), `${JSON.stringify({ pid, started_at: new Date().toISOString() })}\n`);

  const next = expectOk(rt.cp("0_PREFLIGHT", { after: "kill" }), "checkpoint after the kill");
  assert.equal(next.checkpoint.payload.after, "kill");
  assert.equal(existsSync(lockFile(dir)), false, "the stale lock was broken and the new one released");
  expectOk(rt.adv("1_PARSE_INPUT"), "advance");
  assertConsistent(dir, runId, "after a stale lock");
});

test("a start SIGKILLed at a random point leaves a project where start and status still work", { timeout: 60_000 }, async () => {
  const seed = Number(process.env.PERFLOOP_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const random = seededRandom(seed ^ 0x5eed);
  const tag = `(seed ${seed}; rerun with PERFLOOP_CRASH_SEED=${seed})`;
  for (let round = 0; round < 6; round++) {
    const dir = tempDir("perfloop-crash-start-");
    dirs.push(dir);
    const rt = new RuntimeDriver(dir, SLUG);
    const args = runtimeArgs(dir, SLUG, "start", { "manifest-file": writeManifest(dir, SLUG) });
    const writer = spawnPerfloop(args, dir);
    const timer = setTimeout(() => writer.child.kill("SIGKILL"), Math.floor(random() * (MAX_KILL_DELAY_MS + 1)));
    const exited = await writer.exited.finally(() => clearTimeout(timer));
    const what = `round ${round} ${tag}`;
    if (exited.signal !== "SIGKILL") assertCleanFinish(exited, `${what}: start`);

    const status = cli(runtimeArgs(dir, SLUG, "status"), { cwd: dir });
    assertNoStackTrace(status, `${what}: status`);
    assert.equal(status.code, 0, `${what}: status exit ${status.code}\n${status.stdout}${status.stderr}`);
    const again = rt.start(3);
    assertNoStackTrace(again, `${what}: start again`);
    if (status.json.active) {
      // The killed start got as far as its pointer: the run is there, and is offered for recovery.
      assert.equal(again.code, 1, `${what}: ${again.stdout}${again.stderr}`);
      assert.equal(again.json.recovery, true);
      assert.equal(again.json.run.state.run_id, status.json.runtime.run_id);
    } else {
      assert.equal(again.code, 0, `${what}: a start after a killed start succeeds\n${again.stdout}${again.stderr}`);
    }
    const runId = expectOk(rt.status(), `${what}: status after the second start`).runtime.run_id;
    expectOk(rt.cp("0_PREFLIGHT"), `${what}: checkpoint`);
    assertConsistent(dir, runId, what);
  }
});
