// Replay (runtime contract §3 "Loading", FIX 16): history.jsonl is the source of truth and the
// snapshots are caches. A damaged snapshot never changes what `runtime status` reports, replayed
// checkpoints keep their events' times and sequences, the next write repairs the caches, a torn
// last history line is tolerated and cut off, and a damaged line in the middle is a clear error.
import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { after, test } from "node:test";
import { RuntimeService, type RuntimeFlags } from "../../src/runtime/commands.ts";
import { RuntimeDriver, cli, removeDir, snapshotTree, tempDir, writeManifest, type CliResult } from "../helpers/cli.ts";
import {
  assertCheckpointsMatchHistory,
  assertHistoryWellFormed,
  assertNoStackTrace,
  expectOk,
  readHistoryStrict,
  readJson,
  runFiles,
  runStep,
  runtimeArgs,
  runtimeRoot,
  smokeSteps,
  type RunFiles,
  type Step,
} from "../helpers/integration.ts";

const SLUG = "replay-run";
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

interface Fixture {
  dir: string;
  runId: string;
  files: RunFiles;
  /** Every file under the runtime root as it was after the partial run. */
  pristine: Map<string, Buffer>;
  /** `runtime status` of the untouched run. */
  base: any;
  /** The checkpoint entries as the checkpoint commands returned them when they were written. */
  written: any[];
  initialState: any;
  /** Events in history.jsonl of the untouched run. */
  baseHistoryLength: number;
  /** The write issued after each corruption: a guarded advance that needs the replayed GATE checkpoint. */
  next: Step;
}

let fixture: Fixture | null = null;

/** One run driven to the wrong-tool gate (PROCEED checkpointed), captured byte for byte. */
function setup(): Fixture {
  if (fixture) return fixture;
  const dir = tempDir("perfloop-replay-");
  dirs.push(dir);
  const rt = new RuntimeDriver(dir, SLUG);
  const started = expectOk(rt.start(3), "start");
  const steps = smokeSteps(SLUG);
  const gate = steps.findIndex((step) => step.label === "cp 3_WRONG_TOOL_GATE");
  const written: any[] = [];
  for (const step of steps.slice(0, gate + 1)) {
    const out = runStep(dir, SLUG, step);
    if (step.verb === "checkpoint") written.push(out.checkpoint);
  }
  const base = expectOk(rt.status(), "status before corruption");
  assert.equal(base.state.phase, "PHASE_3_WRONG_TOOL_GATE");
  const pristine = new Map<string, Buffer>();
  for (const path of Object.keys(snapshotTree(runtimeRoot(dir)))) {
    pristine.set(path, readFileSync(join(runtimeRoot(dir), path)));
  }
  fixture = {
    dir,
    runId: started.run_id,
    files: runFiles(dir, started.run_id),
    pristine,
    base,
    written,
    initialState: started.state,
    baseHistoryLength: readHistoryStrict(runFiles(dir, started.run_id).history).length,
    next: steps[gate + 1]!,
  };
  assert.equal(fixture.next.label, "adv 4_RESEARCH");
  return fixture;
}

/** Puts the runtime directory back exactly as the partial run left it. */
function restore(fx: Fixture): void {
  const root = runtimeRoot(fx.dir);
  rmSync(root, { recursive: true, force: true });
  for (const [path, bytes] of fx.pristine) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, bytes);
  }
}

function status(fx: Fixture): CliResult {
  return cli(runtimeArgs(fx.dir, SLUG, "status"), { cwd: fx.dir });
}

type Snapshot = "state" | "checkpoints" | "manifest";
type Damage = "truncate" | "empty" | "garbage" | "delete" | "stale";

/** A valid JSON file with the wrong content: a cache that fell behind the history. */
function staleContent(fx: Fixture, file: Snapshot): unknown {
  switch (file) {
    case "state":
      return fx.initialState;
    case "checkpoints":
      return { _history: [], _next_sequence: 1 };
    case "manifest":
      return { ...fx.base.manifest, target: "not the target of this run" };
  }
}

function damage(fx: Fixture, file: Snapshot, how: Damage): void {
  const path = fx.files[file];
  const size = readFileSync(path).length;
  switch (how) {
    case "truncate":
      truncateSync(path, Math.floor(size / 2));
      break;
    case "empty":
      truncateSync(path, 0);
      break;
    case "garbage":
      writeFileSync(path, "\u0000\u0001{{{ not json ]]]\n\u00ff");
      break;
    case "delete":
      rmSync(path);
      break;
    case "stale":
      writeFileSync(path, `${JSON.stringify(staleContent(fx, file), null, 2)}\n`);
      break;
  }
}

/** What `status` reports must equal the untouched run's status, field for field. */
function assertSameAsBase(fx: Fixture, got: any, what: string): void {
  assert.deepEqual(got.state, fx.base.state, `${what}: state`);
  assert.deepEqual(got.checkpoints, fx.base.checkpoints, `${what}: checkpoints`);
  assert.deepEqual(got.manifest, fx.base.manifest, `${what}: manifest`);
  assert.deepEqual(got, fx.base, `${what}: the whole status object`);
}

/** The checkpoints that status reports are the ones the checkpoint commands returned (FIX 16). */
function assertCheckpointsAsWritten(fx: Fixture, checkpoints: any, what: string): void {
  assert.equal(checkpoints._history.length, fx.written.length, `${what}: checkpoint count`);
  checkpoints._history.forEach((entry: any, index: number) => {
    const original = fx.written[index];
    assert.equal(entry.created_at, original.created_at, `${what}: checkpoint ${entry.phase} created_at changed on replay`);
    assert.equal(entry.sequence, original.sequence, `${what}: checkpoint ${entry.phase} sequence changed on replay`);
    assert.deepEqual(entry, original, `${what}: checkpoint ${index}`);
  });
}

/** A snapshot that must exist and parse. */
function readSnapshot(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    assert.fail(`${what}: ${path} is missing after the next write`);
  }
  try {
    return JSON.parse(text);
  } catch {
    assert.fail(`${what}: ${path} is still not JSON after the next write: ${JSON.stringify(text.slice(0, 80))}`);
  }
}

/** After a successful write, the three snapshots are good again and agree with the replay. */
function assertSnapshotsRepaired(fx: Fixture, nextOut: any, what: string): void {
  const replayed = expectOk(status(fx), `${what}: status after the next write`);
  assert.equal(replayed.state.phase, "PHASE_4_RESEARCH", `${what}: the advance took effect`);
  assert.deepEqual(readSnapshot(fx.files.state, what), nextOut.state, `${what}: state.json rewritten`);
  assert.deepEqual(readSnapshot(fx.files.state, what), replayed.state, `${what}: state.json agrees with history`);
  assert.deepEqual(readSnapshot(fx.files.checkpoints, what), fx.base.checkpoints, `${what}: checkpoints.json rewritten`);
  // Regression (was a bug): commit() rewrites manifest.json only when a command changes the manifest or seeds history
  // (src/runtime/store.ts, `if (next.manifest || run.history.length === 0)`), so a damaged manifest
  // cache is never repaired by later writes; with history.jsonl lost the run is then "not found".
  assert.deepEqual(readSnapshot(fx.files.manifest, what), fx.base.manifest, `${what}: manifest.json rewritten`);
  const events = readHistoryStrict(fx.files.history);
  assertHistoryWellFormed(events, fx.runId, what);
  assert.equal(events.length, fx.baseHistoryLength + 1, `${what}: one event appended`);
}

test("the untouched run: replayed checkpoints keep their own created_at and sequence (FIX 16)", () => {
  const fx = setup();
  restore(fx);
  const events = readHistoryStrict(fx.files.history);
  assertHistoryWellFormed(events, fx.runId, "untouched");
  assertCheckpointsMatchHistory(fx.base.checkpoints, events, "untouched");
  // Regression (was a bug): a checkpoint's entry and its CHECKPOINT_RECORDED event take the time from two separate
  // clock reads (src/runtime/commands.ts checkpoint(): `now = this.now()` for the entry, and
  // src/runtime/store.ts commit(): `now = new Date(this.deps.now())` for the event). Replay uses the
  // event's time, so whenever the clock ticks in between, the replayed created_at differs (by a
  // millisecond or more) from the entry the command returned and wrote to checkpoints.json.
  assertCheckpointsAsWritten(fx, fx.base.checkpoints, "untouched");
  // The entries were written over several commands, so their times are not all one load time.
  const times = new Set(fx.base.checkpoints._history.map((entry: any) => entry.created_at));
  assert.ok(times.size > 1, `checkpoint times should differ between commands: ${[...times].join(", ")}`);
  assert.deepEqual(readJson(fx.files.checkpoints), fx.base.checkpoints, "checkpoints.json matches the replay");
  assert.deepEqual(readJson(fx.files.state), fx.base.state, "state.json matches the replay");
});

test("replay returns each checkpoint exactly as the command returned it, even when the clock ticks between reads (FIX 16)", () => {
  // In process, with a clock that moves 1 ms on every read, so that the result does not depend on
  // whether the real clock happened to tick during a command.
  const dir = tempDir("perfloop-replay-clock-");
  dirs.push(dir);
  let clock = Date.parse("2026-04-01T12:00:00.000Z");
  const deps = { pid: process.pid, now: () => clock++, processAlive: () => false, sleep: () => {} };
  const service = (flags: Partial<RuntimeFlags>) =>
    new RuntimeService({ projectRoot: dir, cwd: dir, slug: "clock", resolve: false, ...flags }, deps);
  const started = service({ manifestFile: writeManifest(dir, "clock") }).run("start");
  assert.equal(started.body.ok, true, JSON.stringify(started.body));
  const returned: any[] = [];
  for (const [phase, to] of [
    ["PHASE_0_PREFLIGHT", "PHASE_1_PARSE_INPUT"],
    ["PHASE_1_PARSE_INPUT", "PHASE_2_PROFILE"],
  ] as const) {
    const cp = service({ phase, payload: JSON.stringify({ note: phase }) }).run("checkpoint");
    assert.equal(cp.body.ok, true, JSON.stringify(cp.body));
    returned.push(cp.body.checkpoint);
    assert.equal(service({ to }).run("advance").body.ok, true);
  }
  const runId = String(started.body.run_id);
  const loaded = service({}).store.load(runId);
  assert.ok(loaded);
  // Regression (was a bug): the entry's created_at comes from one clock read in RuntimeService.checkpoint()
  // (src/runtime/commands.ts, `const now = this.now()`) and the CHECKPOINT_RECORDED event's from
  // another in RunStore.commit() (src/runtime/store.ts, `const now = new Date(this.deps.now())`);
  // replay() takes the event's, so the replayed entry is 1+ ms later than the one written, and the
  // next command rewrites checkpoints.json with the shifted times.
  assert.deepEqual(loaded.checkpoints._history, returned, "replayed checkpoints equal the written ones");
  const onDisk = readJson(runFiles(dir, runId).checkpoints);
  assert.deepEqual(onDisk._history, returned, "checkpoints.json still holds the entries the commands returned");
  const status = service({}).run("status");
  assert.deepEqual((status.body.checkpoints as any)._history, returned, "status reports the written checkpoints");
});

const SNAPSHOTS: Snapshot[] = ["state", "checkpoints", "manifest"];
const DAMAGES: Damage[] = ["truncate", "empty", "garbage", "delete", "stale"];

for (const file of SNAPSHOTS) {
  for (const how of DAMAGES) {
    test(`${file}.json ${how}: status is rebuilt from history and the next write repairs the snapshot`, () => {
      const fx = setup();
      restore(fx);
      damage(fx, file, how);
      const what = `${file}.json ${how}`;

      const got = expectOk(status(fx), `${what}: status`);
      assertSameAsBase(fx, got, what);
      assertCheckpointsMatchHistory(got.checkpoints, readHistoryStrict(fx.files.history), what);

      // The guard of the next advance reads the replayed GATE checkpoint (PROCEED).
      const nextOut = runStep(fx.dir, SLUG, fx.next);
      assert.equal(nextOut.state.phase, "PHASE_4_RESEARCH");
      assertSnapshotsRepaired(fx, nextOut, what);
    });
  }
}

test("all three snapshots deleted at once: status is rebuilt from history alone", () => {
  const fx = setup();
  restore(fx);
  for (const file of SNAPSHOTS) rmSync(fx.files[file]);
  const got = expectOk(status(fx), "status");
  assertSameAsBase(fx, got, "all deleted");
  assertCheckpointsMatchHistory(got.checkpoints, readHistoryStrict(fx.files.history), "all deleted");
  const nextOut = runStep(fx.dir, SLUG, fx.next);
  assertSnapshotsRepaired(fx, nextOut, "all deleted");
});

test("history.jsonl lost: the snapshots serve, and the next write seeds a history that replays to the same run", () => {
  const fx = setup();
  restore(fx);
  rmSync(fx.files.history);
  const got = expectOk(status(fx), "status from snapshots");
  // BUG (same as the FIX 16 one above): checkpoints.json was rewritten by later commands with the
  // replayed (event) times, so its entries can differ from those the checkpoint commands returned.
  assert.deepEqual(got.state, fx.base.state, "state from state.json");
  assert.deepEqual(got.manifest, fx.base.manifest, "manifest from manifest.json");
  assertCheckpointsAsWritten(fx, got.checkpoints, "checkpoints from checkpoints.json");
  const nextOut = runStep(fx.dir, SLUG, fx.next);
  const events = readHistoryStrict(fx.files.history);
  assertHistoryWellFormed(events, fx.runId, "history lost");
  assert.deepEqual(
    events.map((event) => event.event_type),
    ["RUN_STARTED", "STATE_SAVED"],
  );
  const replayed = expectOk(status(fx), "status after the write");
  assert.deepEqual(replayed.state, nextOut.state);
  assertCheckpointsAsWritten(fx, replayed.checkpoints, "checkpoints (times, sequences) survive the reseeding");
});

test("a torn last history line is tolerated, then cut off by the next write", () => {
  const fx = setup();
  restore(fx);
  const torn = `{"sequence":${fx.baseHistoryLength + 1},"event_type":"STATE_SAVED","created_at":"2026-04-01T00:00:00.000Z","run_id":"${fx.runId}","state":{"phase":"DO`;
  appendFileSync(fx.files.history, torn);

  const got = expectOk(status(fx), "status with a torn last line");
  assertSameAsBase(fx, got, "torn");
  // status reads only: the torn line is still there.
  assert.ok(readFileSync(fx.files.history, "utf8").endsWith(torn));

  const nextOut = runStep(fx.dir, SLUG, fx.next);
  const text = readFileSync(fx.files.history, "utf8");
  assert.ok(!text.includes('"phase":"DO'), "the torn fragment is gone");
  const events = readHistoryStrict(fx.files.history);
  assertHistoryWellFormed(events, fx.runId, "torn");
  assert.equal(events.length, fx.baseHistoryLength + 1);
  assert.equal(events.at(-1).event_type, "STATE_SAVED");
  assert.deepEqual(events.at(-1).state, nextOut.state);
  assertSnapshotsRepaired(fx, nextOut, "torn");
});

/** Replaces line `index` (0-based) of history.jsonl; the file keeps its final newline. */
function replaceHistoryLine(fx: Fixture, index: number, line: string): void {
  const lines = readFileSync(fx.files.history, "utf8").split("\n");
  assert.ok(index > 0 && index < lines.length - 2, "a line in the middle");
  lines[index] = line;
  writeFileSync(fx.files.history, lines.join("\n"));
}

function assertCorruptHistoryError(fx: Fixture, result: CliResult, what: string): void {
  assert.equal(result.code, 2, `${what}: exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  assert.equal(result.stdout, "", `${what}: nothing on stdout`);
  assertNoStackTrace(result, what);
  const lines = result.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `${what}: one line on stderr: ${result.stderr}`);
  const body = JSON.parse(lines[0]!);
  assert.equal(body.ok, false);
  assert.equal(typeof body.error, "string");
  assert.ok(body.error.includes(fx.files.history), `${what}: the error names ${fx.files.history}: ${body.error}`);
  assert.match(body.error, /corrupt/i, what);
}

for (const [kind, line] of [
  ["not JSON", '{"sequence":3,"event_type":"CHECKPOINT_REC\u0000garbage'],
  ["JSON but not an event", '{"hello":"world"}'],
] as const) {
  test(`a ${kind} line in the middle of history.jsonl is a clear error naming the file, never a rollback`, () => {
    const fx = setup();
    restore(fx);
    replaceHistoryLine(fx, 3, line);
    const before = snapshotTree(runtimeRoot(fx.dir));

    assertCorruptHistoryError(fx, status(fx), "status");
    assertCorruptHistoryError(fx, cli(runtimeArgs(fx.dir, SLUG, "status", { "run-id": fx.runId }), { cwd: fx.dir }), "status --run-id");
    assertCorruptHistoryError(fx, cli(runtimeArgs(fx.dir, SLUG, fx.next.verb, fx.next.flags), { cwd: fx.dir }), "advance");
    assertCorruptHistoryError(
      fx,
      cli(runtimeArgs(fx.dir, SLUG, "checkpoint", { phase: "PHASE_3_WRONG_TOOL_GATE", payload: { gate_verdict: "PROCEED" } }), { cwd: fx.dir }),
      "checkpoint",
    );
    assertCorruptHistoryError(fx, cli(runtimeArgs(fx.dir, SLUG, "pause"), { cwd: fx.dir }), "pause");

    // Nothing was written: no truncation, no snapshot rewritten, no lock left behind.
    assert.deepEqual(snapshotTree(runtimeRoot(fx.dir)), before);
  });
}
