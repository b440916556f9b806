/**
 * Holm-Bonferroni adjusted p-values, for judging several hypotheses in one round (S. Holm,
 * "A Simple Sequentially Rejective Multiple Test Procedure", Scand. J. Statist. 6(2), 1979).
 *
 * With the m p-values sorted ascending, p_(1) <= ... <= p_(m), the adjusted values are
 *     p~_(i) = max_{j <= i} min(1, (m - j + 1) p_(j)),
 * the step-down form that is monotone in i (as R's p.adjust(method = "holm") computes).
 * Rejecting every hypothesis whose adjusted p is below alpha controls the family-wise error
 * rate at alpha under any dependence between the tests.
 */

/** Holm-adjusted p-values, in the order the raw ones were given. */
export function holmAdjust(pValues: readonly number[]): number[] {
  for (const p of pValues) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`p-values must be in [0, 1], got ${p}`);
  }
  const m = pValues.length;
  // Stable sort of positions by p: equal p-values keep their given order.
  const order = pValues.map((_, index) => index).sort((x, y) => (pValues[x] as number) - (pValues[y] as number));
  const adjusted = new Array<number>(m);
  let runningMax = 0;
  order.forEach((index, rank) => {
    runningMax = Math.max(runningMax, Math.min(1, (m - rank) * (pValues[index] as number)));
    adjusted[index] = runningMax;
  });
  return adjusted;
}
