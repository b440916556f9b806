/**
 * The bisection itself, pure (docs/bisect.md): from the first-parent history between good and
 * bad (indices 0 = good .. n = bad) and the measurements so far (events, in the order they were
 * made), the next measurement to make, or the answer. Nothing here measures or writes: the
 * caller (run.ts) measures the action, appends the event, checkpoints, and asks again. Replaying
 * the same events always gives the same next action, which is what makes a bisect resumable.
 *
 * 1. confirm: bad against good. Anything but "confirmed" ends the search (refused).
 * 2. A range [lo, hi] (lo the fast end, hi the slow end) is bisected as `git bisect` does: the
 *    bounds are the newest probed commit judged fast and the oldest judged slow; the next probe
 *    is the middle of the bounds. A commit that failed (its setup, tests or command) is excluded
 *    everywhere; one left undecided at the cap (untestable) is excluded in this range; either way
 *    its nearest neighbour inside the bounds is probed instead (`git bisect skip`). When no
 *    candidate is left, the range's boundary is (last fast, first slow), with the excluded
 *    commits between them as further candidates (`git bisect`: "only skipped commits left").
 * 3. The boundary's slow commit is compared with the fast one (its parent when nothing was
 *    skipped): the step. On the whole range, a step beyond the threshold is the answer.
 * 4. Otherwise the regression is looked for in parts: the part before the boundary when its fast
 *    commit was shown slower than the good end, the part after when its slow commit was shown
 *    faster than the bad end; and a probe judged intermediate splits its range in two at once.
 *    Each part is bisected the same way, against its own ends, up to MAX_RANGES ranges in all.
 *    Several steps, none beyond the threshold: a regression made of several small steps.
 */
import { MIN_EFFECT_FLOOR } from "../measure/index.ts";
import { type Comparison, type ConfirmOutcome, type ProbeOutcome, provenFaster, provenSlower, type StepOutcome } from "./judge.ts";

/** A position in the first-parent list: 0 is good, n is bad. */
export type Index = number;

/** Ranges bisected in one search (the whole history counts as one); bounds the cost of a spread regression. */
export const MAX_RANGES = 8;

export interface ConfirmEvent {
  kind: "confirm";
  outcome: ConfirmOutcome;
  /** Bad against good. */
  vs: Comparison;
  reason: string;
}

export type ProbeVerdict = ProbeOutcome | "failed";

export interface ProbeEvent {
  kind: "probe";
  commit: Index;
  /** The range's ends the commit was measured with. */
  lo: Index;
  hi: Index;
  verdict: ProbeVerdict;
  reason: string;
  /** Null when the commit failed before it could be measured. */
  vs_lo: Comparison | null;
  vs_hi: Comparison | null;
  mid: Comparison | null;
  rounds: number;
}

export interface StepEvent {
  kind: "step";
  commit: Index;
  parent: Index;
  outcome: StepOutcome | "failed";
  /** The commit against the parent; null when a side failed. */
  vs: Comparison | null;
  reason: string;
}

export type SearchEvent = ConfirmEvent | ProbeEvent | StepEvent;

export type Action = { kind: "confirm"; lo: Index; hi: Index } | { kind: "probe"; commit: Index; lo: Index; hi: Index } | { kind: "step"; commit: Index; parent: Index };

/** A boundary found in a range: `commit` is the first slow one, `parent` the last fast one. */
export interface FoundStep {
  commit: Index;
  parent: Index;
  /** Where the slowdown can be: the commits skipped between parent and commit, and commit. */
  candidates: Index[];
  outcome: StepOutcome | "failed";
  /** The commit against the parent. */
  vs: Comparison | null;
  range: [Index, Index];
}

export type AnswerKind = "single" | "several_steps" | "ambiguous" | "unclear" | "refused";

export interface Answer {
  kind: AnswerKind;
  /** The first slow commit, when one commit is named. */
  culprit: Index | null;
  /** The commits the slowdown can be in (ambiguous: skipped commits and the first slow one). */
  candidates: Index[];
  /** Every boundary found, in history order. */
  steps: FoundStep[];
  /** Probed commits judged between the ends of their range (a regression in several steps). */
  intermediates: Index[];
  /** Parts of the history left unsearched when MAX_RANGES was reached. */
  unsearched: number;
  /** Why the search was refused (the confirm's reason), else null. */
  refused: string | null;
}

export type Next = { kind: "measure"; action: Action } | { kind: "done"; answer: Answer };

interface Range {
  lo: Index;
  hi: Index;
  /** The whole history, good to bad. */
  top: boolean;
}

type Solved = { kind: "need"; action: Action } | { kind: "split"; at: Index } | { kind: "boundary"; step: FoundStep };

/** Throws a RangeError when an event names a position outside 0..n or a range the wrong way round (a damaged checkpoint). */
export function checkEvents(n: number, events: readonly SearchEvent[]): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`the history must hold at least one commit after good, got n = ${n}`);
  const inside = (i: number) => Number.isInteger(i) && i >= 0 && i <= n;
  events.forEach((event, at) => {
    const bad = (what: string) => new RangeError(`event ${at + 1} (${event.kind}): ${what}`);
    if (event.kind === "probe") {
      if (![event.commit, event.lo, event.hi].every(inside)) throw bad(`a position outside 0..${n}`);
      if (!(event.lo < event.commit && event.commit < event.hi)) throw bad(`commit ${event.commit} is not inside its range ${event.lo}..${event.hi}`);
    } else if (event.kind === "step") {
      if (![event.commit, event.parent].every(inside) || event.parent >= event.commit) throw bad(`parent ${event.parent} and commit ${event.commit} are not a step forward inside 0..${n}`);
    }
  });
  if (events.filter((event) => event.kind === "confirm").length > 1) throw new RangeError("more than one confirm event");
}

/**
 * The next measurement of the search over positions 0..n given `events`, or its answer. Pure and
 * deterministic: the same events give the same result.
 */
export function nextStep(n: number, events: readonly SearchEvent[], maxRanges = MAX_RANGES): Next {
  checkEvents(n, events);
  const confirm = events.find((event): event is ConfirmEvent => event.kind === "confirm");
  if (!confirm) return { kind: "measure", action: { kind: "confirm", lo: 0, hi: n } };
  if (confirm.outcome !== "confirmed") return { kind: "done", answer: { kind: "refused", culprit: null, candidates: [], steps: [], intermediates: [], unsearched: 0, refused: confirm.reason } };
  const failed = new Set(events.filter((event) => event.kind === "probe" && event.verdict === "failed").map((event) => (event as ProbeEvent).commit));
  const queue: Range[] = [{ lo: 0, hi: n, top: true }];
  const seen = new Set<string>([`0-${n}`]);
  const steps: FoundStep[] = [];
  const intermediates: Index[] = [];
  let unsearched = 0;
  let solved = 0;
  const enqueue = (range: Range, front: boolean) => {
    const key = `${range.lo}-${range.hi}`;
    if (range.hi - range.lo < 1 || seen.has(key)) return;
    seen.add(key);
    if (front) queue.unshift(range);
    else queue.push(range);
  };
  while (queue.length > 0) {
    if (solved >= maxRanges) {
      unsearched = queue.length;
      break;
    }
    const range = queue.shift() as Range;
    const result = solveRange(range, events, failed, confirm);
    if (result.kind === "need") return { kind: "measure", action: result.action };
    solved++;
    if (result.kind === "split") {
      intermediates.push(result.at);
      // Depth first, oldest part first: the order only changes which measurement comes next.
      enqueue({ lo: result.at, hi: range.hi, top: false }, true);
      enqueue({ lo: range.lo, hi: result.at, top: false }, true);
      continue;
    }
    const step = result.step;
    steps.push(step);
    if (range.top && step.outcome === "beyond") break;
    const before = probeIn(events, range, step.parent);
    const after = probeIn(events, range, step.commit);
    if (before?.vs_lo && provenSlower(before.vs_lo, MIN_EFFECT_FLOOR)) enqueue({ lo: range.lo, hi: step.parent, top: false }, false);
    if (after?.vs_hi && provenFaster(after.vs_hi, MIN_EFFECT_FLOOR)) enqueue({ lo: step.commit, hi: range.hi, top: false }, false);
  }
  return { kind: "done", answer: resolve(steps, { intermediates: intermediates.sort((a, b) => a - b), unsearched, refused: null }) };
}

/** The probe of `commit` measured with the ends of `range`. */
function probeIn(events: readonly SearchEvent[], range: Range, commit: Index): ProbeEvent | undefined {
  return events.find((event): event is ProbeEvent => event.kind === "probe" && event.commit === commit && event.lo === range.lo && event.hi === range.hi);
}

function solveRange(range: Range, events: readonly SearchEvent[], failed: ReadonlySet<Index>, confirm: ConfirmEvent): Solved {
  let fast = range.lo;
  let slow = range.hi;
  const excluded = new Set(failed);
  for (const event of events) {
    if (event.kind !== "probe" || event.lo !== range.lo || event.hi !== range.hi) continue;
    const inside = event.commit > fast && event.commit < slow;
    if (event.verdict === "intermediate" && inside) return { kind: "split", at: event.commit };
    if (event.verdict === "fast" && inside) fast = event.commit;
    else if (event.verdict === "slow" && inside) slow = event.commit;
    else if (event.verdict === "untestable" || event.verdict === "failed") excluded.add(event.commit);
  }
  const next = choose(fast, slow, excluded);
  if (next !== null) return { kind: "need", action: { kind: "probe", commit: next, lo: range.lo, hi: range.hi } };
  const candidates: Index[] = [];
  for (let i = fast + 1; i <= slow; i++) candidates.push(i);
  const base = { commit: slow, parent: fast, candidates, range: [range.lo, range.hi] as [Index, Index] };
  // The whole history's ends were compared already: that comparison is this step.
  if (range.top && fast === range.lo && slow === range.hi) return { kind: "boundary", step: { ...base, outcome: "beyond", vs: confirm.vs } };
  const measured = events.find((event): event is StepEvent => event.kind === "step" && event.commit === slow && event.parent === fast);
  if (!measured) return { kind: "need", action: { kind: "step", commit: slow, parent: fast } };
  return { kind: "boundary", step: { ...base, outcome: measured.outcome, vs: measured.vs } };
}

/**
 * The next commit to probe strictly between `fast` and `slow`: the middle, or when it is
 * excluded the nearest one that is not (after the middle first, then before); null when none is left.
 */
export function choose(fast: Index, slow: Index, excluded: ReadonlySet<Index>): Index | null {
  const middle = Math.floor((fast + slow) / 2);
  for (let distance = 0; distance < slow - fast; distance++) {
    for (const at of distance === 0 ? [middle] : [middle + distance, middle - distance]) {
      if (at > fast && at < slow && !excluded.has(at)) return at;
    }
  }
  return null;
}

function resolve(found: readonly FoundStep[], rest: Pick<Answer, "intermediates" | "unsearched" | "refused">): Answer {
  const steps = [...found].sort((a, b) => a.commit - b.commit);
  const real = steps.filter((step) => step.outcome === "beyond" || step.outcome === "within");
  const first = real.find((step) => step.outcome === "beyond") ?? (real.length === 1 ? real[0] : undefined);
  if (first) {
    const ambiguous = first.candidates.length > 1;
    return { kind: ambiguous ? "ambiguous" : "single", culprit: ambiguous ? null : first.commit, candidates: first.candidates, steps, ...rest };
  }
  if (real.length >= 2) return { kind: "several_steps", culprit: null, candidates: real.flatMap((step) => step.candidates), steps, ...rest };
  return { kind: "unclear", culprit: null, candidates: steps[0]?.candidates ?? [], steps, ...rest };
}
