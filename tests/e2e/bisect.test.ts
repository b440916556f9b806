// `perfloop bisect` through the compiled binary on generated histories (docs/bisect.md): one slow
// commit among 40 is found in about log2(40) probes; a slowdown in three steps is reported as
// such; failing commits in the middle are skipped; bad not slower than good is refused with one
// line; a SIGKILL in the middle, then `perfloop resume`, reaches the same answer; a merge that
// brought the slowdown is named with its branch. Each history's command sleeps for the time in
// its `delay` file, with large ratios, so the verdicts hold on a noisy machine. The cases are
// independent and mostly asleep, so they run at the same time; each test awaits its own.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, describe, test } from "node:test";
import { type CliResult, removeDir, tempDir } from "../helpers/cli.ts";
import { git, personState } from "../helpers/repo.ts";
import { runPerfloop } from "./run-helpers.ts";

const skip = process.env.PERFLOOP_BIN ? false : "set PERFLOOP_BIN to the compiled binary (npm run build) to run the e2e tests";
/** A low cap and no warm-up: the ratios are large, and CI time is short (probes start at 6 rounds; 12 leaves room for an outlier). */
const FAST = ["--max-runs", "12", "--warmup", "0"];
const FAST_MS = 0.02;
const SLOW_MS = 0.1;
const dirs: string[] = [];
/** Per test: they all run at once, so each may wait for the slowest. */
const LIMIT_MS = 150_000;

interface Result extends CliResult {
  ms: number;
}

/** Runs perfloop; `stop.when` is polled and `stop.signal` sent once it holds (then `killed` is true). */
async function perfloop(args: string[], cwd: string, stop?: { when: () => boolean; signal: "SIGKILL" | "SIGINT" }): Promise<Result & { killed: boolean }> {
  const result = await runPerfloop(args, { cwd, killAfterMs: 180_000, ...(stop ? { interruptWhen: stop.when, stopSignal: stop.signal } : {}) });
  return { ...result, killed: result.stopped };
}

const WORK_SH = '#!/bin/sh\n[ -f crash ] && { echo "crashed" >&2; exit 3; }\nsleep "$(cat delay)"\n';
const BUILD_SH = '#!/bin/sh\n[ -f broken ] && { echo "build broken" >&2; exit 1; }\nexit 0\n';

/**
 * A repository whose commit 0 (good) and commits 1..n each set the command's sleep: `delays[i]` at
 * commit i (i = 0 included). `broken` commits fail their setup (build.sh), `crashing` ones their
 * command; the commit after one puts it right again. Written with one `git fast-import`, then
 * checked out. Returns the directory and every commit id, oldest first.
 */
function history(delays: readonly number[], options: { broken?: number[]; crashing?: number[] } = {}): { dir: string; commits: string[] } {
  const dir = tempDir("perfloop-bisect-");
  dirs.push(dir);
  git(dir, "init", "-q", "-b", "main");
  const file = (path: string, text: string) => `M 100644 inline ${path}\ndata ${Buffer.byteLength(text)}\n${text}\n`;
  let stream = "";
  delays.forEach((delay, i) => {
    const message = i === 0 ? "base" : `change ${i}`;
    stream += `commit refs/heads/main\nmark :${i + 1}\nauthor t <t@t> ${1_700_000_000 + i * 60} +0000\ncommitter t <t@t> ${1_700_000_000 + i * 60} +0000\ndata ${message.length}\n${message}\n`;
    if (i > 0) stream += `from :${i}\n`;
    else stream += file("work.sh", WORK_SH) + file("build.sh", BUILD_SH);
    stream += file("delay", `${delay}\n`) + file("counter", `${i}\n`);
    for (const [name, at] of [["broken", options.broken ?? []], ["crash", options.crashing ?? []]] as const) {
      if (at.includes(i)) stream += file(name, "1\n");
      else if (at.includes(i - 1)) stream += `D ${name}\n`;
    }
    stream += "\n";
  });
  const imported = spawnSync("git", ["fast-import", "--quiet"], { cwd: dir, input: stream, encoding: "utf8" });
  assert.equal(imported.status, 0, imported.stderr);
  git(dir, "reset", "-q", "--hard", "main");
  const commits = git(dir, "rev-list", "--reverse", "main").trim().split("\n");
  assert.equal(commits.length, delays.length);
  return { dir, commits };
}

const stateOf = (dir: string, slug = "bisect") => JSON.parse(readFileSync(join(dir, ".hex-skills", "optimization", slug, "bisect.json"), "utf8"));
const eventsOf = (dir: string): unknown[] => {
  try {
    return stateOf(dir).events;
  } catch {
    return [];
  }
};

type Case = { dir: string; commits: string[]; before: Record<string, string>; result: Promise<Result> };
type Stopped = { stopped: Result & { killed: boolean }; eventsAtStop: unknown[]; resumed: Result };
const cases: Record<string, Case> = {};
/** The two drives of the killed case: the one killed, then the resume. */
let killedDrive: Promise<{ killed: Result & { killed: boolean }; eventsAtKill: unknown[]; status: Result; statusText: Result; resumed: Result }> | null = null;
let killedCase: { dir: string; commits: string[]; before: Record<string, string> } | null = null;
/** The same with Ctrl-C (SIGINT) once a probe is in, without --json: the stop is said on stderr. */
let interrupted: Promise<Stopped> | null = null;
let interruptedCase: { dir: string; commits: string[]; before: Record<string, string> } | null = null;

function start(name: string, repo: { dir: string; commits: string[] }, args: string[]): void {
  const before = personState(repo.dir);
  cases[name] = { ...repo, before, result: perfloop(["bisect", ...args, "--json"], repo.dir) };
}

/**
 * Makes every history and starts every case, once: called by each test (under its own time limit),
 * so the cases run at the same time while the tests await them one by one.
 */
let started = false;
function startAll(): void {
  if (started) return;
  started = true;
  // One slow commit among 40: commit 23.
  start("one", history(Array.from({ length: 41 }, (_, i) => (i >= 23 ? SLOW_MS : FAST_MS))), ["--good", "HEAD~40", "--bad", "HEAD", "sh work.sh", ...FAST]);
  // Three steps of 1.7x (0.05 -> 0.085 -> 0.145 -> 0.25 s) at commits 2, 4 and 6; threshold 90%: none alone beyond it.
  const steps = [0.05, 0.05, 0.085, 0.085, 0.145, 0.145, 0.25];
  start("steps", history(steps), ["--good", "HEAD~6", "sh work.sh", "--threshold", "90", ...FAST]);
  // The slowdown at 11 of 16; 8 does not build, 9 crashes: both are skipped, their neighbours probed.
  start("skip", history(Array.from({ length: 17 }, (_, i) => (i >= 11 ? SLOW_MS : FAST_MS)), { broken: [8], crashing: [9] }), ["--good", "HEAD~16", "--setup", "sh build.sh", "sh work.sh", ...FAST]);
  // Good slower than bad: nothing to bisect.
  start("refused", history([SLOW_MS, SLOW_MS, FAST_MS, FAST_MS]), ["--good", "HEAD~3", "sh work.sh", ...FAST]);
  // A merge of a branch that made it slow, bisected on main's first-parent line.
  const merge = mergeHistory();
  start("merge", merge, ["--good", merge.commits[0]!, "sh work.sh", ...FAST]);
  // SIGKILL once the ends are compared and two probes are in, then perfloop resume.
  const killed = history(Array.from({ length: 25 }, (_, i) => (i >= 7 ? SLOW_MS : FAST_MS)));
  killedCase = { ...killed, before: personState(killed.dir) };
  killedDrive = (async () => {
    let eventsAtKill: unknown[] = [];
    const when = () => {
      const events = eventsOf(killed.dir);
      if (events.length < 3) return false;
      eventsAtKill = events;
      return true;
    };
    const first = await perfloop(["bisect", "--good", "HEAD~24", "sh work.sh", ...FAST, "--json"], killed.dir, { when, signal: "SIGKILL" });
    // perfloop status names the unfinished bisect and how to carry it on.
    const status = await perfloop(["status", "--json"], killed.dir);
    const statusText = await perfloop(["status"], killed.dir);
    const resumed = await perfloop(["resume", "--json"], killed.dir);
    return { killed: first, eventsAtKill, status, statusText, resumed };
  })();
  const stopped = history(Array.from({ length: 13 }, (_, i) => (i >= 9 ? SLOW_MS : FAST_MS)));
  interruptedCase = { ...stopped, before: personState(stopped.dir) };
  interrupted = (async () => {
    let eventsAtStop: unknown[] = [];
    const when = () => {
      const events = eventsOf(stopped.dir);
      if (events.length < 2) return false;
      eventsAtStop = events;
      return true;
    };
    const first = await perfloop(["bisect", "--good", "HEAD~12", "sh work.sh", ...FAST], stopped.dir, { when, signal: "SIGINT" });
    const resumed = await perfloop(["resume", "--json"], stopped.dir);
    return { stopped: first, eventsAtStop, resumed };
  })();
}
after(() => dirs.forEach(removeDir));

/** main: good, one commit, then a merge of `feature` (whose second commit is slow), then two more. */
function mergeHistory(): { dir: string; commits: string[] } {
  const { dir, commits } = history([FAST_MS, FAST_MS]);
  git(dir, "checkout", "-q", "-b", "feature");
  for (const [i, delay] of [FAST_MS, SLOW_MS].entries()) {
    writeFileSync(join(dir, "delay"), `${delay}\n`);
    writeFileSync(join(dir, "feature"), `${i + 1}\n`);
    git(dir, "add", "-A");
    git(dir, "commit", "-qm", `feature ${i + 1}`);
  }
  git(dir, "checkout", "-q", "main");
  writeFileSync(join(dir, "other"), "1\n");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "main work");
  commits.push(git(dir, "rev-parse", "HEAD").trim());
  git(dir, "merge", "-q", "--no-ff", "-m", "Merge branch 'feature'", "feature");
  commits.push(git(dir, "rev-parse", "HEAD").trim());
  for (const i of [1, 2]) {
    writeFileSync(join(dir, "other"), `${i + 1}\n`);
    git(dir, "commit", "-qam", `after ${i}`);
    commits.push(git(dir, "rev-parse", "HEAD").trim());
  }
  return { dir, commits };
}

/** What a failed assertion shows: each probe's commit position, verdict and reason. */
function probesText(answer: Record<string, any>, commits: readonly string[]): string {
  return (answer?.probes ?? []).map((p: any) => `${commits.indexOf(p.commit)} ${p.verdict}: ${p.reason}`).join("\n");
}

/** The case's answer; the person's HEAD, branch, index and files are as they were. */
async function answerOf(name: string, code = 0): Promise<Record<string, any>> {
  startAll();
  const c = cases[name]!;
  const result = await c.result;
  assert.equal(result.code, code, `${name}: exit ${result.code}\n${result.stderr}\n${result.stdout}`);
  assert.deepEqual(personState(c.dir), c.before, `${name}: the person's repository changed`);
  return result.json as Record<string, any>;
}

describe("perfloop bisect (binary)", { skip }, () => {
  test("one slow commit among 40 is named, with its parent's ratio, in about log2(40) probes", { timeout: LIMIT_MS }, async () => {
    const answer = await answerOf("one");
    const { commits } = cases.one!;
    assert.equal(answer.ok, true);
    assert.equal(answer.answer, "single", probesText(answer, commits));
    assert.equal(answer.first_slow_commit, commits[23]);
    assert.equal(answer.subject, "change 23");
    assert.equal(answer.author, "t <t@t>");
    assert.equal(answer.parent, commits[22]);
    assert.ok(answer.vs_parent.ratio > 2 && answer.vs_parent.ci[0] > 1.5, JSON.stringify(answer.vs_parent));
    assert.ok(answer.vs_parent.p < 0.05 && answer.vs_parent.n >= 6);
    // About log2(40) = 5.3: 6 when every probe decides, one or two more when noise leaves one undecided.
    assert.ok(answer.measured_commits <= Math.ceil(Math.log2(40)) + 2, `${answer.measured_commits} commits measured:\n${probesText(answer, commits)}`);
    assert.equal(answer.history_commits, 40);
    // The side trees are gone; the checkpoint says done.
    assert.equal(stateOf(cases.one!.dir).status, "done");
    assert.throws(() => readFileSync(join(cases.one!.dir, ".hex-skills", "optimization", "bisect", "worktree", "bisect-1", "delay")));
  });

  test("a slowdown in three steps, none beyond the threshold, is reported as several steps", { timeout: LIMIT_MS }, async () => {
    const answer = await answerOf("steps");
    const { commits } = cases.steps!;
    assert.equal(answer.answer, "several_steps", `${probesText(answer, commits)}\n${JSON.stringify(answer.steps, null, 1)}`);
    assert.equal(answer.first_slow_commit, null);
    const real = answer.steps.filter((step: { outcome: string }) => step.outcome === "within");
    assert.deepEqual(real.map((step: { commit: string }) => step.commit), [commits[2], commits[4], commits[6]]);
    for (const step of real) assert.ok(step.vs_parent.ratio > 1.3 && step.vs_parent.ratio < 1.9, JSON.stringify(step.vs_parent));
  });

  test("commits whose build or command fails in the middle are skipped and their neighbours probed", { timeout: LIMIT_MS }, async () => {
    const answer = await answerOf("skip");
    const { commits } = cases.skip!;
    assert.equal(answer.answer, "single", probesText(answer, commits));
    assert.equal(answer.first_slow_commit, commits[11]);
    const verdicts = Object.fromEntries(answer.probes.map((probe: { commit: string; verdict: string }) => [commits.indexOf(probe.commit), probe.verdict]));
    assert.equal(verdicts[8], "failed");
    assert.equal(verdicts[9], "failed");
    const reasons = answer.probes.filter((probe: { verdict: string }) => probe.verdict === "failed").map((probe: { reason: string }) => probe.reason).join("\n");
    assert.match(reasons, /--setup failed \(exit 1\): build broken/);
    assert.match(reasons, /the command failed: .*exit 3/);
  });

  test("good not faster than bad is refused with one clear line, exit 1", { timeout: LIMIT_MS }, async () => {
    startAll();
    const c = cases.refused!;
    const result = await c.result;
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, "");
    const error = JSON.parse(result.stderr.trim());
    assert.equal(error.ok, false);
    assert.match(error.error, /^bad \(HEAD, [0-9a-f]{12}\) is not slower than good \(HEAD~3, [0-9a-f]{12}\) by the 2% threshold or more: ratio 0\.\d+ \(95% CI .*, p = .*, n = \d+\); nothing to bisect$/);
    assert.deepEqual(personState(c.dir), c.before);
    // Without --json: the same, as one line on stderr.
    const plain = await perfloop(["bisect", "--good", "HEAD~3", "sh work.sh", ...FAST], c.dir);
    assert.equal(plain.code, 1);
    const last = plain.stderr.trim().split("\n").at(-1)!;
    assert.match(last, /^perfloop: bad \(HEAD, [0-9a-f]{12}\) is not slower than good .*nothing to bisect \(check --good and --bad: good is the older, fast commit/);
  });

  test("a SIGKILL in the middle, then perfloop resume: the measurements made are kept and the answer is the same", { timeout: LIMIT_MS }, async () => {
    startAll();
    const { killed, eventsAtKill, status, statusText, resumed } = await killedDrive!;
    const { dir, commits, before } = killedCase!;
    assert.equal(killed.killed, true, `the first drive ended before it was killed: ${killed.stderr}`);
    assert.equal(status.code, 0, status.stderr);
    const [unfinished, ...others] = (status.json as Record<string, any>).bisects;
    assert.deepEqual(others, []);
    assert.equal(unfinished.slug, "bisect");
    assert.equal(unfinished.command, "sh work.sh");
    assert.equal(unfinished.commits, 24);
    assert.equal(unfinished.good, `HEAD~24 (${commits[0]!.slice(0, 7)})`);
    assert.equal(unfinished.running, null, "its driver was killed");
    assert.equal(unfinished.next_step, "perfloop resume --slug bisect");
    assert.ok(unfinished.measured_commits >= 1 && unfinished.measured_commits < 24, JSON.stringify(unfinished));
    assert.match(statusText.stdout, /^bisect {2}bisect$/m);
    assert.match(statusText.stdout, /^ {2}history {2}HEAD~24 \([0-9a-f]{7}\) \.\. HEAD \([0-9a-f]{7}\), 24 commits after good$/m);
    assert.match(statusText.stdout, /^ {2}next {5}perfloop resume --slug bisect$/m);
    assert.equal(resumed.code, 0, resumed.stderr);
    const answer = resumed.json as Record<string, any>;
    assert.equal(answer.answer, "single", probesText(answer, commits));
    assert.equal(answer.first_slow_commit, commits[7]);
    // Every measurement made before the kill is in the resumed checkpoint, as it was.
    const events = stateOf(dir).events;
    assert.deepEqual(events.slice(0, eventsAtKill.length), eventsAtKill);
    // At most the one measurement that was running is made again: each probed commit once.
    const probed = answer.probes.map((probe: { commit: string }) => probe.commit);
    assert.equal(new Set(probed).size, probed.length);
    // The killed drive's lock (its holder gone) was taken over, and released at the end.
    assert.equal(existsSync(join(dir, ".hex-skills", "optimization", "bisect", "run.lock")), false);
    assert.deepEqual(personState(dir), before);
  });

  test("Ctrl-C in the middle: exit 130 with the resume command, the measurements made kept; perfloop resume finishes", { timeout: LIMIT_MS }, async () => {
    startAll();
    const { stopped, eventsAtStop, resumed } = await interrupted!;
    const { dir, commits, before } = interruptedCase!;
    assert.equal(stopped.code, 130, stopped.stderr);
    assert.match(stopped.stderr, /perfloop: bisect stopped \(interrupted \(SIGINT\)\); \d+ measurement\(s\) are kept: perfloop resume --slug bisect carries on/);
    // Nothing of the drive is left running: its lock released, its side trees removed.
    assert.equal(existsSync(join(dir, ".hex-skills", "optimization", "bisect", "run.lock")), false);
    assert.equal(existsSync(join(dir, ".hex-skills", "optimization", "bisect", "worktree")), false);
    assert.equal(resumed.code, 0, resumed.stderr);
    const answer = resumed.json as Record<string, any>;
    assert.equal(answer.first_slow_commit, commits[9], probesText(answer, commits));
    assert.deepEqual(stateOf(dir).events.slice(0, eventsAtStop.length), eventsAtStop);
    assert.deepEqual(personState(dir), before);
  });

  test("a merge that brought the slowdown is named, with the branch it merged", { timeout: LIMIT_MS }, async () => {
    const answer = await answerOf("merge");
    const { commits } = cases.merge!;
    assert.equal(answer.answer, "single", probesText(answer, commits));
    assert.equal(answer.first_slow_commit, commits[3]);
    assert.equal(answer.subject, "Merge branch 'feature'");
    assert.equal(answer.merge.branch, "feature");
    assert.equal(answer.history_commits, commits.length - 1, "the feature's own commits are not on the first-parent line");
  });
});
