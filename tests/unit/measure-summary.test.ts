// Descriptive statistics, the seeded generator and the warm-up split, against numpy/scipy.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  createRng,
  MAD_NORMAL_CONSISTENCY,
  mad,
  mean,
  median,
  quantile,
  scaledMad,
  splitWarmup,
  stddev,
  summarize,
} from "../../src/measure/index.ts";

function close(actual: number, expected: number, relative = 1e-12): void {
  const scale = Math.max(Math.abs(expected), 1e-300);
  assert.ok(Math.abs(actual - expected) / scale <= relative, `${actual} is not within ${relative} of ${expected}`);
}

// Reference values: numpy 1.24.2 / scipy 1.10.1 (Debian bookworm):
//   np.percentile(X, 100 * p, method="linear"), np.median(X), np.mean(X), np.std(X, ddof=1),
//   scipy.stats.median_abs_deviation(X) and (X, scale="normal").
const X = [12.1, 11.8, 12.6, 13.0, 11.9, 12.2, 15.4, 12.0, 12.3, 11.7];
const NUMPY_PERCENTILES: [number, number][] = [
  [0, 11.7],
  [0.1, 11.790000000000001],
  [0.25, 11.925],
  [0.5, 12.149999999999999],
  [0.75, 12.525],
  [0.9, 13.239999999999998],
  [0.99, 15.184000000000001],
  [1, 15.4],
];

test("quantiles follow Hyndman & Fan type 7 (numpy 'linear')", () => {
  for (const [p, expected] of NUMPY_PERCENTILES) close(quantile(X, p), expected);
  close(median(X), 12.149999999999999);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([5]), 5);
});

test("MAD raw and normal-scaled match scipy.stats.median_abs_deviation", () => {
  close(mad(X), 0.29999999999999805);
  // scipy scales by 1/Phi^-1(3/4) = 1.482602218505602; the named constant is 1.4826.
  close(scaledMad(X), 0.44478066555167767, 2e-6);
  assert.equal(MAD_NORMAL_CONSISTENCY, 1.4826);
});

test("mean and sample standard deviation match numpy", () => {
  close(mean(X), 12.5);
  close(stddev(X), 1.0903618155864083);
  assert.equal(stddev([4]), 0);
});

test("summarize returns every statistic without reordering or dropping the input", () => {
  const input = [...X];
  const s = summarize(input);
  assert.deepEqual(input, X);
  assert.equal(s.n, 10);
  close(s.median, 12.149999999999999);
  close(s.mad, 0.29999999999999805);
  close(s.scaled_mad, 0.29999999999999805 * 1.4826);
  close(s.mean, 12.5);
  close(s.stddev, 1.0903618155864083);
  assert.equal(s.min, 11.7);
  assert.equal(s.max, 15.4);
});

test("bad input is refused with a RangeError", () => {
  assert.throws(() => median([]), RangeError);
  assert.throws(() => summarize([1, Number.NaN]), RangeError);
  assert.throws(() => quantile([1, 2], 1.5), RangeError);
});

test("mulberry32 reproduces an independent implementation for a seed", () => {
  // Python port of Tommy Ettinger's mulberry32 gist (uint32 arithmetic), seed 42, first five outputs.
  const rng = createRng(42);
  const expected = [0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693, 0.17481389874592423];
  for (const value of expected) assert.equal(rng.next(), value);
  const again = createRng(42);
  assert.equal(again.next(), expected[0]);
});

test("rng.int stays in range and rng.normal has mean 0 and sd 1", () => {
  const rng = createRng(7);
  for (let i = 0; i < 1000; i++) {
    const k = rng.int(6);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 6);
  }
  const draws = Array.from({ length: 20000 }, () => rng.normal());
  assert.ok(Math.abs(mean(draws)) < 0.03, `mean ${mean(draws)}`);
  assert.ok(Math.abs(stddev(draws) - 1) < 0.03, `sd ${stddev(draws)}`);
});

test("splitWarmup keeps the warm-up runs apart, in order", () => {
  assert.deepEqual(splitWarmup([9, 5, 5.1, 4.9]), { warmup: [9], measured: [5, 5.1, 4.9] });
  assert.deepEqual(splitWarmup([9, 5], 0), { warmup: [], measured: [9, 5] });
  assert.deepEqual(splitWarmup([9, 8, 5], 2), { warmup: [9, 8], measured: [5] });
  assert.throws(() => splitWarmup([1], -1), RangeError);
});
