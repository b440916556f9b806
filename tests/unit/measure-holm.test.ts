// Holm (1979) step-down adjustment: a textbook example and statsmodels' multipletests(method="holm").
import assert from "node:assert/strict";
import { test } from "node:test";
import { holmAdjust } from "../../src/measure/index.ts";

function closeAll(actual: number[], expected: number[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, i) => assert.ok(Math.abs(value - (expected[i] as number)) < 1e-12, `${actual} vs ${expected}`));
}

test("the textbook example: p = 0.01, 0.04, 0.03, 0.005", () => {
  // Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04; monotone: 0.02 0.03 0.06 0.06.
  // At alpha 0.05 Holm rejects H4 and H1 only (Wikipedia, "Holm-Bonferroni method", example);
  // statsmodels 0.13.5 multipletests(p, method="holm") gives the same adjusted values.
  const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005]);
  closeAll(adjusted, [0.03, 0.06, 0.06, 0.02]);
  assert.deepEqual(
    adjusted.map((p) => p < 0.05),
    [true, false, false, true],
  );
});

test("ties, monotonicity and the cap at 1 match statsmodels multipletests(method='holm')", () => {
  closeAll(holmAdjust([0.2, 0.001, 0.04, 0.04, 0.5, 0.012]), [0.4, 0.006, 0.16, 0.16, 0.5, 0.06]);
  closeAll(holmAdjust([0.6, 0.7]), [1, 1]);
});

test("one p-value is unchanged, none gives none, and bad p-values are refused", () => {
  assert.deepEqual(holmAdjust([0.03]), [0.03]);
  assert.deepEqual(holmAdjust([]), []);
  assert.throws(() => holmAdjust([1.2]), RangeError);
  assert.throws(() => holmAdjust([Number.NaN]), RangeError);
});

test("adjusted p-values are never below the raw ones", () => {
  const raw = [0.001, 0.2, 0.03, 0.04, 0.9, 0.0004];
  holmAdjust(raw).forEach((adjusted, i) => assert.ok(adjusted >= (raw[i] as number)));
});
