// An interactive `perfloop run` in a real terminal (tmux): the person is shown the baseline and
// asked for a target, answers "-40%", and at the end says yes to the merge. Also `perfloop demo`
// through the binary with nothing on PATH.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import { after, describe, test } from "node:test";
import { removeDir, tempDir } from "../helpers/cli.ts";
import { CLOSED_FORM, fixtureRepo, git, NO_GAIN, reportOf, runPerfloop } from "./run-helpers.ts";

// Absolute: the session starts it from the fixture's directory (npm run test:e2e passes dist/perfloop).
const bin = process.env.PERFLOOP_BIN ? resolve(process.env.PERFLOOP_BIN) : undefined;
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const skipTmux = !bin ? "set PERFLOOP_BIN to the compiled binary to run the e2e tests" : !hasTmux ? "tmux is not installed (apt-get install tmux)" : false;
const dirs: string[] = [];
const sessions: string[] = [];
after(() => {
  for (const session of sessions) spawnSync("tmux", ["kill-session", "-t", session]);
  dirs.forEach(removeDir);
});

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
const tmux = (...args: string[]) => spawnSync("tmux", args, { encoding: "utf8" });
const screen = (session: string) => tmux("capture-pane", "-p", "-t", session, "-S", "-200").stdout ?? "";

async function waitFor(what: string, check: () => boolean, session: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`timed out waiting for ${what}; the screen:\n${screen(session)}`);
}

describe("perfloop run on a terminal", { skip: skipTmux }, () => {
  test("asks for the target after showing the baseline, and merges when the person says yes", { timeout: 240_000 }, async () => {
    const dir = fixtureRepo(dirs);
    writeFileSync(join(dir, "hypotheses.json"), JSON.stringify({ version: 1, hypotheses: [CLOSED_FORM] }));
    const exitFile = join(dir, "..", `${dir.split("/").pop()}.exit`);
    dirs.push(exitFile);
    const session = `perfloop-e2e-${process.pid}`;
    sessions.push(session);
    const command = `cd ${quote(dir)} && env -u CI NO_COLOR=1 TERM=xterm-256color ${quote(bin!)} run 'sh work.sh' --test 'sh test.sh' --hypotheses hypotheses.json --slug tty --max-runs 20; echo "EXIT=$?" > ${quote(exitFile)}; sleep 120`;
    assert.equal(tmux("new-session", "-d", "-s", session, "-x", "150", "-y", "50", command).status, 0);
    await waitFor("the target question", () => screen(session).includes("What should it reach"), session);
    assert.match(screen(session), /Measured baseline[\s\S]*median/);
    tmux("send-keys", "-t", session, "-l", "--", "-40%");
    tmux("send-keys", "-t", session, "Enter");
    await waitFor("the merge question", () => screen(session).includes("Merge perfloop/tty into main?"), session);
    tmux("send-keys", "-t", session, "-l", "y");
    await waitFor("the end of the run", () => existsSync(exitFile), session);
    assert.equal(readFileSync(exitFile, "utf8").trim(), "EXIT=0", screen(session));
    const report = reportOf(dir, "tty");
    assert.equal(report.target_metric.text, "-40%");
    assert.equal(report.target_source, "answered at the prompt");
    assert.equal(report.final_result, "TARGET_MET");
    assert.equal(report.merged.kind, "fast-forward");
    // The person asked for the merge: main now holds the fix, and the tree is clean.
    assert.equal(git(dir, "rev-parse", "main").trim(), git(dir, "rev-parse", "perfloop/tty").trim());
    assert.equal(git(dir, "status", "--porcelain"), "?? hypotheses.json\n");
    assert.match(readFileSync(join(dir, "work.sh"), "utf8"), /n \* \(n \+ 1\)/);
  });
});

describe("perfloop demo", { skip: bin ? false : "set PERFLOOP_BIN to the compiled binary" }, () => {
  test("optimizes the embedded project end to end with nothing installed", { timeout: 240_000 }, async () => {
    const dir = join(tempDir("perfloop-demo-test-"), "demo");
    dirs.push(dir);
    const result = await runPerfloop(["demo", "--dir", dir, "--json"], { cwd: "/", env: { PATH: "/nonexistent" } });
    assert.equal(result.code, 0, result.stderr);
    const report = result.json;
    assert.equal(report.final_result, "TARGET_MET");
    assert.equal(report.branch, "perfloop/demo");
    const cycle = report.cycles[0];
    // The fix comes from the built-in rules; the file's two changes are removed.
    assert.deepEqual(cycle.kept.map((k: { id: string; origin: string }) => [k.id, k.origin]), [["set-membership-words-distinctWords", "built-in rules"]]);
    const removed = Object.fromEntries(cycle.removed.map((r: { id: string; reason: string }) => [r.id, r.reason]));
    assert.match(removed.H2, /^breaks the tests/);
    // A no-op is never kept; its label reads its interval, which noise may put wholly above 1
    // ("slower", docs/measurement.md "One figure per change").
    assert.match(removed.H3, NO_GAIN);
    // The slowness is findable: the profile's source scan confirms the search in a loop.
    assert.match(readFileSync(join(dir, ".hex-skills/optimization/demo/context.md"), "utf8"), /words\.js:6 \(distinctWords\), quadratic_search/);
    // The page beside report.md, with the profile's top functions: Array#includes first (docs/report-html.md).
    assert.equal(report.files.report_html, ".hex-skills/optimization/demo/report.html");
    assert.match(readFileSync(join(dir, report.files.report_html), "utf8"), /<section id="profile">[\s\S]*<td><code>includes<\/code><\/td>/);
    assert.ok(report.timing.total_ms > report.timing.commands_ms, JSON.stringify(report.timing));
    assert.match(git(dir, "log", "-1", "--format=%s", "perfloop/demo"), /^perfloop: set-membership-words-distinctWords: wall time -\d/);
    assert.equal(git(dir, "status", "--porcelain"), "");
  });
});
