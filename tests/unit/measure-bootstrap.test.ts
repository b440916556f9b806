// Percentile bootstrap intervals: an independent re-implementation, determinism for a seed, coverage.
import assert from "node:assert/strict";
import { test } from "node:test";
import { BOOTSTRAP_RESAMPLES, bootstrapMedianCi, bootstrapRatioCi, createRng } from "../../src/measure/index.ts";

function close(actual: number, expected: number, relative = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${actual} is not within ${relative} of ${expected}`);
}

const ODD = [12.1, 11.8, 12.6, 13.0, 11.9, 12.2, 15.4, 12.0, 12.3, 11.7, 12.4];
const EVEN = ODD.slice(0, 10);
const CANDIDATE = [10.9, 11.0, 10.7, 11.4, 10.8, 11.1, 10.6, 11.2];

// Reference: a straightforward Python port (mulberry32 in uint32 arithmetic; each resample draws
// floor(u * n) indices into the sorted sample, np.median of the resample; the ratio draws a's
// resample then b's; bounds by np.percentile(..., method="linear")), numpy 1.24.2.
test("the median interval equals an independent sort-based implementation (odd and even n)", () => {
  const odd = bootstrapMedianCi(ODD, { seed: 42 });
  assert.deepEqual([odd.estimate, odd.lo, odd.hi], [12.2, 11.9, 12.6]);
  const even = bootstrapMedianCi(EVEN, { seed: 42 });
  close(even.estimate, 12.149999999999999);
  close(even.lo, 11.9);
  close(even.hi, 12.65);
  const ninety = bootstrapMedianCi(EVEN, { seed: 7, resamples: 500, confidence: 0.9 });
  close(ninety.lo, 11.9);
  close(ninety.hi, 12.6);
  assert.deepEqual([ninety.confidence, ninety.resamples, ninety.seed], [0.9, 500, 7]);
});

test("the ratio interval equals the independent implementation", () => {
  const ratio = bootstrapRatioCi(EVEN, CANDIDATE, { seed: 42 });
  close(ratio.estimate, 0.9012345679012346);
  close(ratio.lo, 0.859375);
  close(ratio.hi, 0.9327731092436974);
  assert.equal(ratio.resamples, BOOTSTRAP_RESAMPLES);
});

test("the same seed gives the same interval; another seed another one", () => {
  const rng = createRng(3);
  const xs = Array.from({ length: 40 }, () => 100 + 5 * rng.normal());
  assert.deepEqual(bootstrapMedianCi(xs, { seed: 11 }), bootstrapMedianCi(xs, { seed: 11 }));
  assert.deepEqual(bootstrapMedianCi(xs), bootstrapMedianCi(xs));
  assert.notDeepEqual(bootstrapMedianCi(xs, { seed: 11 }), bootstrapMedianCi(xs, { seed: 12 }));
});

test("a 1000-sample interval contains the true median and is about as wide as theory says", () => {
  // Normal(100, 10): median 100; the median's standard error is about 1.2533 * 10 / sqrt(1000) = 0.396,
  // so a 95% interval is about 2 * 1.96 * 0.396 = 1.55 wide.
  const rng = createRng(99);
  const xs = Array.from({ length: 1000 }, () => 100 + 10 * rng.normal());
  const ci = bootstrapMedianCi(xs);
  assert.ok(ci.lo < 100 && 100 < ci.hi, `[${ci.lo}, ${ci.hi}]`);
  const width = ci.hi - ci.lo;
  assert.ok(width > 1.0 && width < 2.2, `width ${width}`);
});

test("coverage: about 95% of intervals from n = 25 exponential samples contain ln 2", () => {
  const rng = createRng(2024);
  const replicates = 200;
  let covered = 0;
  for (let r = 0; r < replicates; r++) {
    const xs = Array.from({ length: 25 }, () => -Math.log(1 - rng.next()));
    const ci = bootstrapMedianCi(xs, { seed: r });
    if (ci.lo <= Math.LN2 && Math.LN2 <= ci.hi) covered++;
  }
  const rate = covered / replicates;
  assert.ok(rate >= 0.88 && rate <= 0.99, `coverage ${rate}`);
});

test("a ratio interval brackets the true ratio and excludes 1 for a clear 10% shift", () => {
  const rng = createRng(5);
  const a = Array.from({ length: 30 }, () => 100 * (1 + 0.02 * rng.normal()));
  const b = Array.from({ length: 30 }, () => 90 * (1 + 0.02 * rng.normal()));
  const ci = bootstrapRatioCi(a, b);
  assert.ok(ci.lo < 0.9 && 0.9 < ci.hi && ci.hi < 1, `[${ci.lo}, ${ci.hi}]`);
});

test("edge cases: one value, non-positive baselines, bad options", () => {
  assert.deepEqual(
    [bootstrapMedianCi([7]).lo, bootstrapMedianCi([7]).hi],
    [7, 7],
  );
  assert.throws(() => bootstrapRatioCi([0, 1, 2], [1, 2, 3]), RangeError);
  assert.throws(() => bootstrapMedianCi([1, 2], { confidence: 1 }), RangeError);
  assert.throws(() => bootstrapMedianCi([1, 2], { resamples: 0 }), RangeError);
  assert.throws(() => bootstrapMedianCi([]), RangeError);
});
