/**
 * An interleaved comparison's progress (ab-sampler.ts's events) as one line for people: what is
 * measured against what, the round, and an estimate of the time left for the rounds planned so
 * far. The estimate is the comparison's own pace, the time since its first measured run began
 * divided by the runs since, times the runs still planned; a verdict that asks for more rounds
 * raises "of", and the estimate with it.
 */
import type { AbProgress } from "./ab-sampler.ts";

/** Runs measured before an estimate is given: one round, both sides. */
const RUNS_BEFORE_ESTIMATE = 2;

/** An estimate of the time left, coarse: "under a second left", "about 8 s left", "about 3 min left", "about 1 h 20 min left". */
export function timeLeft(ms: number): string {
  if (ms < 1_000) return "under a second left";
  const seconds = Math.round(ms / 1_000);
  if (seconds < 60) return `about ${seconds} s left`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `about ${minutes} min left`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}

/** The text of each event of one comparison, `what` naming the two sides ("H1, H2 against the base"). */
export function comparisonProgress(what: string, now: () => number): (event: AbProgress) => string {
  let started: number | null = null;
  let runs = 0;
  return (event) => {
    if (event.phase === "warmup") return `${what}: warm-up ${event.round} of ${event.of}`;
    const at = now();
    started ??= at - event.last_ms;
    runs++;
    const left = (2 * event.of - runs) * ((at - started) / runs);
    const estimate = runs >= RUNS_BEFORE_ESTIMATE && left > 0 ? `, ${timeLeft(left)}` : "";
    return `${what}: round ${event.round} of ${event.of}${estimate}`;
  };
}
