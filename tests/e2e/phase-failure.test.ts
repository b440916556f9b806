// A run always finishes (docs/safety.md): a phase that fails the same way every time is not done
// again forever by `perfloop resume`. After two identical failures, `--yes` ends the run with a
// report (stop reason PHASE_FAILED), and without a person or --yes the run pauses with the
// question. Through the compiled binary, on a target that fails only in the profile's side tree
// (it passes preflight's probe, then fails deterministically at every profile).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, describe, test } from "node:test";
import { removeDir } from "../helpers/cli.ts";
import { fixtureRepo, git, personState, reportOf, runPerfloop } from "./run-helpers.ts";

const skip = process.env.PERFLOOP_BIN ? false : "set PERFLOOP_BIN to the compiled binary (npm run build) to run the e2e tests";
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

/** The sum-loop fixture whose target breaks in the profile's side tree only. */
function breakingRepo(): string {
  const dir = fixtureRepo(dirs);
  writeFileSync(join(dir, "target.sh"), 'case "$PWD" in */worktree/profile*) echo "the profile side tree breaks me" >&2; exit 1;; esac\nsh work.sh\n');
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "a target that breaks in the profile");
  return dir;
}

const RUN = ["run", "sh target.sh", "--test", "sh test.sh", "--max-cycles", "1", "--json"];

describe("a phase that keeps failing", { skip }, () => {
  test("--yes: failed, failed again, then the run ends with a report (PHASE_FAILED); the person's work untouched", { timeout: 300_000 }, async () => {
    const dir = breakingRepo();
    const before = personState(dir);
    const first = await runPerfloop([...RUN, "--slug", "fails", "--yes"], { cwd: dir });
    assert.ok(first.code === 1 || first.code === 2, `exit ${first.code}: ${first.stderr}`);
    assert.match(first.stderr, /the profile side tree breaks me/);
    const second = await runPerfloop(["resume", "--slug", "fails", "--yes", "--json"], { cwd: dir });
    assert.equal(second.code, first.code, second.stderr);
    const third = await runPerfloop(["resume", "--slug", "fails", "--yes", "--json"], { cwd: dir });
    assert.equal(third.code, 0, third.stderr);
    assert.equal(third.json.status, "done");
    assert.equal(third.json.stop_reason, "PHASE_FAILED");
    const report = reportOf(dir, "fails");
    assert.ok(report.warnings.some((w: string) => /cycle 1: .*profile.* failed 2 times with: .*the profile side tree breaks me/i.test(w)), JSON.stringify(report.warnings));
    assert.deepEqual(personState(dir), before);
  });

  test("without --yes and no terminal: the third try pauses with the question; --decide end finishes", { timeout: 300_000 }, async () => {
    const dir = breakingRepo();
    for (const args of [[...RUN, "--slug", "ask", "--target", "-50%"], ["resume", "--slug", "ask", "--json"]]) {
      const failed = await runPerfloop(args, { cwd: dir });
      assert.ok(failed.code === 1 || failed.code === 2, `exit ${failed.code}: ${failed.stderr}`);
    }
    const paused = await runPerfloop(["resume", "--slug", "ask", "--json"], { cwd: dir });
    assert.equal(paused.code, 3, paused.stderr);
    assert.equal(paused.json.pending_decision.kind, "phase_failed");
    assert.deepEqual(paused.json.pending_decision.choices, ["retry", "end"]);
    assert.match(paused.json.pending_decision.question, /failed 2 times with: .*the profile side tree breaks me/);
    const ended = await runPerfloop(["resume", "--slug", "ask", "--decide", "end", "--json"], { cwd: dir });
    assert.equal(ended.code, 0, ended.stderr);
    assert.equal(ended.json.stop_reason, "PHASE_FAILED");
  });
});
