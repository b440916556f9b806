/**
 * The standard normal upper tail, for the large-sample Mann-Whitney test.
 *
 * Method: the complementary error function by the Chebyshev-fitted approximation of
 * W. H. Press et al., "Numerical Recipes in C", 2nd ed., 1992, sec. 6.2 (function erfcc):
 * fractional error below 1.2e-7 everywhere, which is far finer than any p-value needs.
 * Then P(Z > z) = erfc(z / sqrt 2) / 2.
 */

/** Coefficients of erfcc's polynomial in t = 1 / (1 + |x| / 2), lowest order first. */
const ERFC_COEFFICIENTS = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587,
  -0.82215223, 0.17087277,
] as const;

/** Complementary error function, erfc(x) = 1 - erf(x). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  let poly = 0;
  for (let i = ERFC_COEFFICIENTS.length - 1; i >= 0; i--) poly = poly * t + (ERFC_COEFFICIENTS[i] as number);
  const value = t * Math.exp(-z * z + poly);
  return x >= 0 ? value : 2 - value;
}

/** P(Z > z) for a standard normal Z. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}
