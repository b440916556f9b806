// A run never hides behind its pointer (docs/runtime.md, "Active runs"): with the active pointer
// `.hex-skills/optimization/runtime/active/ln-810/<slug>.json` corrupt or gone, the runtime verbs,
// `perfloop status`, `perfloop resume` and a second `perfloop run` of the slug still find the
// unfinished run in runs/ (a paused one included); two unfinished runs of a slug without a valid
// pointer are refused with one line naming both. Through the CLI: Bun, Deno and the binary.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { RuntimeDriver, cli, removeDir, tempDir, type CliResult } from "../helpers/cli.ts";
import { fixtureRepo } from "../helpers/repo.ts";

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

const pointerOf = (dir: string, slug: string) => join(dir, ".hex-skills", "optimization", "runtime", "active", "ln-810", `${slug}.json`);
const describe = (result: CliResult) => `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;

/** Ways a pointer goes bad: torn by a full disk, edited by hand, or gone. */
const DAMAGE: [string, (file: string) => void][] = [
  ["torn", (file) => writeFileSync(file, '{"skill":"ln-810","identif')],
  ["not a pointer", (file) => writeFileSync(file, '{"hello":"world"}\n')],
  ["naming a run that is not there", (file) => writeFileSync(file, `${JSON.stringify({ skill: "ln-810", identifier: "agent", run_id: "ln-810-agent-1700000000000-deadbeef", updated_at: "2026-01-01T00:00:00.000Z" })}\n`)],
  ["gone", (file) => rmSync(file)],
];

/** A run driven by an agent (`perfloop runtime`), paused at the gate. */
function pausedAgentRun(dir: string, slug: string): string {
  const rt = new RuntimeDriver(dir, slug);
  const runId = rt.start().json.run_id as string;
  assert.ok(runId, "started");
  assert.equal(rt.call("pause", { reason: "waiting for a person" }).code, 0);
  return runId;
}

for (const [name, damage] of DAMAGE) {
  test(`a pointer that is ${name}: the runtime verbs and perfloop status still find the paused run`, () => {
    const dir = tempDir();
    dirs.push(dir);
    const slug = "agent";
    const runId = pausedAgentRun(dir, slug);
    damage(pointerOf(dir, slug));
    const rt = new RuntimeDriver(dir, slug);

    const byslug = rt.status();
    assert.equal(byslug.code, 0, describe(byslug));
    assert.equal(byslug.json.runtime.run_id, runId, "status --slug finds the run from runs/");
    assert.equal(byslug.json.active, true);
    const only = cli(["runtime", "status", "--project-root", dir], { cwd: dir });
    assert.equal(only.json?.runtime?.run_id, runId, `status without a slug: ${describe(only)}`);

    const again = rt.start();
    assert.equal(again.code, 1, `a second start is the recovery response: ${describe(again)}`);
    assert.equal(again.json.recovery, true);
    assert.equal(again.json.run.state.run_id, runId);
    assert.equal(readFileSync(join(dir, ".hex-skills", "optimization", "runtime", "runs", runId, "state.json"), "utf8").includes('"phase": "PAUSED"'), true);

    const people = cli(["status", "--project-root", dir, "--json"], { cwd: dir });
    assert.equal(people.code, 0, describe(people));
    assert.deepEqual(people.json.runs.map((run: { run_id: string }) => run.run_id), [runId], "perfloop status lists it");
    const resume = cli(["resume", "--project-root", dir, "--slug", slug], { cwd: dir });
    assert.doesNotMatch(resume.stderr, /no unfinished run/, `resume finds it: ${describe(resume)}`);

    // The next write rebuilds the pointer.
    const resumed = rt.call("advance", { to: "PHASE_0_PREFLIGHT", resolve: true });
    assert.equal(resumed.code, 0, describe(resumed));
    assert.equal(JSON.parse(readFileSync(pointerOf(dir, slug), "utf8")).run_id, runId, "the pointer names the run again");
  });
}

test("two unfinished runs of one slug and no valid pointer: one line naming both, nothing chosen at random", () => {
  const dir = fixtureRepo(dirs, "sum-loop");
  const slug = "twice";
  const first = pausedAgentRun(dir, slug);
  rmSync(pointerOf(dir, slug));
  // What the old defect left: a second start that did not see the first run (moved aside here).
  const runs = join(dir, ".hex-skills", "optimization", "runtime", "runs");
  const hidden = join(dir, "hidden");
  renameSync(join(runs, first), hidden);
  const second = pausedAgentRun(dir, slug);
  renameSync(hidden, join(runs, first));
  writeFileSync(pointerOf(dir, slug), "{");

  for (const args of [
    ["runtime", "status", "--project-root", dir, "--slug", slug],
    ["runtime", "checkpoint", "--project-root", dir, "--slug", slug, "--phase", "PHASE_0_PREFLIGHT"],
  ]) {
    const result = cli(args, { cwd: dir });
    assert.equal(result.code, 2, describe(result));
    assert.equal(result.stdout, "");
    const body = JSON.parse(result.stderr.trim());
    assert.match(body.error, new RegExp(`^2 unfinished runs of slug twice \\((${first}, ${second}|${second}, ${first})\\) and no valid pointer to choose between them`));
  }
  const resume = cli(["resume", "--project-root", dir, "--slug", slug], { cwd: dir });
  assert.equal(resume.code, 2, describe(resume));
  assert.match(resume.stderr, /^perfloop: 2 unfinished runs of slug twice .*\(keep one: move the other's directory out of \.hex-skills\/optimization\/runtime\/runs\//);
  assert.equal(resume.stderr.trim().split("\n").length, 1);
});

test("perfloop run: a paused run behind a corrupt pointer is resumed, and a second run of the slug is refused", { timeout: 120_000 }, () => {
  const dir = fixtureRepo(dirs, "sum-loop");
  writeFileSync(
    join(dir, "h.json"),
    JSON.stringify({ version: 1, hypotheses: [{ id: "H9", description: "an edit that does not apply", evidence: "a typo", change: { kind: "edit", file: "work.sh", search: "while [ $j -lt $n ]", replace: "x" } }] }),
  );
  const run = ["run", "sh work.sh", "--test", "sh test.sh", "--hypotheses", "h.json", "--slug", "sum", "--yes", "--max-runs", "10"];
  const first = cli(run, { cwd: dir });
  assert.equal(first.code, 3, `paused at the NO_GO: ${describe(first)}`);
  writeFileSync(pointerOf(dir, "sum"), '{"skill":"ln-810","ident');

  const resumed = cli(["resume", "--slug", "sum", "--yes"], { cwd: dir });
  assert.equal(resumed.code, 3, `resume finds the paused run and asks again: ${describe(resumed)}`);
  assert.match(resumed.stdout, /answer with: perfloop resume --slug sum --decide waive\|cancel/);

  writeFileSync(pointerOf(dir, "sum"), "garbage");
  const second = cli(run, { cwd: dir });
  assert.equal(second.code, 2, describe(second));
  assert.match(second.stderr, /^perfloop: an unfinished run exists for slug sum \(continue it with: perfloop resume --slug sum/m);
  const runs = join(dir, ".hex-skills", "optimization", "runtime", "runs");
  assert.equal(readdirSync(runs).length, 1, "no second run was started");
});
