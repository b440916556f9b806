/**
 * Two-sided Mann-Whitney U test (H. B. Mann and D. R. Whitney, "On a Test of Whether One of Two
 * Random Variables is Stochastically Larger than the Other", Ann. Math. Statist. 18(1), 1947),
 * the rank test asv and Chromium's Pinpoint use to compare benchmark samples.
 *
 * U is the number of pairs (a_i, b_j) with a_i > b_j, ties counting 1/2 (scipy's U1 for x = a).
 * - Exact, when there are no ties and both samples hold at most EXACT_MAX_SAMPLE_SIZE values:
 *   the null distribution of U by Mann & Whitney's recurrence on the largest observation,
 *       P(m, n, u) = m/(m+n) P(m-1, n, u-n) + n/(m+n) P(m, n-1, u),
 *   carried as probabilities (no overflow, no cancellation); p = min(1, 2 P(U >= max(U, mn-U))).
 * - Otherwise the normal approximation with mean mn/2, the tie-corrected variance
 *       mn/12 * ((N + 1) - sum(t^3 - t) / (N (N - 1))),   N = m + n, t = size of each tie group
 *   (E. L. Lehmann, "Nonparametrics: Statistical Methods Based on Ranks", Holden-Day 1975,
 *   ch. 1), and a continuity correction of 1/2:  z = (max(U, mn-U) - mn/2 - 1/2) / sigma,
 *   p = min(1, 2 P(Z > z)). This is scipy.stats.mannwhitneyu(method="asymptotic",
 *   use_continuity=True).
 */
import { normalSf } from "./normal.ts";
import { requireSamples } from "./summary.ts";

/** Largest sample size (each side) for the exact distribution; beyond it the normal approximation is accurate. */
export const EXACT_MAX_SAMPLE_SIZE = 20;
/** Continuity correction of the normal approximation. */
const CONTINUITY_CORRECTION = 0.5;

export type MannWhitneyMethod = "exact" | "asymptotic";

export interface MannWhitneyResult {
  /** U of the first sample: pairs with a_i > b_j, ties counting 1/2. */
  u: number;
  /** Two-sided p-value. */
  p_value: number;
  method: MannWhitneyMethod;
  /** The continuity-corrected z of the normal approximation; null for the exact test. */
  z: number | null;
  /** Whether any value occurs more than once across both samples. */
  ties: boolean;
}

interface Ranked {
  rankSumA: number;
  /** sum over tie groups of t^3 - t. */
  tieTerm: number;
}

/** Mid-ranks (1-based, ties share their average rank) of the pooled samples. */
function rank(a: readonly number[], b: readonly number[]): Ranked {
  // Pooled positions: 0..m-1 are a's values, m.. are b's; sorted by value.
  const values = [...a, ...b];
  const order = values.map((_, index) => index).sort((x, y) => (values[x] as number) - (values[y] as number));
  const valueAt = (position: number): number => values[order[position] as number] as number;
  let rankSumA = 0;
  let tieTerm = 0;
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    while (end < order.length && valueAt(end) === valueAt(start)) end++;
    const size = end - start;
    const midRank = (start + 1 + end) / 2;
    for (let position = start; position < end; position++) {
      if ((order[position] as number) < a.length) rankSumA += midRank;
    }
    tieTerm += size ** 3 - size;
    start = end;
  }
  return { rankSumA, tieTerm };
}

/** P(U >= u) under H0 with no ties, for sample sizes m and n. */
export function exactUpperTail(m: number, n: number, u: number): number {
  // row[j] holds the distribution of U for sizes (i, j), i the current row.
  let row: Float64Array[] = Array.from({ length: n + 1 }, () => Float64Array.of(1));
  for (let i = 1; i <= m; i++) {
    const next: Float64Array[] = [Float64Array.of(1)];
    for (let j = 1; j <= n; j++) {
      const dist = new Float64Array(i * j + 1);
      const withLargestFromA = row[j] as Float64Array; // sizes (i-1, j), shifted by j
      const withLargestFromB = next[j - 1] as Float64Array; // sizes (i, j-1)
      const pa = i / (i + j);
      const pb = j / (i + j);
      for (let k = 0; k < withLargestFromA.length; k++) dist[k + j] = pa * (withLargestFromA[k] as number);
      for (let k = 0; k < withLargestFromB.length; k++) dist[k] = (dist[k] as number) + pb * (withLargestFromB[k] as number);
      next.push(dist);
    }
    row = next;
  }
  const dist = row[n] as Float64Array;
  let tail = 0;
  for (let k = dist.length - 1; k >= Math.max(0, Math.ceil(u)); k--) tail += dist[k] as number;
  return Math.min(1, tail);
}

/** Two-sided Mann-Whitney U test of a against b. */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  requireSamples(a, "first sample");
  requireSamples(b, "second sample");
  const m = a.length;
  const n = b.length;
  const { rankSumA, tieTerm } = rank(a, b);
  const u = rankSumA - (m * (m + 1)) / 2;
  const uLarge = Math.max(u, m * n - u);
  const ties = tieTerm > 0;
  if (!ties && m <= EXACT_MAX_SAMPLE_SIZE && n <= EXACT_MAX_SAMPLE_SIZE) {
    return { u, p_value: Math.min(1, 2 * exactUpperTail(m, n, uLarge)), method: "exact", z: null, ties };
  }
  const total = m + n;
  const variance = ((m * n) / 12) * (total + 1 - tieTerm / (total * (total - 1)));
  if (!(variance > 0)) return { u, p_value: 1, method: "asymptotic", z: 0, ties }; // every value equal
  const z = (uLarge - (m * n) / 2 - CONTINUITY_CORRECTION) / Math.sqrt(variance);
  return { u, p_value: Math.min(1, 2 * normalSf(z)), method: "asymptotic", z, ties };
}
