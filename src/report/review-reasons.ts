/**
 * What the executor's reasons and outcomes say, for the run review: a removal by what removed it
 * (its tests, no gain, anything else), a time limit, a verdict that did not decide. The phrases
 * are the executor's own (execute/rounds.ts, bisect.ts, strike.ts, on-top.ts) and
 * measure/verdict.ts describeOutcome's.
 */
const TESTS = /breaks the (tests|e2e check)|the (tests|e2e check) did not finish within the limit|the tests still fail/;
const NO_GAIN = /^(contested \([^)]*\): )?(no difference|unknown|faster, (not proven|less than)|slower|no gain in its group|the kept set did not confirm|the final set is not faster|\S+ did better)/;
/** A hypothesis or agent call stopped at a time limit. */
export const TIMEOUT = /did not finish within the limit|timed out|time limit|timeout/i;

export function removalKind(reason: string): "removed_tests" | "removed_no_gain" | "removed_other" {
  if (TESTS.test(reason)) return "removed_tests";
  if (NO_GAIN.test(reason)) return "removed_no_gain";
  return "removed_other";
}

/** A verdict that did not decide: more rounds might have (measure/verdict.ts describeOutcome). */
export function undecided(outcome: string): boolean {
  return outcome === "unknown" || outcome.startsWith("faster, not proven");
}

