/**
 * Warm-up runs: executed before measuring so caches, JIT tiers and the page cache are in the
 * state the measured runs will see (hyperfine's --warmup; its "slow initial run" warning is
 * the symptom of skipping it). Warm-up values are kept apart and reported, never mixed into
 * the statistics and never silently thrown away.
 */

/** Warm-up runs per arm before measuring (DESIGN: "one warm-up (configurable)"). */
export const DEFAULT_WARMUP_RUNS = 1;

export interface WarmupSplit {
  warmup: number[];
  measured: number[];
}

/** Splits runs recorded in order into the first `warmupRuns` and the measured rest. */
export function splitWarmup(runs: readonly number[], warmupRuns: number = DEFAULT_WARMUP_RUNS): WarmupSplit {
  if (!Number.isInteger(warmupRuns) || warmupRuns < 0) {
    throw new RangeError(`warm-up runs must be a non-negative integer, got ${warmupRuns}`);
  }
  return { warmup: runs.slice(0, warmupRuns), measured: runs.slice(warmupRuns) };
}
