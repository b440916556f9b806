// The three-outcome verdict on synthetic data, Holm across candidates, the minimum effect and A/A calibration.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CALIBRATION_SPREAD_MULTIPLE,
  calibrate,
  compareSamples,
  compareSeveral,
  describeOutcome,
  createRng,
  holmAdjust,
  MIN_EFFECT_FLOOR,
  minimumEffect,
  type Rng,
  SIGNIFICANCE_LEVEL,
} from "../../src/measure/index.ts";

/** n runs around `center` with relative normal noise. */
function runs(rng: Rng, n: number, center: number, noise: number): number[] {
  return Array.from({ length: n }, () => center * (1 + noise * rng.normal()));
}

test("identical distributions are never judged faster or slower", () => {
  const seen = new Set<string>();
  for (let seed = 1; seed <= 40; seed++) {
    const rng = createRng(seed);
    const verdict = compareSamples(runs(rng, 30, 100, 0.03), runs(rng, 30, 100, 0.03), { seed });
    assert.ok(["no_difference", "unknown"].includes(verdict.outcome), `seed ${seed}: ${verdict.reason}`);
    seen.add(verdict.outcome);
  }
  assert.ok(seen.has("no_difference"));
});

test("a 10% shift with low noise is faster, with the whole interval below 1 - min effect", () => {
  const rng = createRng(1);
  const a = runs(rng, 20, 100, 0.01);
  const b = runs(rng, 20, 90, 0.01);
  const verdict = compareSamples(a, b);
  assert.equal(verdict.outcome, "faster");
  assert.ok(verdict.ratio_ci[1] < 1 - MIN_EFFECT_FLOOR && verdict.ratio_ci[0] < 0.9 + 0.02);
  assert.ok(verdict.ratio_ci[0] <= verdict.ratio && verdict.ratio <= verdict.ratio_ci[1]);
  assert.ok(verdict.p_value < SIGNIFICANCE_LEVEL);
  assert.equal(verdict.test, "exact");
  assert.match(verdict.reason, /^the candidate is \d+\.\d% faster: median ratio 0\.\d{3} \(95% CI .*, p = .*\), wholly beyond the 2% minimum effect$/);
});

test("the verdict records medians, interval, p and n", () => {
  const a = [10, 11, 12, 13, 14];
  const b = [9, 9.5, 10.5, 11.5, 12.5, 13.5];
  const verdict = compareSamples(a, b, { minEffect: 0.05 });
  assert.equal(verdict.n_a, 5);
  assert.equal(verdict.n_b, 6);
  assert.equal(verdict.median_a, 12);
  assert.equal(verdict.median_b, 11);
  assert.equal(verdict.ratio, 11 / 12);
  assert.equal(verdict.min_effect, 0.05);
  assert.equal(verdict.p_value, verdict.p_value_raw);
  assert.equal(verdict.confidence, 0.95);
  assert.deepEqual([verdict.resamples, verdict.seed], [2000, 0x5eed]);
  assert.equal(verdict.better, "lower");
  assert.equal(verdict.ratio_ci.length, 2);
});

test("a 10% slowdown with low noise is slower", () => {
  const rng = createRng(2);
  const verdict = compareSamples(runs(rng, 20, 100, 0.01), runs(rng, 20, 110, 0.01));
  assert.equal(verdict.outcome, "slower");
  assert.ok(verdict.ratio_ci[0] > 1 + MIN_EFFECT_FLOOR);
  assert.match(verdict.reason, /slower/);
});

test("a noisy small sample is unknown, even with a real 10% shift", () => {
  const rng = createRng(3);
  const verdict = compareSamples(runs(rng, 5, 100, 0.3), runs(rng, 5, 90, 0.3));
  assert.equal(verdict.outcome, "unknown");
  assert.match(verdict.reason, /^inconclusive: .*admits a gain of 2% but does not prove one/);
});

test("a significant but tiny gain is no_difference: the interval excludes a gain of the minimum effect", () => {
  const rng = createRng(4);
  const verdict = compareSamples(runs(rng, 30, 100, 0.002), runs(rng, 30, 99.5, 0.002));
  assert.ok(verdict.p_value < 0.05);
  assert.ok(verdict.ratio_ci[0] > 0.98);
  assert.equal(verdict.outcome, "no_difference");
  // Its interval lies below 1: it is faster, only by less than the minimum effect, and says so.
  assert.ok(verdict.ratio_ci[1] < 1);
  assert.match(verdict.reason, /^the candidate is 0\.\d% faster, less than the 2% minimum effect: .*the interval excludes a gain of 2%$/);
  assert.equal(describeOutcome(verdict), "faster, less than the 2% minimum effect");
});

test("an interval wholly above 1 is slower, even within the minimum effect; one that holds 1 is no difference", () => {
  const rng = createRng(14);
  const slight = compareSamples(runs(rng, 30, 100, 0.002), runs(rng, 30, 100.6, 0.002), { paired: true });
  assert.ok(slight.ratio_ci[0] > 1 && slight.ratio_ci[1] < 1.02, `interval ${slight.ratio_ci}`);
  assert.equal(slight.outcome, "slower");
  assert.match(slight.reason, /slower: .*the interval excludes no change$/);
  assert.equal(describeOutcome(slight), "slower");
  // A wide no-op: the interval straddles 1.
  const same = compareSamples(runs(rng, 30, 100, 0.05), runs(rng, 30, 100, 0.05), { paired: true, minEffect: 0.2 });
  assert.ok(same.ratio_ci[0] < 1 && same.ratio_ci[1] > 1);
  assert.equal(describeOutcome(same), "no difference");
  // The label reads the interval whatever the stored outcome says (a verdict from an older run).
  assert.equal(describeOutcome({ outcome: "no_difference", ratio_ci: [1.043, 1.369], better: "lower", min_effect: 0.05 }), "slower");
  assert.equal(describeOutcome({ outcome: "unknown", ratio_ci: [0.9, 0.99], better: "lower", min_effect: 0.05 }), "faster, not proven beyond the 5% minimum effect");
  assert.equal(describeOutcome({ outcome: "no_difference", ratio_ci: [1.01, 1.04], better: "higher", min_effect: 0.05 }), "faster, less than the 5% minimum effect");
});

test("an interval beyond the minimum effect without significance stays unknown", () => {
  // 10 vs 10 with complete separation: exact p = 2 / C(20, 10) = 1.08e-5, above alpha = 1e-6.
  const rng = createRng(5);
  const verdict = compareSamples(runs(rng, 10, 100, 0.01), runs(rng, 10, 90, 0.01), { alpha: 1e-6 });
  assert.equal(verdict.outcome, "unknown");
  assert.match(verdict.reason, /beyond the 2% minimum effect but the rank test is not significant/);
});

test("a larger minimum effect turns a 5% gain from faster into unknown", () => {
  const rng = createRng(6);
  const a = runs(rng, 30, 100, 0.01);
  const b = runs(rng, 30, 95, 0.01);
  assert.equal(compareSamples(a, b).outcome, "faster");
  assert.equal(compareSamples(a, b, { minEffect: 0.05 }).outcome, "unknown");
  assert.equal(compareSamples(a, b, { minEffect: 0.1 }).outcome, "no_difference");
});

test("for higher-is-better metrics a 10% rise is faster and a 10% fall slower", () => {
  const rng = createRng(7);
  const base = runs(rng, 20, 1000, 0.01);
  assert.equal(compareSamples(base, runs(rng, 20, 1100, 0.01), { better: "higher" }).outcome, "faster");
  assert.equal(compareSamples(base, runs(rng, 20, 900, 0.01), { better: "higher" }).outcome, "slower");
});

test("outliers are flagged on each arm and kept in the statistics", () => {
  const rng = createRng(8);
  const a = runs(rng, 20, 100, 0.01);
  a[0] = 160; // a cold first run
  const verdict = compareSamples(a, runs(rng, 20, 90, 0.01));
  assert.equal(verdict.n_a, 20);
  assert.equal(verdict.outliers_a[0]?.index, 0);
  assert.match(verdict.outliers_a[0]?.reason ?? "", /^first run slower than the rest/);
  assert.equal(verdict.outcome, "faster");
});

test("the same inputs and seed give the same verdict", () => {
  const rng = createRng(9);
  const a = runs(rng, 15, 100, 0.05);
  const b = runs(rng, 15, 97, 0.05);
  assert.deepEqual(compareSamples(a, b, { seed: 3 }), compareSamples(a, b, { seed: 3 }));
});

test("compareSeveral Holm-adjusts the p-values of one round", () => {
  const rng = createRng(10);
  const baseline = runs(rng, 25, 100, 0.03);
  const candidates = [runs(rng, 25, 90, 0.03), runs(rng, 25, 99, 0.03), runs(rng, 25, 101, 0.03)];
  const verdicts = compareSeveral(baseline, candidates);
  const raw = candidates.map((candidate) => compareSamples(baseline, candidate).p_value);
  assert.deepEqual(
    verdicts.map((v) => v.p_value_raw),
    raw,
  );
  assert.deepEqual(
    verdicts.map((v) => v.p_value),
    holmAdjust(raw),
  );
  assert.equal(verdicts[0]?.outcome, "faster");
  assert.match(verdicts[0]?.reason ?? "", /Holm-adjusted p = /);
  for (const v of verdicts.slice(1)) assert.notEqual(v.outcome, "faster");
});

test("bad options and baselines are refused", () => {
  assert.throws(() => compareSamples([1, 2], [1, 2], { minEffect: 2 }), RangeError);
  assert.throws(() => compareSamples([1, 2], [1, 2], { alpha: 0 }), RangeError);
  assert.throws(() => compareSamples([0, 1], [1, 2]), RangeError);
});

test("the minimum effect is the largest of the user's threshold, 2% and K times the A/A spread", () => {
  assert.equal(MIN_EFFECT_FLOOR, 0.02);
  assert.equal(minimumEffect(), 0.02);
  assert.equal(minimumEffect(0.05), 0.05);
  assert.equal(minimumEffect(0.01), 0.02);
  assert.equal(minimumEffect(null, 0.005), 0.02);
  assert.equal(minimumEffect(0.01, 0.04), CALIBRATION_SPREAD_MULTIPLE * 0.04);
  assert.equal(minimumEffect(0.1, 0.04), 0.1);
  assert.throws(() => minimumEffect(5), RangeError); // 5 means 500%: a fraction was meant
  assert.throws(() => minimumEffect(-0.1), RangeError);
  assert.throws(() => minimumEffect(0.05, Number.NaN), RangeError);
});

test("an A/A calibration yields a small spread around 1 and feeds the minimum effect", () => {
  const rng = createRng(11);
  const calibration = calibrate(runs(rng, 20, 100, 0.03), runs(rng, 20, 100, 0.03));
  assert.ok(calibration.ratio_ci[0] <= 1 && 1 <= calibration.ratio_ci[1]);
  assert.equal(calibration.spread, Math.abs(calibration.ratio - 1));
  assert.ok(calibration.spread < 0.03, `spread ${calibration.spread}`);
  assert.ok(calibration.spread < Math.max(1 - calibration.ratio_ci[0], calibration.ratio_ci[1] - 1), "smaller than the interval's reach");
  assert.deepEqual([calibration.n_a, calibration.n_b], [20, 20]);
  assert.match(calibration.reason, /^identical runs differ by \d+\.\d% \(A\/A median ratio/);
  assert.equal(minimumEffect(0, calibration.spread), Math.max(0.02, CALIBRATION_SPREAD_MULTIPLE * calibration.spread));
});

test("an A/A calibration with a systematic gap says so, and its spread covers the gap", () => {
  const rng = createRng(12);
  const calibration = calibrate(runs(rng, 20, 100, 0.005), runs(rng, 20, 104, 0.005));
  assert.ok(calibration.spread > 0.03 && calibration.spread < 0.05, `spread ${calibration.spread}`);
  assert.match(calibration.reason, /misses 1, a sign of a systematic gap/);
});
