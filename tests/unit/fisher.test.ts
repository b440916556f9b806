// Fisher's exact test, one-sided, and the corrected rate ratio (src/measure/fisher.ts), against
// values worked out by hand from the hypergeometric distribution.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compareRates } from "../../src/measure/index.ts";

const near = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} against ${expected}`);

describe("compareRates", () => {
  test("0 of 10 against 5 of 10: p = C(10,5) / C(20,5)", () => {
    near(compareRates(0, 10, 5, 10).p_value, 252 / 15504, "p");
  });
  test("2 of 10 against 5 of 10: the tail from 5 on", () => {
    // P(X >= 5), X ~ Hypergeometric(20 attempts, 7 failures, 10 drawn for B).
    const choose = (n: number, k: number): number => (k < 0 || k > n ? 0 : k === 0 ? 1 : (choose(n - 1, k - 1) * n) / k);
    const tail = [5, 6, 7].reduce((sum, i) => sum + choose(10, i) * choose(10, 7 - i), 0) / choose(20, 7);
    near(compareRates(2, 10, 5, 10).p_value, tail, "p");
  });
  test("no failures on either side: p = 1, ratio 1 inside its interval", () => {
    const r = compareRates(0, 2000, 0, 2000);
    assert.equal(r.p_value, 1);
    near(r.ratio, 1, "ratio");
    assert.ok(r.ratio_ci[0] < 1 && r.ratio_ci[1] > 1, String(r.ratio_ci));
  });
  test("fewer failures on B: p near 1", () => {
    assert.ok(compareRates(30, 1000, 2, 1000).p_value > 0.99);
  });
  test("large counts stay finite and significant", () => {
    const r = compareRates(0, 40_000, 60, 40_000);
    assert.ok(r.p_value < 1e-10 && r.p_value > 0, String(r.p_value));
    near(r.ratio, 60.5 / 0.5, "ratio");
  });
  test("bad counts are a RangeError", () => {
    assert.throws(() => compareRates(3, 2, 0, 1), RangeError);
    assert.throws(() => compareRates(-1, 2, 0, 1), RangeError);
    assert.throws(() => compareRates(0.5, 2, 0, 1), RangeError);
  });
});
