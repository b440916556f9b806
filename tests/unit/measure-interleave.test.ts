// The interleaved run plan: ABBA rounds, seeded random rounds, warm-up first, grouping by arm.
import assert from "node:assert/strict";
import { test } from "node:test";
import { collectByArm, DEFAULT_WARMUP_RUNS, interleave } from "../../src/measure/index.ts";

test("ABBA: A B B A A B B A, after one warm-up round by default", () => {
  assert.equal(DEFAULT_WARMUP_RUNS, 1);
  const plan = interleave(["A", "B"], 4);
  assert.deepEqual(
    plan.filter((run) => run.warmup).map((run) => run.arm),
    ["A", "B"],
  );
  assert.equal(plan.filter((run) => !run.warmup).map((run) => run.arm).join(""), "ABBAABBA");
  assert.deepEqual(
    plan.slice(2, 6).map((run) => run.round),
    [0, 0, 1, 1],
  );
});

test("ABBA with three arms alternates forward and reversed rounds", () => {
  const plan = interleave(["x", "y", "z"], 3, { warmupRounds: 0 });
  assert.equal(plan.map((run) => run.arm).join(""), "xyzzyxxyz");
});

test("ABBA cancels a linear drift: every arm's run times sum alike over pairs of rounds", () => {
  const plan = interleave(["A", "B", "C"], 6, { warmupRounds: 0 });
  const drift = plan.map((_, time) => time); // the value of a run is just its time
  const byArm = collectByArm(plan, drift);
  const sums = [...byArm.values()].map((arm) => arm.measured.reduce((sum, t) => sum + t, 0));
  assert.equal(new Set(sums).size, 1, `sums ${sums}`);
});

test("random order: each round is a permutation, reproducible from the seed", () => {
  const arms = ["A", "B", "C", "D"];
  const plan = interleave(arms, 10, { order: "random", seed: 17, warmupRounds: 0 });
  for (let round = 0; round < 10; round++) {
    const inRound = plan.filter((run) => run.round === round).map((run) => run.arm);
    assert.deepEqual([...inRound].sort(), arms);
  }
  assert.deepEqual(plan, interleave(arms, 10, { order: "random", seed: 17, warmupRounds: 0 }));
  assert.notDeepEqual(plan, interleave(arms, 10, { order: "random", seed: 18, warmupRounds: 0 }));
  assert.notEqual(
    plan.map((run) => run.arm).join(""),
    interleave(arms, 10, { warmupRounds: 0 }).map((run) => run.arm).join(""),
  );
});

test("collectByArm keeps warm-up values apart and accepts a partly run plan", () => {
  const plan = interleave(["A", "B"], 2, { warmupRounds: 1 });
  const byArm = collectByArm(plan, [50, 60, 10, 20, 21, 11]);
  assert.deepEqual(byArm.get("A"), { warmup: [50], measured: [10, 11] });
  assert.deepEqual(byArm.get("B"), { warmup: [60], measured: [20, 21] });
  const partial = collectByArm(plan, [50, 60, 10]);
  assert.deepEqual(partial.get("B"), { warmup: [60], measured: [] });
  assert.throws(() => collectByArm(plan, [1, 2, 3, 4, 5, 6, 7]), RangeError);
});

test("bad plans are refused", () => {
  assert.throws(() => interleave([], 3), RangeError);
  assert.throws(() => interleave(["A"], -1), RangeError);
  assert.throws(() => interleave(["A"], 2, { warmupRounds: 0.5 }), RangeError);
});
