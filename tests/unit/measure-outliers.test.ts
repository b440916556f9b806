// Outliers are flagged with their reason (modified z-score, Iglewicz & Hoaglin 1993), never dropped.
import assert from "node:assert/strict";
import { test } from "node:test";
import { findOutliers, MODIFIED_Z_THRESHOLD, modifiedZScores } from "../../src/measure/index.ts";

function close(actual: number, expected: number, relative: number): void {
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${actual} is not within ${relative} of ${expected}`);
}

// hyperfine's outlier tests (src/outlier_detection.rs): a normal sample, then with 20 and -500 added.
const NORMAL = [2.33269488, 1.42195907, -0.57527698, -0.31293437, 2.2948158, 0.75813273, -1.0712388, -0.96394741, -1.15897446, 1.10976285];

test("the threshold is Iglewicz & Hoaglin's 3.5", () => {
  assert.equal(MODIFIED_Z_THRESHOLD, 3.5);
});

test("modified z-scores match scipy: (x - median) / median_abs_deviation(x, scale='normal')", () => {
  // scipy 1.10.1; scipy's scale is 1.482602218505602, ours 1.4826, hence the 2e-6 tolerance.
  const scores = modifiedZScores([0.5, 0.3, 0.29, 0.31, 0.3]);
  const expected = [13.489795003921623, 0, -0.6744897501960817, 0.6744897501960817, 0];
  scores.forEach((score, i) => {
    if (expected[i] === 0) assert.ok(Math.abs(score) < 1e-9);
    else close(score, expected[i] as number, 2e-6);
  });
});

test("a slow first run is read as a cold cache", () => {
  const outliers = findOutliers([0.5, 0.3, 0.29, 0.31, 0.3]);
  assert.equal(outliers.length, 1);
  const [first] = outliers;
  assert.equal(first?.index, 0);
  assert.equal(first?.side, "high");
  assert.match(first?.reason ?? "", /^first run slower than the rest \(13\.5 MADs above the median\): likely a cold cache/);
});

test("with firstSampleIsFirstRun false the first sample gets the plain reason", () => {
  const [first] = findOutliers([0.5, 0.3, 0.29, 0.31, 0.3], { firstSampleIsFirstRun: false });
  assert.equal(first?.reason, "13.5 MADs above the median (modified z-score beyond 3.5)");
});

test("no outlier in a plain normal sample; added extremes are flagged high and low with their distance", () => {
  assert.deepEqual(findOutliers(NORMAL), []);
  const outliers = findOutliers([...NORMAL, 20, -500]);
  assert.deepEqual(
    outliers.map((o) => [o.index, o.value, o.side]),
    [
      [10, 20, "high"],
      [11, -500, "low"],
    ],
  );
  assert.match(outliers[0]?.reason ?? "", /^\d+\.\d MADs above the median/);
  assert.match(outliers[1]?.reason ?? "", /^\d+\.\d MADs below the median/);
});

test("a MAD of 0 falls back to the scaled mean absolute deviation", () => {
  // median 10, MAD 0; MeanAD = 90/8, spread 1.253314 * 11.25, score 90 / 14.0997825 = 6.383.
  const one = findOutliers([10, 10, 10, 10, 10, 10, 10, 100]);
  assert.equal(one.length, 1);
  assert.equal(one[0]?.index, 7);
  close(one[0]?.score ?? 0, 90 / (1.253314 * 11.25), 1e-12);
  assert.match(one[0]?.reason ?? "", /mean absolute deviations \(the MAD is 0\) above the median/);
  // Two large values: MeanAD 20, score 90 / 25.06628 = 3.59 > 3.5, both flagged (as hyperfine's test).
  assert.equal(findOutliers([10, 10, 10, 10, 10, 10, 10, 100, 100]).length, 2);
});

test("equal samples and tiny samples have no outliers; the input is never changed", () => {
  assert.deepEqual(findOutliers([4, 4, 4, 4]), []);
  assert.deepEqual(findOutliers([50]), []);
  assert.deepEqual(findOutliers([1000, 0]), []);
  const input = [0.5, 0.3, 0.29, 0.31, 0.3];
  findOutliers(input);
  assert.deepEqual(input, [0.5, 0.3, 0.29, 0.31, 0.3]);
});
