// The adaptive run planner: start at 10, add runs while the answer is unclear, stop at the cap.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRng, INITIAL_RUNS, MAX_RUNS, MIN_EXTRA_RUNS, planAbRuns, planSampleRuns, type Rng } from "../../src/measure/index.ts";

function runs(rng: Rng, n: number, center: number, noise: number): number[] {
  return Array.from({ length: n }, () => center * (1 + noise * rng.normal()));
}

test("the defaults: 10 first runs, a cap of 60, batches of at least 5", () => {
  assert.deepEqual([INITIAL_RUNS, MAX_RUNS, MIN_EXTRA_RUNS], [10, 60, 5]);
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
  const same = planAbRuns(runs(rng, 10, 100, 0.002), runs(rng, 10, 100, 0.002));
  assert.equal(same.action, "enough");
  assert.equal(same.verdict?.outcome, "no_difference");
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
