// Reference p-values from SciPy 1.10 (Debian python3-scipy): scipy.stats.wilcoxon(d, method=...,
// correction=False, zero_method="wilcox"), two-sided.
import assert from "node:assert/strict";
import { test } from "node:test";
import { compareSamples } from "../../src/measure/verdict.ts";
import { createRng } from "../../src/measure/rng.ts";
import { wilcoxonSignedRank } from "../../src/measure/wilcoxon.ts";

const close = (actual: number, expected: number, tolerance: number) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} vs ${expected}`);

test("exact two-sided p-values match SciPy", () => {
  const a = wilcoxonSignedRank([1.5, -0.3, 2.1, 0.8, -1.1, 3.2, 0.4, 1.9]);
  assert.equal(a.method, "exact");
  close(a.p_value, 0.078125, 1e-12);
  const b = wilcoxonSignedRank([0.12, -0.05, 0.33, 0.21, 0.08, -0.02, 0.15, 0.27, 0.04, 0.19, -0.11, 0.09]);
  close(b.p_value, 0.02099609375, 1e-12);
});

test("zeros are dropped; exact and tie-corrected asymptotic p-values match SciPy", () => {
  const exact = wilcoxonSignedRank([0.5, -0.2, 0.1, 0.0, 0.3, 0.7, -0.4]);
  assert.equal(exact.zeros, 1);
  assert.equal(exact.n, 6);
  close(exact.p_value, 0.4375, 1e-12);
  const tied = wilcoxonSignedRank([1, 2, 2, 3, -1, 4, 5, -2, 6, 3, 3, 1, 7, -4, 2, 8, 1, 2, -3, 5, 6, 2, 4, 1, 3, 9, -1, 2, 4, 5]);
  assert.equal(tied.method, "asymptotic");
  close(tied.p_value, 0.00022070139721743983, 1e-6);
});

test("symmetric differences give p = 1; all zeros give p = 1", () => {
  assert.equal(wilcoxonSignedRank([1, -1, 2, -2]).p_value, 1);
  assert.equal(wilcoxonSignedRank([0, 0, 0]).p_value, 1);
});

test("pairing by round sees a 3% gain through drift that hides it from independent samples", () => {
  const rng = createRng(7);
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < 30; round++) {
    const drift = 0.8 + 0.7 * rng.next(); // the machine's load moves between rounds
    a.push(100 * drift * (1 + 0.005 * rng.normal()));
    b.push(97 * drift * (1 + 0.005 * rng.normal()));
  }
  const independent = compareSamples(a, b, { seed: 1 });
  const paired = compareSamples(a, b, { seed: 1, paired: true });
  assert.notEqual(independent.outcome, "faster", independent.reason);
  assert.equal(paired.outcome, "faster", paired.reason);
  assert.equal(paired.test_name, "wilcoxon");
  assert.ok(paired.ratio > 0.96 && paired.ratio < 0.98, String(paired.ratio));
  assert.throws(() => compareSamples([1, 2], [1], { paired: true }), RangeError);
});
