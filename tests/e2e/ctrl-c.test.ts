// Ctrl-C keeps its word (docs/run.md, "Questions, scripts and pauses"), through the compiled
// binary: at the target question, at the merge question, while the spinner runs and a test is
// running (a real terminal, tmux), and off a terminal while a measured run is running (kill -INT,
// plain lines), perfloop stops at a safe point, exits 130 and names the resume command; what is
// left running ends with it, and `perfloop resume` then finishes the run. One fixture repository,
// one slug per case.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { removeDir } from "../helpers/cli.ts";
import { CLOSED_FORM, fixtureRepo, reportOf, runPerfloop, TARGET, TEST } from "./run-helpers.ts";

const bin = process.env.PERFLOOP_BIN ? resolve(process.env.PERFLOOP_BIN) : undefined;
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const skipBin = !bin ? "set PERFLOOP_BIN to the compiled binary to run the e2e tests" : process.platform !== "linux" ? "needs Linux /proc" : false;
const skipTmux = skipBin || (!hasTmux ? "tmux is not installed (apt-get install tmux)" : false);
const FAST = ["--max-runs", "20"];
const dirs: string[] = [];
const sessions: string[] = [];
let dir = "";
before(() => {
  dir = fixtureRepo(dirs);
  writeFileSync(join(dir, "hypotheses.json"), JSON.stringify({ version: 1, hypotheses: [CLOSED_FORM] }));
});
after(() => {
  for (const session of sessions) spawnSync("tmux", ["kill-session", "-t", session]);
  dirs.forEach(removeDir);
});

/** A `sleep` duration no other process uses, so that /proc names this test's child. */
const unique = (n: number) => `97.${n}${process.pid}`;

/** The `sleep <marker>` processes running (not zombies). */
function alive(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8");
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (cmdline === `sleep\0${marker}\0` && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z") found.push(Number(name));
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

/** The perfloop processes whose arguments hold `word` (the slug of a case). */
function perfloopWith(word: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
      if (argv[0] === bin && argv.includes(word)) found.push(Number(name));
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

async function until(what: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (what()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return what();
}

/** A command that sleeps `marker` seconds where H1 is applied (work.sh holds the closed form), while the file `slow` exists. */
const slowWithH1 = (command: string, slow: string, marker: string) => `if [ -f '${slow}' ] && grep -q 'n + 1' work.sh; then sleep ${marker}; fi; ${command}`;

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
const tmux = (...args: string[]) => spawnSync("tmux", args, { encoding: "utf8" });

/** perfloop with `args` in a tmux terminal in the fixture; `exit` waits for its end and the screen. */
function terminal(name: string, args: string[]) {
  const session = `perfloop-ctrlc-${name}-${process.pid}`;
  sessions.push(session);
  const exitFile = join(dir, "..", `${session}.exit`);
  dirs.push(exitFile);
  const command = `cd ${quote(dir)} && env -u CI NO_COLOR=1 TERM=xterm-256color ${quote(bin!)} ${args.map(quote).join(" ")}; echo "EXIT=$?" > ${quote(exitFile)}; sleep 120`;
  assert.equal(tmux("new-session", "-d", "-s", session, "-x", "200", "-y", "50", command).status, 0);
  const screen = () => tmux("capture-pane", "-p", "-J", "-t", session, "-S", "-200").stdout ?? "";
  return {
    screen,
    async waitFor(what: string, check: (screen: string) => boolean): Promise<void> {
      if (!(await until(() => check(screen()), 60_000))) assert.fail(`timed out waiting for ${what}; the screen:\n${screen()}`);
    },
    ctrlC: () => assert.equal(tmux("send-keys", "-t", session, "C-c").status, 0),
    async exit(): Promise<{ code: string; screen: string }> {
      if (!(await until(() => existsSync(exitFile), 60_000))) assert.fail(`perfloop did not end; the screen:\n${screen()}`);
      return { code: readFileSync(exitFile, "utf8").trim(), screen: screen() };
    },
  };
}

describe("Ctrl-C on a terminal", { skip: skipTmux }, () => {
  test("at the target question: exit 130, the resume command shown", { timeout: 90_000 }, async () => {
    const t = terminal("target", ["run", TARGET, "--test", TEST, "--hypotheses", "hypotheses.json", "--slug", "c-target", ...FAST]);
    await t.waitFor("the target question", (s) => s.includes("What should it reach"));
    t.ctrlC();
    const end = await t.exit();
    assert.equal(end.code, "EXIT=130", end.screen);
    assert.match(end.screen, /perfloop resume --slug c-target/);
  });

  test("kill -INT while the target question is on the screen: the question is cancelled, exit 130, the resume command shown", { timeout: 90_000 }, async () => {
    const t = terminal("kill", ["run", TARGET, "--test", TEST, "--hypotheses", "hypotheses.json", "--slug", "c-kill", ...FAST]);
    await t.waitFor("the target question", (s) => s.includes("What should it reach"));
    const [pid, ...more] = perfloopWith("c-kill");
    assert.ok(pid !== undefined && more.length === 0, `one perfloop: ${[pid, ...more]}`);
    process.kill(pid, "SIGINT");
    const end = await t.exit();
    assert.equal(end.code, "EXIT=130", end.screen);
    assert.match(end.screen, /perfloop resume --slug c-kill/);
  });

  test("at the merge question: exit 130, the resume command shown", { timeout: 90_000 }, async () => {
    const t = terminal("merge", ["run", TARGET, "--test", TEST, "--hypotheses", "hypotheses.json", "--target", "-50%", "--slug", "c-merge", ...FAST]);
    await t.waitFor("the merge question", (s) => s.includes("Merge perfloop/c-merge into main?"));
    t.ctrlC();
    const end = await t.exit();
    assert.equal(end.code, "EXIT=130", end.screen);
    assert.match(end.screen, /perfloop resume --slug c-merge/);
  });

  test("while the spinner runs and the tests run with a change: the test ends, exit 130, the resume command shown; resume finishes", { timeout: 120_000 }, async () => {
    const slow = join(dir, "..", `c-exec-${process.pid}.slow`);
    writeFileSync(slow, "");
    dirs.push(slow);
    const marker = unique(1);
    const t = terminal("exec", ["run", TARGET, "--test", slowWithH1(TEST, slow, marker), "--hypotheses", "hypotheses.json", "--target", "-50%", "--slug", "c-exec", "--yes", ...FAST]);
    // The spinner says what runs (its label is redrawn every 80 ms).
    await t.waitFor("the tests with H1 running, named by the spinner", (screen) => alive(marker).length > 0 && screen.includes("execute strike: tests with H1"));
    t.ctrlC();
    const end = await t.exit();
    assert.equal(end.code, "EXIT=130", end.screen);
    assert.match(end.screen, /Ctrl-C: stopping at the next safe point/);
    assert.match(end.screen, /phase PHASE_8_EXECUTE.*perfloop resume --slug c-exec carries on/);
    assert.deepEqual(alive(marker), [], "the test ended with perfloop");
    rmSync(slow);
    const done = await runPerfloop(["resume", "--slug", "c-exec", "--json"], { cwd: dir, limitMs: 60_000 });
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.json.final_result, "TARGET_MET");
    assert.deepEqual(reportOf(dir, "c-exec").cycles[0].kept.map((k: { id: string }) => k.id), ["H1"]);
  });
});

describe("Ctrl-C off a terminal (kill -INT, plain lines)", { skip: skipBin }, () => {
  test("while a measured run is running: it ends, exit 130, the stop and the resume command said; resume keeps what the run would have", { timeout: 120_000 }, async () => {
    const slow = join(dir, "..", `c-lines-${process.pid}.slow`);
    writeFileSync(slow, "");
    dirs.push(slow);
    const marker = unique(2);
    const stopped = await runPerfloop(["run", slowWithH1(TARGET, slow, marker), "--test", TEST, "--hypotheses", "hypotheses.json", "--target", "-50%", "--slug", "c-lines", "--yes", ...FAST], {
      cwd: dir,
      limitMs: 60_000,
      interruptWhen: () => alive(marker).length > 0,
    });
    assert.equal(stopped.code, 130, stopped.stderr);
    assert.match(stopped.stderr, /execute strike: measuring H1 against the base\n/, "the set measured is named");
    assert.match(stopped.stderr, /\nCtrl-C: stopping at the next safe point/);
    assert.match(stopped.stderr, /perfloop resume --slug c-lines carries on/);
    assert.doesNotMatch(stopped.stderr, /\n\s+at |killed by SIGINT/);
    assert.deepEqual(alive(marker), [], "the measured run ended with perfloop");
    rmSync(slow);
    const done = await runPerfloop(["resume", "--slug", "c-lines", "--json"], { cwd: dir, limitMs: 60_000 });
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.json.final_result, "TARGET_MET");
    assert.deepEqual(reportOf(dir, "c-lines").cycles[0].kept.map((k: { id: string }) => k.id), ["H1"]);
  });
});
