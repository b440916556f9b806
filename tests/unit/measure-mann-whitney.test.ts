// Mann-Whitney U against scipy.stats.mannwhitneyu and Mann & Whitney's (1947) table; the normal tail against scipy.
import assert from "node:assert/strict";
import { test } from "node:test";
import { EXACT_MAX_SAMPLE_SIZE, exactUpperTail, mannWhitneyU, normalSf } from "../../src/measure/index.ts";

function close(actual: number, expected: number, relative: number): void {
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${actual} is not within ${relative} of ${expected}`);
}

// Each case: [name, a, b, scipy U (statistic for x = a), scipy two-sided p].
// Computed with scipy 1.10.1 (Debian bookworm) and checked identical with scipy 1.17.1:
//   scipy.stats.mannwhitneyu(a, b, alternative="two-sided", method="exact")
type Case = [string, number[], number[], number, number];
const EXACT: Case[] = [
  ["complete separation 5x5 (2 / C(10,5))", [1.1, 2.3, 3.5, 4.2, 5.9], [6.1, 7.4, 8.0, 9.3, 10.2], 0, 0.007936507936507936],
  ["one value each", [2.0], [1.0], 1, 1.0],
  ["3x4", [8.957, 7.731, 10.534], [9.418, 10.081, 10.84, 11.107], 2, 0.22857142857142856],
  ["7x3", [8.882, 11.171, 9.57, 11.06, 11.239, 9.522, 10.877], [13.367, 9.834, 10.334], 8, 0.6666666666666666],
  [
    "6x8",
    [11.299, 11.074, 9.794, 11.843, 10.019, 10.423],
    [9.426, 9.139, 13.161, 11.124, 10.027, 12.105, 11.689, 9.755],
    25,
    0.9497169497169498,
  ],
  [
    "10x10",
    [93.621, 93.715, 96.725, 105.073, 105.84, 95.343, 102.451, 99.457, 97.596, 101.988],
    [83.543, 87.371, 92.218, 86.956, 82.306, 95.664, 92.217, 94.12, 108.161, 94.11],
    83,
    0.011496243694386109,
  ],
  [
    "20x20",
    [108.304, 100.184, 98.427, 92.973, 99.05, 97.62, 95.761, 102.467, 103.137, 102.521, 96.126, 97.879, 94.028, 104.142, 106.181, 98.716, 100.771, 106.084, 102.117, 90.51],
    [96.382, 93.581, 96.211, 97.079, 93.278, 94.138, 98.554, 98.504, 101.098, 99.561, 92.834, 110.862, 97.172, 99.395, 98.293, 103.024, 98.287, 83.34, 95.904, 103.004],
    256,
    0.1344188418280404,
  ],
  [
    "12x20",
    [45.534, 46.957, 52.778, 46.371, 52.289, 46.439, 49.456, 57.083, 53.031, 49.306, 48.178, 46.288],
    [49.362, 51.545, 45.087, 48.237, 51.7, 52.412, 51.662, 45.108, 48.174, 50.625, 45.966, 52.556, 50.785, 49.753, 45.752, 50.432, 55.872, 45.452, 49.654, 50.781],
    119,
    0.9847125444721808,
  ],
];

// scipy.stats.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic", use_continuity=True)
// (tie-corrected variance), same scipy versions.
const ASYMPTOTIC: Case[] = [
  ["small with ties", [1, 2, 2, 3], [2, 3, 3, 4, 5], 3, 0.09934224785346528],
  [
    "ties 12x15",
    [10, 14, 18, 10, 17, 13, 17, 15, 18, 13, 10, 10],
    [19, 14, 17, 13, 13, 21, 14, 17, 14, 15, 16, 13, 16, 13, 13],
    70,
    0.33469665061392817,
  ],
  [
    "heavy ties 25x30",
    [2, 0, 3, 7, 3, 4, 1, 7, 3, 5, 3, 6, 0, 2, 5, 3, 2, 4, 6, 5, 7, 7, 4, 3, 6],
    [3, 8, 7, 5, 3, 2, 2, 3, 3, 8, 1, 5, 7, 7, 3, 7, 4, 2, 8, 2, 3, 6, 6, 1, 8, 8, 6, 2, 8, 5],
    305,
    0.23518045092124817,
  ],
  [
    "no ties 30x25 (beyond the exact size)",
    [9.949, 10.859, 8.984, 9.999, 13.023, 11.333, 9.956, 10.453, 10.563, 8.733, 10.034, 10.633, 9.996, 8.76, 9.853, 11.542, 9.244, 8.992, 8.717, 8.405, 11.316, 9.15, 10.875, 9.432, 9.728, 10.753, 8.864, 9.601, 11.703, 9.365],
    [9.828, 10.116, 11.56, 11.524, 10.714, 10.791, 11.731, 8.615, 10.701, 10.466, 9.006, 10.722, 8.772, 11.263, 10.438, 9.058, 10.317, 10.881, 9.842, 9.75, 10.668, 9.791, 11.19, 9.514, 9.35],
    312,
    0.2907659523151036,
  ],
];

for (const [name, a, b, u, p] of EXACT) {
  test(`exact p-value, ${name}`, () => {
    const result = mannWhitneyU(a, b);
    assert.equal(result.method, "exact");
    assert.equal(result.ties, false);
    assert.equal(result.u, u);
    close(result.p_value, p, 1e-12);
    // Swapping the samples keeps the two-sided p and mirrors U.
    const swapped = mannWhitneyU(b, a);
    assert.equal(swapped.u, a.length * b.length - u);
    close(swapped.p_value, p, 1e-12);
  });
}

for (const [name, a, b, u, p] of ASYMPTOTIC) {
  test(`normal approximation with tie and continuity correction, ${name}`, () => {
    const result = mannWhitneyU(a, b);
    assert.equal(result.method, "asymptotic");
    assert.equal(result.u, u);
    assert.ok(result.z !== null);
    // The normal tail (Numerical Recipes erfc) has a fractional error below 1.2e-7.
    close(result.p_value, p, 1e-6);
  });
}

test("exact tiny p-value for complete separation at 20x20 equals 2 / C(40, 20)", () => {
  const a = Array.from({ length: 20 }, (_, i) => i);
  const b = Array.from({ length: 20 }, (_, i) => i + 20);
  const result = mannWhitneyU(a, b);
  assert.equal(EXACT_MAX_SAMPLE_SIZE, 20);
  assert.equal(result.method, "exact");
  // scipy exact: 1.4508889103849684e-11; 2 / math.comb(40, 20) = 1.4508889103849688e-11.
  close(result.p_value, 1.4508889103849684e-11, 1e-12);
});

test("the exact null distribution reproduces Mann & Whitney's 1947 table for m = n = 4", () => {
  // Table I of Mann & Whitney (1947), n = m = 4: P(U <= u) for u = 0..8 is .014 .029 .057 .100
  // .171 .243 .343 .443 .557, i.e. cumulative counts 1 2 4 7 12 17 24 31 39 of C(8,4) = 70
  // (checked by enumerating all 70 rank splits in Python). By symmetry P(U <= u) = P(U >= 16 - u).
  const cumulative = [1, 2, 4, 7, 12, 17, 24, 31, 39];
  cumulative.forEach((count, u) => close(exactUpperTail(4, 4, 16 - u), count / 70, 1e-12));
  close(exactUpperTail(4, 4, 0), 1, 1e-12);
});

test("samples with ties use the normal approximation even when small; all-equal samples give p = 1", () => {
  assert.equal(mannWhitneyU([1, 2, 3], [3, 4, 5]).method, "asymptotic");
  const equal = mannWhitneyU([3, 3, 3, 3, 3], [3, 3, 3, 3, 3, 3]);
  assert.equal(equal.p_value, 1); // scipy: 1.0
  assert.equal(equal.u, 15);
});

test("empty or non-finite samples are refused", () => {
  assert.throws(() => mannWhitneyU([], [1]), RangeError);
  assert.throws(() => mannWhitneyU([1], [Number.POSITIVE_INFINITY]), RangeError);
});

test("the normal upper tail matches scipy.stats.norm.sf within 1.2e-7 relative", () => {
  // scipy 1.10.1: scipy.stats.norm.sf(z)
  const table: [number, number][] = [
    [-2, 0.9772498680518208],
    [0, 0.5],
    [0.5, 0.3085375387259869],
    [1, 0.15865525393145707],
    [1.959963984540054, 0.025],
    [3, 0.0013498980316300933],
    [5, 2.866515718791933e-7],
    [8, 6.22096057427174e-16],
  ];
  for (const [z, expected] of table) close(normalSf(z), expected, 1.2e-7);
});
