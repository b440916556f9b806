/**
 * The Wilcoxon signed-rank test (F. Wilcoxon, "Individual Comparisons by Ranking Methods",
 * Biometrics Bulletin 1(6), 1945), two-sided, on paired differences: used when A and B were run
 * interleaved, so that each round's pair shares the machine's state and drift cancels.
 *
 * Zero differences are dropped (Wilcoxon's own treatment, SciPy's zero_method="wilcox"); tied
 * absolute differences get average ranks. Exact null distribution of W+ (the sum of the positive
 * ranks) by counting subsets when there are no ties and n <= WILCOXON_EXACT_MAX_N; otherwise the
 * normal approximation with the tie-corrected variance n(n+1)(2n+1)/24 - sum(t^3 - t)/48 and no
 * continuity correction (both as SciPy's scipy.stats.wilcoxon defaults, which the tests match).
 *
 * Measured on this project's machines (bench/verdicts, 30 trials each, same load): pairing the
 * interleaved rounds kept 26/30 real 5% gains with no A/A false positive, where the unpaired
 * Mann-Whitney verdict kept 14/30 (most ended "unknown" at the cap). The sign test, which tests
 * the median of the differences exactly, did no better (25/30) and let one A/A through.
 */
import { normalSf } from "./normal.ts";

/** Largest n for the exact distribution (counted by dynamic programming over rank sums). */
export const WILCOXON_EXACT_MAX_N = 25;

export interface WilcoxonResult {
  /** Sum of the ranks of the positive differences. */
  w_plus: number;
  p_value: number;
  method: "exact" | "asymptotic";
  /** Non-zero differences used. */
  n: number;
  zeros: number;
  ties: boolean;
}

function averageRanks(values: readonly number[]): { ranks: number[]; tieCorrection: number } {
  const order = values.map((value, index) => ({ value, index })).sort((x, y) => x.value - y.value);
  const ranks = new Array<number>(values.length);
  let tieCorrection = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]!.value === order[i]!.value) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]!.index] = rank;
    const t = j - i + 1;
    tieCorrection += t * t * t - t;
    i = j + 1;
  }
  return { ranks, tieCorrection };
}

/** P(W+ <= w) under the null for n untied ranks 1..n, counting subsets by their sum. */
function exactCdf(n: number, w: number): number {
  const max = (n * (n + 1)) / 2;
  let counts = new Float64Array(max + 1);
  counts[0] = 1;
  for (let rank = 1; rank <= n; rank++) {
    const next = new Float64Array(max + 1);
    for (let s = 0; s <= max; s++) {
      const c = counts[s]!;
      if (c === 0) continue;
      next[s] = next[s]! + c;
      if (s + rank <= max) next[s + rank] = next[s + rank]! + c;
    }
    counts = next;
  }
  let below = 0;
  for (let s = 0; s <= Math.min(max, Math.floor(w)); s++) below += counts[s]!;
  return below / 2 ** n;
}

export function wilcoxonSignedRank(differences: readonly number[]): WilcoxonResult {
  const nonZero = differences.filter((d) => d !== 0);
  const zeros = differences.length - nonZero.length;
  const n = nonZero.length;
  if (n === 0) return { w_plus: 0, p_value: 1, method: "exact", n, zeros, ties: false };
  const { ranks, tieCorrection } = averageRanks(nonZero.map(Math.abs));
  const wPlus = nonZero.reduce((sum, d, i) => (d > 0 ? sum + ranks[i]! : sum), 0);
  const ties = tieCorrection > 0;
  const total = (n * (n + 1)) / 2;
  if (!ties && n <= WILCOXON_EXACT_MAX_N) {
    const low = Math.min(wPlus, total - wPlus);
    return { w_plus: wPlus, p_value: Math.min(1, 2 * exactCdf(n, low)), method: "exact", n, zeros, ties };
  }
  const mean = total / 2;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieCorrection / 48;
  const z = variance > 0 ? (wPlus - mean) / Math.sqrt(variance) : 0;
  return { w_plus: wPlus, p_value: Math.min(1, 2 * normalSf(Math.abs(z))), method: "asymptotic", n, zeros, ties };
}
