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
// Cases 12, 14, A8 and R12 need a per-command time limit: with a build whose `execute --help`
// (`run --help`) names `--timeout`, `--timeout 5` is passed (hostile-case.ts, needsTimeout);
// without, perfloop waits its 10-minute default and the case fails on its own limit.
//
// TABLE
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
