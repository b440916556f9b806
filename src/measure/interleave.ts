/**
 * The order in which arms (baseline "A", candidate "B", or several alternatives) are run, so
 * that drift (thermal throttling, background load, cache state) hits every arm alike.
 *
 * - "abba" (default): rounds alternate the forward and the reversed order, A B | B A | A B ...
 *   (ABBA counterbalancing). With k arms: forward, reversed, forward... Over each pair of
 *   rounds every arm sits at positions i and 2k-1-i, whose times sum to the same 2k-1, so a
 *   linear drift adds the same total to every arm and cancels out of their comparison.
 * - "random": each round is an independent seeded shuffle (R. Durstenfeld, "Algorithm 235:
 *   Random permutation", CACM 7(7), 1964), as google/benchmark's
 *   --benchmark_enable_random_interleaving does; it also breaks periodic disturbances that a
 *   fixed pattern could line up with.
 *
 * Warm-up rounds come first (every arm once per round, in forward order) and are marked.
 */
import { createRng, DEFAULT_SEED } from "./rng.ts";
import { DEFAULT_WARMUP_RUNS } from "./warmup.ts";

export type InterleaveOrder = "abba" | "random";

export interface PlannedRun<T> {
  arm: T;
  /** The measured round (0-based), or the warm-up round when `warmup` is true. */
  round: number;
  warmup: boolean;
}

export interface InterleaveOptions {
  order?: InterleaveOrder;
  /** Seed of the "random" order. */
  seed?: number;
  /** Warm-up rounds before the measured ones; default DEFAULT_WARMUP_RUNS. */
  warmupRounds?: number;
}

/** The run plan: warm-up rounds, then `rounds` measured rounds of every arm. */
export function interleave<T>(arms: readonly T[], rounds: number, options: InterleaveOptions = {}): PlannedRun<T>[] {
  if (arms.length === 0) throw new RangeError("interleave needs at least one arm");
  if (!Number.isInteger(rounds) || rounds < 0) throw new RangeError(`rounds must be a non-negative integer, got ${rounds}`);
  const warmupRounds = options.warmupRounds ?? DEFAULT_WARMUP_RUNS;
  if (!Number.isInteger(warmupRounds) || warmupRounds < 0) {
    throw new RangeError(`warm-up rounds must be a non-negative integer, got ${warmupRounds}`);
  }
  const order = options.order ?? "abba";
  const rng = createRng(options.seed ?? DEFAULT_SEED);
  const plan: PlannedRun<T>[] = [];
  for (let round = 0; round < warmupRounds; round++) {
    for (const arm of arms) plan.push({ arm, round, warmup: true });
  }
  for (let round = 0; round < rounds; round++) {
    const sequence = [...arms];
    if (order === "abba") {
      if (round % 2 === 1) sequence.reverse();
    } else {
      for (let i = sequence.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [sequence[i], sequence[j]] = [sequence[j] as T, sequence[i] as T];
      }
    }
    for (const arm of sequence) plan.push({ arm, round, warmup: false });
  }
  return plan;
}

export interface ArmRuns {
  warmup: number[];
  measured: number[];
}

/** Groups values recorded in plan order by arm, keeping warm-up values apart. */
export function collectByArm<T>(plan: readonly PlannedRun<T>[], values: readonly number[]): Map<T, ArmRuns> {
  if (values.length > plan.length) throw new RangeError(`${values.length} values for a plan of ${plan.length} runs`);
  const byArm = new Map<T, ArmRuns>();
  for (const run of plan) if (!byArm.has(run.arm)) byArm.set(run.arm, { warmup: [], measured: [] });
  values.forEach((value, index) => {
    const run = plan[index] as PlannedRun<T>;
    const arm = byArm.get(run.arm) as ArmRuns;
    (run.warmup ? arm.warmup : arm.measured).push(value);
  });
  return byArm;
}
