/**
 * Failures counted against attempts, two sides: are B's failures more frequent than A's? Fisher's
 * exact test, one-sided (the hypergeometric tail of B's count given the total), and the ratio of
 * the two failure rates with Haldane's correction (0.5 added to each count, so that a side without
 * a failure still has a finite ratio) and its Katz log interval. Used by the error guardrail
 * (src/execute/guardrails.ts), where a side at zero errors is the usual case and the paired
 * statistics of measure/verdict.ts have no ratio to work on. Pure.
 */
/** The standard normal's 97.5% quantile: a 95% interval. */
const NORMAL_975 = 1.959963984540054;

export interface RateComparison {
  /** B's failure rate over A's, both corrected by 0.5. */
  ratio: number;
  ratio_ci: [number, number];
  /** P(B has at least this many of the failures | the total), Fisher's exact one-sided. */
  p_value: number;
}

/** `failuresA` of `attemptsA` against `failuresB` of `attemptsB`. */
export function compareRates(failuresA: number, attemptsA: number, failuresB: number, attemptsB: number): RateComparison {
  for (const [name, value] of [["failuresA", failuresA], ["attemptsA", attemptsA], ["failuresB", failuresB], ["attemptsB", attemptsB]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`compareRates: ${name} must be a whole number >= 0 (got ${value})`);
  }
  if (failuresA > attemptsA || failuresB > attemptsB) throw new RangeError("compareRates: more failures than attempts");
  const ra = (failuresA + 0.5) / (attemptsA + 0.5);
  const rb = (failuresB + 0.5) / (attemptsB + 0.5);
  const ratio = rb / ra;
  const se = Math.sqrt(Math.max(0, 1 / (failuresB + 0.5) - 1 / (attemptsB + 0.5) + 1 / (failuresA + 0.5) - 1 / (attemptsA + 0.5)));
  return { ratio, ratio_ci: [ratio * Math.exp(-NORMAL_975 * se), ratio * Math.exp(NORMAL_975 * se)], p_value: upperTail(failuresA + failuresB, attemptsA, attemptsB, failuresB) };
}

/** P(X >= x) for X the failures among B's `nb` attempts, `k` failures in all, A having `na` attempts. */
function upperTail(k: number, na: number, nb: number, x: number): number {
  const low = Math.max(0, k - na);
  const high = Math.min(k, nb);
  if (x <= low) return 1;
  const total = logChoose(na + nb, k);
  let sum = 0;
  for (let i = x; i <= high; i++) sum += Math.exp(logChoose(nb, i) + logChoose(na, k - i) - total);
  return Math.min(1, sum);
}

function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

const FACTORIALS: number[] = [0];

/** ln(n!), exact sums up to 10,000 (cached), Stirling's series beyond. */
function logFactorial(n: number): number {
  if (n < FACTORIALS.length) return FACTORIALS[n]!;
  if (n > 10_000) return n * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI * n) + 1 / (12 * n) - 1 / (360 * n ** 3);
  for (let i = FACTORIALS.length; i <= n; i++) FACTORIALS.push(FACTORIALS[i - 1]! + Math.log(i));
  return FACTORIALS[n]!;
}
