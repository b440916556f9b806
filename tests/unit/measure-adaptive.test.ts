// The adaptive run planner: start at 10, add runs while the answer is unclear, stop at the cap.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CONFIRMING_BATCH_SHARE, createRng, INITIAL_RUNS, MAX_RUNS, MIN_EXTRA_RUNS, planAbRuns, planSampleRuns, type Rng } from "../../src/measure/index.ts";

function runs(rng: Rng, n: number, center: number, noise: number): number[] {
  return Array.from({ length: n }, () => center * (1 + noise * rng.normal()));
}

test("the defaults: 10 first runs, a cap of 60, batches of at least 5, confirming batches of half the rounds", () => {
  assert.deepEqual([INITIAL_RUNS, MAX_RUNS, MIN_EXTRA_RUNS, CONFIRMING_BATCH_SHARE], [10, 60, 5, 0.5]);
});

test("before the first decision the planner asks for the rest of the initial runs", () => {
  assert.deepEqual(planSampleRuns([]), { action: "more", runs: 10, n: 0, relative_width: null, reason: "0 of the first 10 runs taken" });
  const plan = planSampleRuns([1, 2, 3], { initialRuns: 5 });
  assert.equal(plan.action, "more");
  assert.equal(plan.runs, 2);
});

test("a quiet sample is enough after the initial runs", () => {
  const plan = planSampleRuns(runs(createRng(1), 10, 100, 0.001), { minEffect: 0.02 });
  assert.equal(plan.action, "enough");
  assert.ok((plan.relative_width ?? 1) <= 0.02);
  assert.match(plan.reason, /within the 2\.0% minimum effect/);
});

test("a noisy sample asks for more runs, sized by 1/sqrt(n) but at most doubling", () => {
  const plan = planSampleRuns(runs(createRng(2), 10, 100, 0.05), { minEffect: 0.02 });
  assert.equal(plan.action, "more");
  assert.ok((plan.relative_width ?? 0) > 0.02);
  // Projected n * (width / 0.02)^2 runs is far above 20, so the batch is capped at doubling.
  assert.equal(plan.runs, 10);
});

test("a batch is at least MIN_EXTRA_RUNS and never passes the cap", () => {
  const rng = createRng(3);
  // Width only a little above the target: the projection asks for fewer than 5, the planner adds 5.
  const samples = runs(rng, 40, 100, 0.05);
  const width = planSampleRuns(samples, { minEffect: 0.5 }).relative_width ?? 0;
  const slightly = planSampleRuns(samples, { minEffect: width * 0.99 });
  assert.equal(slightly.action, "more");
  assert.equal(slightly.runs, 5);
  const nearCap = planSampleRuns(runs(rng, 58, 100, 0.05), { minEffect: 0.01 });
  assert.equal(nearCap.action, "more");
  assert.equal(nearCap.runs, 2);
});

test("at the cap a still-wide interval stops with action cap", () => {
  const plan = planSampleRuns(runs(createRng(4), 60, 100, 0.05), { minEffect: 0.02 });
  assert.equal(plan.action, "cap");
  assert.equal(plan.runs, 0);
  assert.match(plan.reason, /at the cap of 60 runs/);
});

test("A/B: fewer runs than the initial count ask for the rest, per arm", () => {
  const plan = planAbRuns([1, 2, 3], [1, 2, 3, 4]);
  assert.deepEqual([plan.action, plan.runs, plan.n, plan.verdict], ["more", 7, 3, null]);
});

test("A/B: a decided verdict is enough", () => {
  const rng = createRng(5);
  const faster = planAbRuns(runs(rng, 10, 100, 0.01), runs(rng, 10, 90, 0.01));
  assert.equal(faster.action, "enough");
  assert.equal(faster.verdict?.outcome, "faster");
  assert.equal(faster.provisional, null);
});

test("A/B: no difference is enough at once, with or without confirming batches", () => {
  const rng = createRng(5);
  const same = planAbRuns(runs(rng, 10, 100, 0.002), runs(rng, 10, 100, 0.002), { confirmChanges: true });
  assert.equal(same.action, "enough");
  assert.equal(same.verdict?.outcome, "no_difference");
  assert.equal(same.provisional, null);
});

/** The confirming batch, off by default (src/measure/adaptive.ts says why). */
const confirm = { confirmChanges: true } as const;

test("A/B: with confirmChanges, a change is provisional until one more batch confirms it", () => {
  const rng = createRng(5);
  const a = runs(rng, 10, 100, 0.01);
  const b = runs(rng, 10, 90, 0.01);
  const first = planAbRuns(a, b, confirm);
  assert.equal(first.verdict?.outcome, "faster");
  // Half as many rounds again (CONFIRMING_BATCH_SHARE), at least MIN_EXTRA_RUNS.
  assert.deepEqual([first.action, first.runs, first.provisional], ["more", 5, { outcome: "faster", n: 10 }]);
  assert.match(first.reason, /^provisionally faster; confirming with 5 more runs per arm: /);

  // The second batch is as fast again: confirmed.
  const a2 = [...a, ...runs(rng, 5, 100, 0.01)];
  const b2 = [...b, ...runs(rng, 5, 90, 0.01)];
  const confirmed = planAbRuns(a2, b2, { ...confirm, provisional: first.provisional });
  assert.deepEqual([confirmed.action, confirmed.verdict?.outcome, confirmed.provisional], ["enough", "faster", null]);
  assert.ok(confirmed.confirming_ratio! < 0.95, `${confirmed.confirming_ratio}`);
  assert.match(confirmed.reason, /^decided and confirmed \(the 5 rounds since it was first seen have a median ratio of 0\.\d+ on their own\)/);

  // Without the provisional decision the same data is only provisional again (the caller keeps it);
  // with confirmChanges off (the default) the first decided look is enough.
  assert.equal(planAbRuns(a2, b2, confirm).action, "more");
  assert.deepEqual([planAbRuns(a, b).action, planAbRuns(a, b).provisional], ["enough", null]);
});

test("A/B: a confirming batch that leans the other way asks for another batch", () => {
  const rng = createRng(8);
  // Fourteen rounds where B was 20% slower (a burst of load), then six where B is a little faster:
  // on all 20 rounds B is still slower, but the new batch on its own does not lean that way.
  const a = runs(rng, 20, 100, 0.005);
  const b = [...runs(rng, 14, 120, 0.005), ...runs(rng, 6, 99, 0.005)];
  const second = planAbRuns(a, b, { ...confirm, paired: true, provisional: { outcome: "slower", n: 14 } });
  assert.equal(second.verdict?.outcome, "slower", second.reason);
  assert.ok(second.confirming_ratio! < 1, `${second.confirming_ratio}`);
  assert.deepEqual([second.action, second.runs, second.provisional], ["more", 10, { outcome: "slower", n: 20 }]);
  assert.match(second.reason, /^still slower on all rounds, but the 6 rounds since it was first seen have a median ratio of 0\.9\d+ on their own; confirming with 10 more/);
});

test("A/B: a provisional change that flips is provisional for the new direction", () => {
  const rng = createRng(9);
  const a = runs(rng, 20, 100, 0.005);
  const b = runs(rng, 20, 80, 0.005);
  const plan = planAbRuns(a, b, { ...confirm, paired: true, provisional: { outcome: "slower", n: 10 } });
  assert.deepEqual([plan.action, plan.provisional], ["more", { outcome: "faster", n: 20 }]);
  assert.equal(plan.confirming_ratio, null);
});

test("A/B: at the cap a change first seen there stands; one its last batch contradicts is unknown", () => {
  const rng = createRng(10);
  const a = runs(rng, 10, 100, 0.01);
  const b = runs(rng, 10, 90, 0.01);
  const noRoom = planAbRuns(a, b, { ...confirm, maxRuns: 10 });
  assert.deepEqual([noRoom.action, noRoom.verdict?.outcome], ["enough", "faster"]);
  assert.match(noRoom.reason, /^decided at the cap, with no room for a confirming batch: /);
  const a2 = [...a, ...runs(rng, 5, 100, 0.005)];
  const b2 = [...b, ...runs(rng, 2, 90, 0.005), ...runs(rng, 3, 101, 0.005)];
  const notConfirmed = planAbRuns(a2, b2, { ...confirm, maxRuns: 15, paired: true, provisional: { outcome: "faster", n: 12 } });
  assert.deepEqual([notConfirmed.action, notConfirmed.verdict?.outcome], ["cap", "unknown"], notConfirmed.reason);
  assert.ok(notConfirmed.confirming_ratio! > 1);
  assert.match(notConfirmed.reason, /^not confirmed at the cap of 15 runs per arm: faster on all rounds, but the 3 rounds since it was first seen/);
  assert.equal(notConfirmed.verdict?.reason, notConfirmed.reason);
});

test("A/B: an unknown verdict doubles the runs per arm, then stops at the cap", () => {
  const rng = createRng(6);
  const plan = planAbRuns(runs(rng, 10, 100, 0.2), runs(rng, 10, 97, 0.2));
  assert.equal(plan.verdict?.outcome, "unknown");
  assert.deepEqual([plan.action, plan.runs], ["more", 10]);
  const late = planAbRuns(runs(rng, 50, 100, 0.2), runs(rng, 50, 97, 0.2));
  assert.equal(late.verdict?.outcome, "unknown");
  assert.deepEqual([late.action, late.runs], ["more", 10]);
  const capped = planAbRuns(runs(rng, 60, 100, 0.2), runs(rng, 60, 97, 0.2));
  assert.equal(capped.verdict?.outcome, "unknown");
  assert.equal(capped.action, "cap");
  assert.match(capped.reason, /^still unknown at the cap of 60 runs per arm/);
});

test("bad limits are refused", () => {
  assert.throws(() => planSampleRuns([1], { initialRuns: 0 }), RangeError);
  assert.throws(() => planSampleRuns([1], { initialRuns: 10, maxRuns: 5 }), RangeError);
  assert.throws(() => planSampleRuns([1], { minEffect: 0 }), RangeError);
});
