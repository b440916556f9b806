// What perfloop leaves behind, through the compiled binary on fresh repositories made from
// tests/fixtures/sum-loop: no side work trees once a run or an execute ends (unless --keep-trees),
// the ledger refs and the branch kept; `.hex-skills` out of `git status` whichever command made it;
// every run's report kept when a slug is used again; and `perfloop status` naming the live process
// that drives a run instead of suggesting a resume, until that process is gone.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, describe, test } from "node:test";
import { perfloopArgv, removeDir, tempDir } from "../helpers/cli.ts";
import { CLOSED_FORM, fixtureRepo, git, personState, reportOf, runPerfloop, TARGET, TEST } from "./run-helpers.ts";

const skip = process.env.PERFLOOP_BIN ? false : "set PERFLOOP_BIN to the compiled binary (npm run build) to run the e2e tests";
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

/** The closed form's gain is large: a comparison decides it in a few rounds. */
const FAST = ["--max-runs", "20"];

/** A hypotheses file outside the repository (so that `git status` shows only what perfloop left). */
function hypothesesFile(): string {
  const dir = tempDir("perfloop-tidy-h-");
  dirs.push(dir);
  const file = join(dir, "hypotheses.json");
  writeFileSync(file, JSON.stringify({ version: 1, hypotheses: [CLOSED_FORM] }));
  return file;
}

const trees = (dir: string, slug: string) => join(dir, ".hex-skills", "optimization", slug, "worktree");
const refs = (dir: string, prefix: string) => git(dir, "for-each-ref", "--format=%(refname)", prefix).trim().split("\n").filter(Boolean);

describe("perfloop tidies up", { skip }, () => {
  test("a finished run removes its side trees (--keep-trees keeps them), keeps the ledger and the branch, and a second run of the slug keeps the first one's report", { timeout: 120_000 }, async () => {
    const dir = fixtureRepo(dirs);
    const file = hypothesesFile();
    const before = personState(dir);
    const args = ["run", TARGET, "--test", TEST, "--hypotheses", file, "--target", "-50%", "--slug", "sum", "--yes", "--json", ...FAST];
    const first = await runPerfloop([...args, "--keep-trees"], { cwd: dir });
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(readdirSync(trees(dir, "sum")).filter((name) => !name.startsWith(".")).sort(), ["alternative", "base", "candidate", "profile"]);
    // The person makes room for another run of the slug; the ledger of the first stays.
    git(dir, "branch", "-D", "perfloop/sum");
    const second = await runPerfloop(args, { cwd: dir });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(existsSync(trees(dir, "sum")), false, "the side trees are gone");
    assert.deepEqual(refs(dir, "refs/heads/perfloop/"), ["refs/heads/perfloop/sum"]);
    assert.ok(refs(dir, "refs/perfloop/sum/").length > 0, "the ledger refs stay");
    assert.equal(git(dir, "status", "--porcelain", "--untracked-files=all"), "");
    assert.deepEqual(personState(dir), before);
    // Both reports, each by its run id; the newest at the usual place, and what report and status read.
    const ids = [first.json.run_id, second.json.run_id];
    assert.notEqual(ids[0], ids[1]);
    const kept = readdirSync(join(dir, ".hex-skills/optimization/sum/runs")).sort();
    assert.deepEqual(kept, [...ids].sort());
    for (const id of ids) {
      const runDir = join(dir, ".hex-skills/optimization/sum/runs", id);
      assert.equal(JSON.parse(readFileSync(join(runDir, "report.json"), "utf8")).run_id, id);
      assert.match(readFileSync(join(runDir, "report.md"), "utf8"), /Target met/);
    }
    assert.equal(reportOf(dir, "sum").run_id, ids[1]);
    const report = await runPerfloop(["report", "--slug", "sum", "--json"], { cwd: dir });
    assert.equal(report.json.run_id, ids[1], report.stderr);
    const status = await runPerfloop(["status", "--json"], { cwd: dir });
    assert.equal(status.json.last_run.run_id, ids[1]);
  });

  test("perfloop execute removes its side trees when it ends; --keep-trees keeps them", { timeout: 120_000 }, async () => {
    const dir = fixtureRepo(dirs);
    const file = hypothesesFile();
    const args = ["execute", TARGET, "--hypotheses", file, "--test", TEST, "--json", ...FAST];
    const kept = await runPerfloop([...args, "--slug", "kept", "--keep-trees"], { cwd: dir });
    assert.equal(kept.code, 0, kept.stderr);
    const gone = await runPerfloop([...args, "--slug", "gone"], { cwd: dir });
    assert.equal(gone.code, 0, gone.stderr);
    assert.deepEqual(readdirSync(trees(dir, "kept")).filter((name) => !name.startsWith(".")).sort(), ["alternative", "base", "candidate"]);
    assert.equal(existsSync(trees(dir, "gone")), false);
    assert.deepEqual(gone.json.hypotheses_applied, ["H1"]);
    assert.match(git(dir, "show", "perfloop/gone:work.sh"), /s=\$\(\(n \* \(n \+ 1\) \/ 2\)\)/);
    assert.equal(git(dir, "status", "--porcelain", "--untracked-files=all"), "");
  });

  test("whichever command makes .hex-skills, git status stays empty and the tracked files are as they were", { timeout: 120_000 }, async () => {
    const manifest = join(hypothesesFile(), "..", "manifest.json");
    writeFileSync(manifest, JSON.stringify({ target: TARGET }));
    const commands: [string, string[]][] = [
      ["profile", ["profile", TARGET, "--test", TEST, "--runs", "3", "--json"]],
      ["research", ["research", TARGET, "--test", TEST, "--runs", "3", "--json"]],
      ["compare", ["compare", TARGET, TARGET, "--max-runs", "4", "--json"]],
      ["runtime start", ["runtime", "start", "--slug", "s", "--manifest-file", manifest]],
    ];
    for (const [name, args] of commands) {
      const dir = fixtureRepo(dirs);
      const before = personState(dir);
      const ran = await runPerfloop(args, { cwd: dir });
      assert.equal(ran.code, 0, `${name}: ${ran.stderr}`);
      assert.ok(existsSync(join(dir, ".hex-skills")), `${name} wrote its state`);
      assert.equal(git(dir, "status", "--porcelain", "--untracked-files=all"), "", name);
      assert.deepEqual(personState(dir), before, name);
    }
  });

  test("status names the live process driving a run (pid, phase, since when) and suggests no resume; once it is killed, resume", { timeout: 120_000 }, async () => {
    const dir = fixtureRepo(dirs);
    const file = hypothesesFile();
    // The tests wait in the side trees (the execute phase's check of the base) until `go` exists;
    // preflight runs them in a temporary directory, where they do not wait.
    const go = join(file, "..", "go");
    const test = `case "$PWD" in */worktree/*) while [ ! -f '${go}' ]; do sleep 0.05; done;; esac; ${TEST}`;
    const [command, ...prefix] = perfloopArgv();
    const child = spawn(command!, [...prefix, "run", TARGET, "--test", test, "--hypotheses", file, "--target", "-50%", "--slug", "live", "--yes", "--json", ...FAST], { cwd: dir, stdio: "ignore", env: { ...process.env, NO_COLOR: "1" } });
    const ended = new Promise((resolve) => child.on("close", resolve));
    try {
      let live: Record<string, any> | undefined;
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const status = await runPerfloop(["status", "--json"], { cwd: dir });
        live = status.json?.runs?.[0];
        if (live?.running && live.phase === "PHASE_8_EXECUTE") break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(live?.phase, "PHASE_8_EXECUTE", JSON.stringify(live));
      assert.equal(live.running.pid, child.pid);
      assert.match(live.running.text, new RegExp(`^pid ${child.pid}, phase 8 execute since (\\d\\d:){2}\\d\\d \\(\\d+ s\\)$`));
      assert.match(live.running.command, /^perfloop run "sh work\.sh"/);
      assert.doesNotMatch(live.next_step, /resume/);
      const text = await runPerfloop(["status"], { cwd: dir });
      assert.match(text.stdout, new RegExp(`\\n  running  pid ${child.pid}, phase 8 execute since `));
      assert.match(text.stdout, new RegExp(`\\n  next     nothing while it runs: wait for it to finish, or stop it with kill ${child.pid}\\n`));
      assert.doesNotMatch(text.stdout, /perfloop resume/);
    } finally {
      child.kill("SIGKILL");
      await ended;
      writeFileSync(go, "");
    }
    // Its lock is left behind with a dead pid: now the run is to be resumed.
    assert.ok(existsSync(join(dir, ".hex-skills/optimization/live/run.lock")));
    const dead = await runPerfloop(["status", "--json"], { cwd: dir });
    assert.equal(dead.json.runs[0].running, null);
    assert.match(dead.json.runs[0].next_step, /^perfloop resume --slug live/);
    const resumed = await runPerfloop(["resume", "--slug", "live", "--json"], { cwd: dir });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(resumed.json.final_result, "TARGET_MET");
    assert.equal(existsSync(trees(dir, "live")), false);
  });
});
