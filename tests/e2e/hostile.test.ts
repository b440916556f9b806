// The hostile-hypotheses corpus, end to end through the compiled binary (PERFLOOP_BIN): buggy or
// hostile hypotheses, flags and inputs, each in a fresh world of its own (hostile-world.ts: the
// person's repository with ignored node_modules/ and .env, tags and branches; outside/, the rest
// of their disk; HOME and TMPDIR of the case). Every case checks every invariant of perfloop's
// first promise (hostile-run.ts): the person's files byte for byte (ignored ones, modes, links),
// their index, HEAD, config, hooks and refs (perfloop's own refs aside), git fsck, outside/, the
// hypotheses' directory and HOME; no internal error or stack trace; the case's time limit; no
// process of the case alive afterwards; the exit code's class (0 done, 2 refused with one line
// and no run written, 3 paused and cancellable, 1 only where expected) and, for run, DONE in
// status. Each case states what it attacks and what it expects (hostile-cases-*.ts).
//
// Env: PERFLOOP_BIN (required), HOSTILE_ONLY=1,7a,R2 (some cases), HOSTILE_CONCURRENCY (3),
// HOSTILE_KEEP=1 (keep each world), HOSTILE_REPORT=<file> (one JSON line per case).
//
// Cases 12, 13b, 14, A8 and R12 need a per-command time limit: `--timeout 5` is passed when the
// build's `execute --help` (`run --help`) names it (hostile-case.ts, needsTimeout).
//
// With confinement, no-follow writes, verdicts, input limits and durable state (docs/safety.md)
// every case passes. Two cases were narrowed on the way, with reasons in
// their comments: A18's chmod outside the repository (Landlock does not confine permissions, a
// documented limit) and 31/31b/R31, which check that the sabotage of the base never lands instead
// of whether a test-only change was kept (an A/A verdict under load is statistics, not safety).
//
// Before them (built from c165ac0, 2026-12-02; two full runs, the same outcome; 19 pass, 49 fail):
//
//   case  then   how (exit code; what was damaged)
//   1     FAIL   0; the person's node_modules/victim/ deleted: the patch's file went through the link
//   2     FAIL   0; node_modules/victim/ deleted through the side tree's node_modules link
//   3     FAIL   0; node_modules/victim/index.js overwritten through the link
//   4     FAIL   0; outside/pwned written
//   5     FAIL   0; tag x in the person's repository
//   6     FAIL   0; the person's tracked work.sh changed
//   7a    FAIL   0; a commit on the person's main (HEAD moved)
//   7b    FAIL   0; branch try-fast moved
//   7c    FAIL   0; main moved to feature's commit under the person
//   7d    FAIL   0; .git/config gained core.hooksPath = <outside>
//   8     FAIL   1; internal error: EEXIST creating the symlink in the candidate tree
//   9     FAIL   1; the same internal error (EEXIST) for lib
//   10    FAIL   0; perfloop's log and side trees written into outside/ through the link
//   11    pass   0; the tracked .hex-skills files unchanged
//   12    FAIL   no per-command limit (10 min): stopped at 45 s; on SIGTERM exit 1 blaming the target
//   13    FAIL   0; ~13 daemons (one per run of work.sh) alive after perfloop ended
//   13b   FAIL   hangs (the tests wait on the daemon's pipe); on SIGTERM it went on: exit 0,
//                DAEMON "breaks the tests: no output", one daemon left
//   14    FAIL   hangs; stopped at 45 s (SIGTERM: exit 130)
//   15    FAIL   1; "the target failed while measuring": the execution stops, GOOD is lost
//   16    FAIL   1; the same, exit 139 (SIGSEGV)
//   17    FAIL   0; the binary patch accepted (removed later as "unknown")
//   18    FAIL   0; the 50 MB patch accepted (5-14 s)
//   19    FAIL   0; accepted; removed as "breaks the tests: cannot start /bin/sh" (NUL byte)
//   20    FAIL   0; accepted; removed as "breaks the tests: ... E2BIG"
//   21    FAIL   0; tag y in the person's repository (GIT_DIR beats GIT_CEILING_DIRECTORIES)
//   22    FAIL   blocks on the FIFO; ignores SIGTERM (killed by SIGKILL 5 s later)
//   23    pass   2
//   24    FAIL   1; internal error: ENAMETOOLONG (mkdir of the slug's folder)
//   25    FAIL   0; accepted
//   26    FAIL   0; accepted (the run DONE)
//   27a   pass   2          27b pass 2          28a pass 2          28b pass 2
//   29    FAIL   0; $HOME/pwned written
//   30    FAIL   0; /tmp/perfloop-hostile-pwned-<mark> written
//   31    FAIL   0; SAB kept: the tests slowed the base side tree 4x, a faked gain
//   31b   FAIL   1; the candidate's tests deleted the base tree: "baseline (A) ... cannot open work.sh"
//   32    pass   2 ("goes through the symlink")
//   32b   FAIL   0; outside/secret.txt overwritten through the committed link
//   33    pass   0 (9-23 s)
//   A1 A2 A3 A3b A4 A6 A19 A23 A24: pass (2, 2, 2, 2, 2, 2, 2, 0, 2)
//   A5    FAIL   2,000 hypotheses: still measuring at 90 s (SIGTERM: exit 1)
//   A7    FAIL   0; the command's daemon alive after perfloop ended
//   A8    FAIL   the command's 10-minute limit: stopped at 45 s (SIGTERM: exit 2)
//   A9    pass   0
//   A11   FAIL   0; node_modules/victim/ deleted by the changed target, through the link
//   A12   FAIL   0; outside/pwned-by-tests written by the changed tests
//   A13   FAIL   0; .env appended to by the changed target
//   A18   FAIL   0; modes changed: test.sh 755 -> 777, outside/run.sh 755 -> 600
//   A20   FAIL   0; .env appended to through a hard link made in the scratch tree
//   A21   FAIL   0; .env deleted as node_modules/../.env
//   A22   FAIL   137; perfloop killed by its own command hypothesis (kill -9 $PPID)
//   A25   pass   3, then resume --decide cancel: 0
//   R2    FAIL   0; node_modules/victim/ deleted (validation's scratch tree)
//   R4    FAIL   0; outside/pwned written; H4, an empty change, once kept as IMPROVED
//   R10   FAIL   0; the run's manifest, context, report and side trees written into outside/
//   R12   FAIL   hangs; stopped at 75 s
//   R15   FAIL   1; and resume fails the same way again (the run is stuck)
//   R31   FAIL   0; SAB kept, TARGET_MET: the faked gain
//
// The whole corpus: ~140 s on 2 cores (most of it the cases that hang until their limit).
import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { type CaseResult, DEFAULT_LIMIT_MS, type HostileCase, runCase } from "./hostile-case.ts";
import { inputCases } from "./hostile-cases-input.ts";
import { loopCases } from "./hostile-cases-loop.ts";
import { processCases } from "./hostile-cases-process.ts";
import { treeCases } from "./hostile-cases-tree.ts";

const ALL: HostileCase[] = [...treeCases, ...processCases, ...inputCases, ...loopCases];
const only = process.env.HOSTILE_ONLY?.split(",").map((id) => id.trim());
const cases = only ? ALL.filter((c) => only.includes(c.id)) : ALL;
const CONCURRENCY = Number(process.env.HOSTILE_CONCURRENCY ?? 3);

/** Lanes for the cases that mostly wait on a hanging command (needsTimeout), beside the others. */
const WAITING_LANES = 2;

/**
 * Starts every case, the longest first, in CONCURRENCY lanes plus WAITING_LANES for the cases that
 * hang (bun test runs the tests of a file one after another; each test awaits its case).
 */
function startAll(list: readonly HostileCase[]): Map<string, Promise<CaseResult>> {
  const longestFirst = (a: HostileCase, b: HostileCase) => (b.limitMs ?? DEFAULT_LIMIT_MS) - (a.limitMs ?? DEFAULT_LIMIT_MS);
  const waiting = list.filter((c) => c.needsTimeout).sort(longestFirst);
  const busy = list.filter((c) => !c.needsTimeout).sort(longestFirst);
  const finish = new Map<string, (result: CaseResult) => void>();
  const results = new Map<string, Promise<CaseResult>>();
  for (const c of list) results.set(c.id, new Promise((resolve) => finish.set(c.id, resolve)));
  const lane = async (queue: HostileCase[]) => {
    for (let c = queue.shift(); c; c = queue.shift()) finish.get(c.id)!(await runCase(c));
  };
  for (let i = 0; i < Math.max(1, CONCURRENCY); i++) void lane(busy);
  for (let i = 0; i < WAITING_LANES; i++) void lane(waiting);
  return results;
}

if (!process.env.PERFLOOP_BIN) {
  test("the hostile corpus", (t) => {
    t.skip("set PERFLOOP_BIN to the compiled binary (node_modules/.bin/bun scripts/build.ts) to run the hostile corpus");
  });
} else {
  const ids = new Set<string>();
  for (const c of ALL) {
    assert.ok(!ids.has(c.id), `two cases named ${c.id}`);
    ids.add(c.id);
  }
  const results = startAll(cases);
  for (const c of cases) {
    test(`hostile ${c.id}: ${c.attack} -> ${c.expected}`, { timeout: 900_000 }, async () => {
      const result = await results.get(c.id)!;
      assert.deepEqual(result.problems, [], `case ${c.id} (exit ${result.code}, ${(result.ms / 1000).toFixed(1)} s):\n  ${result.problems.join("\n  ")}`);
    });
  }
}
