// Concurrency (contract §3 "Concurrency", FIX 15): different slugs in one project are independent
// runs; lookups without a slug are ambiguous once two runs are active; a slug with an unfinished
// run gets the recovery response; and concurrent writers on one run, serialized by the single
// project lock, lose nothing.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { cli, cliAsync, removeDir, snapshotTree, tempDir, type CliResult } from "../helpers/cli.ts";
import {
  activeDir,
  assertCheckpointsMatchHistory,
  assertHistoryWellFormed,
  assertNoStackTrace,
  expectOk,
  pointerNames,
  readHistoryStrict,
  readJson,
  runDirNames,
  runFiles,
  runStepsAsync,
  runtimeArgs,
  runtimeRoot,
  smokeSteps,
  writeSlugManifest,
} from "../helpers/integration.ts";

const AMBIGUOUS = "Multiple active ln-810 runs found. Pass --slug or --run-id.";
const LONG = { timeout: 120_000 };

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

function project(): string {
  const dir = tempDir("perfloop-concurrency-");
  dirs.push(dir);
  return dir;
}

function startArgs(dir: string, slug: string): string[] {
  return runtimeArgs(dir, slug, "start", { "manifest-file": writeSlugManifest(dir, slug) });
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function assertHardFail(result: CliResult, error: string, what: string): void {
  assert.equal(result.code, 2, `${what}: exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  assert.equal(result.stdout, "", `${what}: nothing on stdout`);
  assertNoStackTrace(result, what);
  assert.deepEqual(JSON.parse(result.stderr.trim()), { ok: false, error }, what);
}

test("two slugs driven at the same time both reach DONE with their own run dirs and pointers", LONG, async () => {
  const dir = project();
  const slugs = ["alpha-endpoint", "beta-endpoint"];
  const started = (await Promise.all(slugs.map((slug) => cliAsync(startArgs(dir, slug), { cwd: dir })))).map((result, i) =>
    expectOk(result, `start ${slugs[i]}`),
  );
  const runIds: string[] = started.map((body) => body.run_id);
  assert.notEqual(runIds[0], runIds[1]);
  assert.deepEqual(runDirNames(dir), [...runIds].sort(), "one run directory per slug");
  assert.deepEqual(pointerNames(dir), slugs.map((slug) => `${slug}.json`).sort(), "one pointer per slug");
  slugs.forEach((slug, i) => {
    const pointer = readJson(join(activeDir(dir), `${slug}.json`));
    assert.equal(pointer.run_id, runIds[i], `${slug}'s pointer names its own run`);
    assert.equal(pointer.identifier, slug);
    assert.equal(started[i].manifest.identifier, slug);
  });

  // While both are active, a lookup without --slug or --run-id is ambiguous.
  const before = snapshotTree(runtimeRoot(dir));
  const status = cli(runtimeArgs(dir, null, "status"), { cwd: dir });
  assert.equal(status.code, 1, `status: ${status.stdout}${status.stderr}`);
  assert.equal(status.stderr, "");
  assert.deepEqual(JSON.parse(status.stdout), { ok: false, error: AMBIGUOUS }, "status reports the ambiguity on stdout");
  const others: Array<[string, Record<string, string>]> = [
    ["checkpoint", { phase: "PHASE_0_PREFLIGHT" }],
    ["advance", { to: "PHASE_1_PARSE_INPUT" }],
    ["record-worker-result", { worker: "ln-811", payload: "{}" }],
    ["record-cycle", { payload: '{"cycle":1}' }],
    ["pause", {}],
    ["complete", {}],
  ];
  const ambiguous = await Promise.all(others.map(([verb, flags]) => cliAsync(runtimeArgs(dir, null, verb, flags), { cwd: dir })));
  ambiguous.forEach((result, i) => assertHardFail(result, AMBIGUOUS, `${others[i]![0]} without --slug`));
  assert.deepEqual(snapshotTree(runtimeRoot(dir)), before, "the ambiguous commands wrote nothing");
  // Each slug still finds its own run.
  slugs.forEach((slug, i) => {
    const own = expectOk(cli(runtimeArgs(dir, slug, "status"), { cwd: dir }), `status --slug ${slug}`);
    assert.equal(own.runtime.run_id, runIds[i]);
  });

  // The two full flows, interleaved.
  const flows = await Promise.all(slugs.map((slug) => runStepsAsync(dir, slug, smokeSteps(slug))));
  flows.forEach((outputs, i) => {
    const last = outputs.at(-1);
    assert.equal(last.state.phase, "DONE", `${slugs[i]} is DONE`);
    assert.equal(last.state.run_id, runIds[i]);
  });

  assert.deepEqual(runDirNames(dir), [...runIds].sort(), "still exactly one run directory per slug");
  assert.deepEqual(pointerNames(dir), [], "complete removed both pointers");
  slugs.forEach((slug, i) => {
    const runId = runIds[i]!;
    const files = runFiles(dir, runId);
    const byId = expectOk(cli(runtimeArgs(dir, null, "status", { "run-id": runId }), { cwd: dir }), `status ${slug}`);
    assert.equal(byId.state.phase, "DONE");
    assert.equal(byId.state.complete, true);
    assert.equal(byId.state.identifier, slug);
    assert.equal(byId.manifest.identifier, slug);
    assert.equal(byId.state.context_file, `.hex-skills/optimization/${slug}/context.md`, "each run got its own payloads");
    assert.deepEqual(Object.keys(byId.state.worker_results).sort(), ["ln-811", "ln-812", "ln-813", "ln-814"]);
    const events = readHistoryStrict(files.history);
    assertHistoryWellFormed(events, runId, slug);
    assertCheckpointsMatchHistory(byId.checkpoints, events, slug);
    assert.equal(byId.checkpoints._history.length, smokeSteps(slug).filter((step) => step.verb === "checkpoint").length);
    assert.deepEqual(readJson(files.state), byId.state);
  });

  // Once complete, the slug can start a new run.
  const again = expectOk(cli(startArgs(dir, slugs[0]!), { cwd: dir }), "start the first slug again");
  assert.ok(!runIds.includes(again.run_id));
  assert.equal(runDirNames(dir).length, 3);
});

test("starting a slug that has an unfinished run returns the recovery response and writes no second run", () => {
  const dir = project();
  const slug = "same-slug";
  const first = expectOk(cli(startArgs(dir, slug), { cwd: dir }), "first start");
  const files = runFiles(dir, first.run_id);

  const checkRecovery = (what: string) => {
    const before = snapshotTree(runtimeRoot(dir));
    const second = cli(startArgs(dir, slug), { cwd: dir });
    assert.equal(second.code, 1, `${what}: exit ${second.code}\n${second.stdout}${second.stderr}`);
    assert.equal(second.stderr, "", `${what}: the recovery response goes to stdout`);
    const body = JSON.parse(second.stdout);
    assert.equal(body.ok, false);
    assert.equal(body.recovery, true);
    assert.deepEqual(Object.keys(body.run).sort(), ["checkpoints", "history", "manifest", "state"]);
    const status = expectOk(cli(runtimeArgs(dir, slug, "status"), { cwd: dir }), `${what}: status`);
    assert.deepEqual(body.run.manifest, status.manifest);
    assert.deepEqual(body.run.state, status.state);
    assert.deepEqual(body.run.checkpoints, status.checkpoints);
    assert.deepEqual(body.run.history, readHistoryStrict(files.history));
    assert.deepEqual(runDirNames(dir), [first.run_id], `${what}: no second run directory`);
    assert.deepEqual(snapshotTree(runtimeRoot(dir)), before, `${what}: nothing written`);
    return body;
  };

  const fresh = checkRecovery("just started");
  assert.deepEqual(fresh.run.manifest, first.manifest);
  assert.deepEqual(fresh.run.state, first.state);
  assert.deepEqual(
    fresh.run.history.map((event: any) => event.event_type),
    ["RUN_STARTED"],
  );

  expectOk(cli(runtimeArgs(dir, slug, "checkpoint", { phase: "PHASE_0_PREFLIGHT" }), { cwd: dir }), "checkpoint");
  expectOk(cli(runtimeArgs(dir, slug, "pause", { reason: "waiting for the user" }), { cwd: dir }), "pause");
  const paused = checkRecovery("paused");
  assert.equal(paused.run.state.phase, "PAUSED", "a paused run is unfinished too");
  assert.equal(paused.run.checkpoints._history.length, 1);
});

test("concurrent starts of one slug create exactly one run; the others get the recovery response", LONG, async () => {
  const dir = project();
  const slug = "racing-start";
  const manifest = writeSlugManifest(dir, slug);
  const results = await Promise.all(
    range(4).map(() => cliAsync(runtimeArgs(dir, slug, "start", { "manifest-file": manifest }), { cwd: dir })),
  );
  const winners = results.filter((result) => result.code === 0);
  assert.equal(winners.length, 1, `exactly one start succeeds: ${results.map((result) => result.code).join(",")}`);
  const runId = expectOk(winners[0]!, "the winning start").run_id;
  for (const result of results.filter((result) => result.code !== 0)) {
    assert.equal(result.code, 1, `${result.stdout}${result.stderr}`);
    assertNoStackTrace(result, "losing start");
    assert.equal(result.json?.recovery, true, result.stdout);
    assert.equal(result.json.run.state.run_id, runId, "the recovery response names the winner's run");
  }
  assert.deepEqual(runDirNames(dir), [runId]);
  assert.deepEqual(pointerNames(dir), [`${slug}.json`]);
});

test("eight concurrent checkpoints on one run all succeed and none is lost", LONG, async () => {
  const dir = project();
  const slug = "many-checkpoints";
  const runId = expectOk(cli(startArgs(dir, slug), { cwd: dir }), "start").run_id;
  const N = 8;
  const results = await Promise.all(
    range(N).map((writer) =>
      cliAsync(runtimeArgs(dir, slug, "checkpoint", { phase: "PHASE_0_PREFLIGHT", payload: { writer } }), { cwd: dir }),
    ),
  );
  const outputs = results.map((result, writer) => expectOk(result, `checkpoint writer ${writer}`));
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  assert.deepEqual(sorted(outputs.map((out) => out.checkpoint.sequence)), range(N).map((i) => i + 1), "sequences unique, 1..N");
  assert.deepEqual(sorted(outputs.map((out) => out.history_length)), range(N).map((i) => i + 1), "each saw all earlier checkpoints");
  outputs.forEach((out, writer) => assert.deepEqual(out.checkpoint.payload, { writer }));

  const status = expectOk(cli(runtimeArgs(dir, slug, "status"), { cwd: dir }), "status");
  const entries = status.checkpoints._history;
  assert.equal(entries.length, N, "checkpoints._history holds every checkpoint");
  assert.deepEqual(sorted(entries.map((entry: any) => entry.payload.writer)), range(N));
  assert.deepEqual(entries.map((entry: any) => entry.sequence), range(N).map((i) => i + 1));
  assert.equal(status.checkpoints._next_sequence, N + 1);

  const events = readHistoryStrict(runFiles(dir, runId).history);
  assertHistoryWellFormed(events, runId, "after concurrent checkpoints");
  const recorded = events.filter((event) => event.event_type === "CHECKPOINT_RECORDED");
  assert.equal(recorded.length, N, "history has every checkpoint");
  assert.deepEqual(sorted(recorded.map((event) => event.payload.writer)), range(N));
  assertCheckpointsMatchHistory(status.checkpoints, events, "after concurrent checkpoints");
  assert.equal(readJson(runFiles(dir, runId).checkpoints)._history.length, N, "checkpoints.json has them all");
});

test("concurrent writers of different kinds on one run lose no update", LONG, async () => {
  const dir = project();
  const slug = "mixed-writers";
  const runId = expectOk(cli(startArgs(dir, slug), { cwd: dir }), "start").run_id;
  const workers = ["ln-811", "ln-812", "ln-813", "ln-814"];
  const calls: string[][] = [
    ...range(5).map((writer) => runtimeArgs(dir, slug, "checkpoint", { phase: "PHASE_0_PREFLIGHT", payload: { writer } })),
    ...workers.map((worker) => runtimeArgs(dir, slug, "record-worker-result", { worker, payload: { baseline: { by: worker } } })),
    runtimeArgs(dir, slug, "record-cycle", { payload: { cycle: 1, status: "completed" } }),
  ];
  const results = await Promise.all(calls.map((args) => cliAsync(args, { cwd: dir })));
  results.forEach((result, i) => expectOk(result, `writer ${i}: ${calls[i]![1]}`));

  const status = expectOk(cli(runtimeArgs(dir, slug, "status"), { cwd: dir }), "status");
  assert.equal(status.checkpoints._history.length, 5, "every checkpoint kept");
  assert.deepEqual(Object.keys(status.state.worker_results).sort(), workers, "every worker result kept");
  for (const worker of workers) assert.deepEqual(status.state.worker_results[worker].baseline, { by: worker });
  assert.equal(status.state.cycles.length, 1, "the cycle record kept");
  assert.ok(status.state.phases.PHASE_0_PREFLIGHT, "the checkpoint's state change kept");
  const events = readHistoryStrict(runFiles(dir, runId).history);
  assertHistoryWellFormed(events, runId, "mixed writers");
  assertCheckpointsMatchHistory(status.checkpoints, events, "mixed writers");
  assert.deepEqual(readJson(runFiles(dir, runId).state), status.state, "state.json is the last state");

  // Still drivable afterwards.
  expectOk(cli(runtimeArgs(dir, slug, "advance", { to: "PHASE_1_PARSE_INPUT" }), { cwd: dir }), "advance");
});
