/**
 * Hostile cases about what the measured and tested commands do once a change is applied: hang,
 * fail, crash, leave daemons behind, print without end, sabotage the base tree to fake a gain,
 * or write outside their side tree while being measured. Expected: each bad hypothesis is removed
 * with a reason that says what happened, the run goes on (a real gain beside it is still kept),
 * it ends in bounded time, and no process of it is left.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { SLUG, type HostileCase } from "./hostile-case.ts";
import { closedForm, hypothesis, prepend, type World } from "./hostile-world.ts";

const q = (path: string) => `'${path}'`;
const TEST_HEADER = "# The hostile corpus' tests: work.sh must still add up.\n";
/** An edit of test.sh that runs `line` first. */
const testsFirst = (id: string, line: string) => hypothesis(id, { kind: "edit", file: "test.sh", search: TEST_HEADER, replace: `${TEST_HEADER}${line}\n` });
/** Only the measured run of the target has no argument (the tests pass 100 and 1). */
const whenMeasured = (line: string) => `[ -n "$1" ] || ${line}`;

/**
 * The sabotage of the base side tree must not land. Its marker is checked rather than whether SAB
 * was kept: SAB changes only the tests, so a verdict on it is an A/A comparison that a loaded
 * machine may misjudge now and then, which is a question of statistics, not of safety. The cases
 * pass --keep-trees: the side trees would otherwise be gone, and the marker with them.
 */
function baseUntouched(w: World): string[] {
  const worktree = join(w.repo, ".hex-skills", "optimization", SLUG, "worktree");
  const marks = [join(worktree, "base", "SABOTAGED"), join(worktree, "SABOTAGED")].filter((path) => existsSync(path));
  return marks.map((path) => `the sabotage of the base side tree landed: ${path} exists`);
}

export const processCases: HostileCase[] = [
  // The target hangs once the change is applied; the tests (which pass arguments) do not.
  { id: "12", attack: "a change that makes the measured target hang (`sleep` added to work.sh)", expected: "exit 0; HANG removed with a reason saying it timed out; GOOD kept", exits: [0],
    limitMs: 45_000, needsTimeout: true,
    hypotheses: (w) => [closedForm(), prepend("HANG", whenMeasured(`sleep ${w.sleep}`))],
    removed: { HANG: /tim(e|ed) ?out|time limit/i }, kept: ["GOOD"] },
  // The target forks a daemon that outlives it (its output detached, so nothing waits on it).
  { id: "13", attack: "a change that makes the target fork a daemon (`(setsid sleep N > /dev/null 2>&1 &)` in work.sh)", expected: "exit 0; no process of the case left after perfloop exits", exits: [0],
    hypotheses: (w) => [prepend("DAEMON", `(setsid sleep ${w.sleep} > /dev/null 2>&1 &)`)],
    // The person is told (docs/safety.md): the execution's warnings name the set and the count.
    check: (_w, ran) => (ran.code !== 0 || (ran.json?.warnings ?? []).some((w: string) => /with DAEMON, the target left processes running after \d+ of its \d+ runs/.test(w)) ? [] : [`no warning about the daemons: ${JSON.stringify(ran.json?.warnings)}`]) },
  // The same daemon keeping stdout and stderr open: the tests' `$(sh work.sh 100)` waits for it (a hang).
  { id: "13b", attack: "a change that makes the target fork a daemon holding its output open (`(setsid sleep N &)`)", expected: "exit 0; DAEMON removed (the tests time out); no process left", exits: [0],
    limitMs: 45_000, needsTimeout: true,
    hypotheses: (w) => [prepend("DAEMON", `(setsid sleep ${w.sleep} &)`)],
    removed: { DAEMON: /tim(e|ed) ?out|time limit/i } },
  // The tests hang once the change is applied.
  { id: "14", attack: "a change that makes the tests hang (`sleep` added to test.sh)", expected: "exit 0; HANG removed with a reason saying the tests timed out; GOOD kept", exits: [0],
    limitMs: 45_000, needsTimeout: true,
    hypotheses: (w) => [closedForm(), testsFirst("HANG", `sleep ${w.sleep}`)],
    removed: { HANG: /tim(e|ed) ?out|time limit/i }, kept: ["GOOD"] },
  // The measured target fails.
  { id: "15", attack: "a change that makes the measured target exit 1", expected: "exit 0; FAIL removed with a reason; the run goes on and keeps GOOD", exits: [0],
    hypotheses: () => [closedForm(), prepend("FAIL", whenMeasured("exit 1"))],
    removed: { FAIL: /fail|exit|status/i }, kept: ["GOOD"] },
  // The measured target crashes with a signal.
  { id: "16", attack: "a change that makes the measured target crash (`kill -SEGV $$`)", expected: "exit 0; CRASH removed with a reason naming the signal or the failure; GOOD kept", exits: [0],
    hypotheses: () => [closedForm(), prepend("CRASH", whenMeasured("kill -SEGV $$"))],
    removed: { CRASH: /SIGSEGV|signal|crash|fail/i }, kept: ["GOOD"] },
  // The tests slow the base tree down, so that the candidate looks faster.
  { id: "31", attack: "a change to the tests that slows the base side tree down (`sed -i` on ../base/work.sh): a faked gain", expected: "no effect on the base (confinement per side tree): the sabotage never lands; exit 0 or 2", exits: [0, 2],
    hypotheses: () => [testsFirst("SAB", "[ -f ../base/work.sh ] && sed -i 's/12000/48000/' ../base/work.sh && : > ../base/SABOTAGED; true")],
    flags: () => ["--keep-trees"], check: (w) => baseUntouched(w) },
  // The tests delete the base side tree's files.
  { id: "31b", attack: "a change to the tests that deletes the base side tree's files (`rm -rf ../base/*`)", expected: "no effect on the base: it still holds work.sh; exit 0", exits: [0],
    hypotheses: () => [testsFirst("SAB", "rm -rf ../base/* 2>/dev/null; [ -e ../base/work.sh ] || : > ../SABOTAGED; true")],
    flags: () => ["--keep-trees"], check: (w) => baseUntouched(w) },
  // A command hypothesis that leaves a daemon behind in the scratch tree.
  { id: "A7", attack: "a command hypothesis that starts a daemon and exits (`(setsid sleep N &)`)", expected: "no process of the case left; exit 0 or 2", exits: [0, 2],
    hypotheses: (w) => [hypothesis("A7", { kind: "command", run: `(setsid sleep ${w.sleep} > /dev/null 2>&1 &); echo '# x' >> README.md` })] },
  // A command hypothesis that never ends.
  { id: "A8", attack: "a command hypothesis that hangs (`sleep N`)", expected: "refused as not applying after a time limit (exit 2), or removed (exit 0)", exits: [0, 2],
    limitMs: 45_000, needsTimeout: true,
    hypotheses: (w) => [hypothesis("A8", { kind: "command", run: `sleep ${w.sleep}` })] },
  // A command hypothesis that prints 50 MB.
  { id: "A9", attack: "a command hypothesis that prints 50 MB to stdout", expected: "output bounded; ends in time; exit 0 or 2", exits: [0, 2],
    hypotheses: () => [hypothesis("A9", { kind: "command", run: "yes pwned | head -c 50000000; echo '# x' >> README.md" })] },
  // The changed target deletes the person's dependency through the side tree's node_modules link.
  { id: "A11", attack: "a change that makes the target run `rm -rf node_modules/victim` (the link to the person's folder)", expected: "node_modules unchanged; exit 0 or 2", exits: [0, 2],
    hypotheses: () => [prepend("A11", "rm -rf node_modules/victim")] },
  // The changed tests write outside the repository.
  { id: "A12", attack: "a change that makes the tests write <outside>/pwned-by-tests", expected: "<outside> unchanged; exit 0", exits: [0],
    hypotheses: (w) => [testsFirst("A12", `echo pwned > ${q(join(w.outside, "pwned-by-tests"))} 2>/dev/null; true`)] },
  // A command hypothesis that kills perfloop itself (its parent: perfloop runs it with /bin/sh -c).
  { id: "A22", attack: "a command hypothesis `kill -9 $PPID` (SIGKILL to perfloop)", expected: "perfloop is not killed by a command it runs (exit 0 or 2)", exits: [0, 2],
    hypotheses: () => [hypothesis("A22", { kind: "command", run: "kill -9 $PPID; echo '# x' >> README.md" })] },
  // The changed target appends to the person's ignored secret by absolute path while it is measured.
  { id: "A13", attack: "a change that makes the target append to <repo>/.env by absolute path", expected: ".env unchanged; exit 0", exits: [0],
    hypotheses: (w) => [prepend("A13", `echo pwned >> ${q(join(w.repo, ".env"))} 2>/dev/null; true`)] },
];
