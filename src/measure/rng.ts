/**
 * A small seedable pseudo-random number generator, so every resampling and every random
 * interleaving is reproducible from its seed.
 *
 * Method: mulberry32 by Tommy Ettinger (2017, public domain,
 * https://gist.github.com/tommyettinger/46a874533244883189143505d203312c): one 32-bit word
 * of state advanced by a Weyl sequence and mixed by two multiply-xorshift rounds. Period 2^32,
 * far more than a bootstrap draws (2,000 resamples of 100 values is 2x10^5 numbers). Not
 * cryptographic, and not meant to be.
 *
 * Normal deviates use the Box-Muller transform (G. E. P. Box and M. E. Muller, "A Note on the
 * Generation of Random Normal Deviates", Ann. Math. Statist. 29(2), 1958).
 */

/** The seed used when a caller gives none: statistics stay deterministic by default. */
export const DEFAULT_SEED = 0x5eed;

/** 2^32, to turn a 32-bit unsigned integer into a number in [0, 1). */
const UINT32_RANGE = 4294967296;
/** The Weyl increment of mulberry32. */
const WEYL_INCREMENT = 0x6d2b79f5;

export interface Rng {
  /** A uniform number in [0, 1). */
  next(): number;
  /** A uniform integer in [0, bound); bound must be a positive integer below 2^32. */
  int(bound: number): number;
  /** A standard normal deviate (mean 0, standard deviation 1). */
  normal(): number;
}

export function createRng(seed: number = DEFAULT_SEED): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + WEYL_INCREMENT) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / UINT32_RANGE;
  };
  return {
    next,
    // The bias of floor(u * bound) is at most bound / 2^32: negligible for sample sizes.
    int: (bound) => Math.floor(next() * bound),
    normal: () => {
      const u1 = 1 - next(); // (0, 1]: log(0) would be -Infinity
      const u2 = next();
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    },
  };
}
