// The bisection's search (src/bisect/search.ts), driven by a simulated history: each position has
// a true time, and each measurement returns what the judging rules (src/bisect/judge.ts) would
// say of noiseless rounds. The judging rules themselves are tested on real numbers at the end.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Comparison, judgeConfirm, judgeProbe, judgeStep } from "../../src/bisect/judge.ts";
import { type Action, type Answer, checkEvents, choose, MAX_RANGES, nextStep, type SearchEvent } from "../../src/bisect/search.ts";

/** A comparison with ratio r: a tight interval around it, significant unless r is within 1% of 1. */
function cmp(r: number): Comparison {
  const tiny = Math.abs(Math.log(r)) < 0.01;
  return { ratio: r, ci: [r * 0.99, r * 1.01], p: tiny ? 0.5 : 0.002, n: 10, median_a: 100, median_b: 100 * r };
}

interface World {
  /** True time at each position, 0 = good .. n = bad. */
  times: number[];
  /** Positions whose build or command fails. */
  failing?: Set<number>;
  /** Positions that stay undecided whatever the rounds. */
  noisy?: Set<number>;
  threshold?: number;
}

function measure(world: World, action: Action): SearchEvent {
  const t = world.times;
  const e = world.threshold ?? 0.1;
  if (action.kind === "confirm") {
    const r = (t[action.hi] as number) / (t[action.lo] as number);
    return { kind: "confirm", outcome: r > 1 + e ? "confirmed" : r > 1.01 ? "below_threshold" : "not_slower", vs: cmp(r), reason: "simulated" };
  }
  if (action.kind === "probe") {
    const { commit: x, lo, hi } = action;
    if (world.failing?.has(x)) return { kind: "probe", commit: x, lo, hi, verdict: "failed", reason: "setup failed", vs_lo: null, vs_hi: null, mid: null, rounds: 0 };
    const tx = t[x] as number;
    const mid = tx / Math.sqrt((t[lo] as number) * (t[hi] as number));
    const vsLo = tx / (t[lo] as number);
    const vsHi = tx / (t[hi] as number);
    const verdict = world.noisy?.has(x) ? "untestable" : mid > 1.03 ? "slow" : mid < 0.97 ? "fast" : vsLo > 1.03 && vsHi < 0.97 ? "intermediate" : "untestable";
    return { kind: "probe", commit: x, lo, hi, verdict, reason: "simulated", vs_lo: cmp(vsLo), vs_hi: cmp(vsHi), mid: cmp(mid), rounds: 10 };
  }
  const r = (t[action.commit] as number) / (t[action.parent] as number);
  return { kind: "step", commit: action.commit, parent: action.parent, outcome: r > 1 + e ? "beyond" : r > 1.01 ? "within" : "not_slower", vs: cmp(r), reason: "simulated" };
}

/** Runs the search to its answer; the events and the measurements made. */
function bisect(world: World): { answer: Answer; events: SearchEvent[]; probes: number; measurements: number } {
  const n = world.times.length - 1;
  const events: SearchEvent[] = [];
  for (let guard = 0; guard < 1000; guard++) {
    const next = nextStep(n, events);
    if (next.kind === "done") return { answer: next.answer, events, probes: events.filter((event) => event.kind === "probe").length, measurements: events.length };
    events.push(measure(world, next.action));
  }
  throw new Error("the search did not end");
}

/** Times of n+1 positions: 1 up to `at` (exclusive), then `slow`. */
function oneStep(n: number, at: number, slow = 5): number[] {
  return Array.from({ length: n + 1 }, (_, i) => (i >= at ? slow : 1));
}

describe("bisect search: one slow commit", () => {
  const cases: [string, number, number][] = [
    ["among 40, in the middle", 40, 23],
    ["among 40, the first commit after good", 40, 1],
    ["among 40, bad itself", 40, 40],
    ["among 64", 64, 37],
    ["among 1000", 1000, 612],
    ["the only commit (good and bad adjacent)", 1, 1],
    ["among 2", 2, 1],
    ["among 3", 3, 3],
  ];
  for (const [name, n, at] of cases) {
    test(name, () => {
      const { answer, probes, events } = bisect({ times: oneStep(n, at) });
      assert.equal(answer.kind, "single");
      assert.equal(answer.culprit, at);
      assert.deepEqual(answer.candidates, [at]);
      // About log2(n) probes: ceil(log2(n)) at most, when nothing is skipped.
      assert.ok(probes <= Math.ceil(Math.log2(n)), `${probes} probes for n = ${n}`);
      // One confirm, the probes, and one step against the parent unless the parent is good and the commit is bad.
      assert.equal(events.length, 1 + probes + (n === 1 ? 0 : 1));
    });
  }
});

describe("bisect search: refusals", () => {
  test("bad not slower than good: refused after the confirm, nothing probed", () => {
    const { answer, events } = bisect({ times: oneStep(10, 5, 1) });
    assert.equal(answer.kind, "refused");
    assert.equal(events.length, 1);
    assert.equal(answer.refused, "simulated");
  });
  test("bad faster than good: refused", () => {
    const { answer } = bisect({ times: oneStep(10, 5, 0.2) });
    assert.equal(answer.kind, "refused");
  });
  test("slower, but by less than the threshold: refused", () => {
    const { answer, events } = bisect({ times: oneStep(10, 5, 1.05), threshold: 0.1 });
    assert.equal(answer.kind, "refused");
    assert.equal((events[0] as { outcome: string }).outcome, "below_threshold");
  });
});

describe("bisect search: skipped commits", () => {
  test("a failing commit in the middle is skipped and its neighbour probed", () => {
    const { answer, events } = bisect({ times: oneStep(16, 11), failing: new Set([8]) });
    assert.equal(answer.kind, "single");
    assert.equal(answer.culprit, 11);
    const probed = events.flatMap((event) => (event.kind === "probe" ? [event.commit] : []));
    assert.equal(probed[0], 8);
    assert.equal(probed[1], 9, "the neighbour after the middle comes first");
  });
  test("an untestable commit is skipped like a failing one", () => {
    const { answer, events } = bisect({ times: oneStep(16, 11), noisy: new Set([8, 9]) });
    assert.equal(answer.culprit, 11);
    const verdicts = events.flatMap((event) => (event.kind === "probe" ? [`${event.commit}:${event.verdict}`] : []));
    assert.deepEqual(verdicts.slice(0, 3), ["8:untestable", "9:untestable", "7:fast"]);
  });
  test("a skipped commit right before the culprit makes the answer ambiguous, as git bisect's", () => {
    const { answer } = bisect({ times: oneStep(16, 11), failing: new Set([10]) });
    assert.equal(answer.kind, "ambiguous");
    assert.equal(answer.culprit, null);
    assert.deepEqual(answer.candidates, [10, 11]);
  });
  test("every commit between the ends skipped: the candidates are all of them", () => {
    const { answer } = bisect({ times: oneStep(4, 2), failing: new Set([1, 2, 3]) });
    assert.equal(answer.kind, "ambiguous");
    assert.deepEqual(answer.candidates, [1, 2, 3, 4]);
  });
  test("a failed commit is excluded in every range, not only the one it was probed in", () => {
    // Three small steps; 4 fails in the first range and is never probed again.
    const times = [1, 1, 1, 1.5, 1.5, 1.5, 2.25, 2.25, 2.25, 3.4, 3.4, 3.4, 3.4];
    const { events } = bisect({ times, failing: new Set([4]), threshold: 0.6 });
    assert.equal(events.filter((event) => event.kind === "probe" && event.commit === 4).length, 1);
  });
});

describe("bisect search: a regression in several steps", () => {
  test("three steps, none beyond the threshold: several_steps naming all three", () => {
    // 1 -> 1.5 -> 2.25 -> 3.375 at positions 6, 12 and 18 of 23; each step 1.5x, the threshold 60%.
    const times = Array.from({ length: 24 }, (_, i) => 1.5 ** Math.floor(i / 6));
    const { answer, probes } = bisect({ times, threshold: 0.6 });
    assert.equal(answer.kind, "several_steps");
    assert.equal(answer.culprit, null);
    assert.deepEqual(answer.steps.filter((step) => step.outcome === "within").map((step) => step.commit), [6, 12, 18]);
    assert.ok(probes <= 16, `${probes} probes`);
  });
  test("two equal steps: the commits between sit at the midpoint, judged intermediate, and split the range", () => {
    const times = Array.from({ length: 13 }, (_, i) => (i < 4 ? 1 : i < 9 ? 2 : 4));
    const { answer } = bisect({ times, threshold: 1.5 });
    assert.equal(answer.kind, "several_steps");
    assert.ok(answer.intermediates.length >= 1);
    assert.deepEqual(answer.steps.filter((step) => step.outcome === "within").map((step) => step.commit), [4, 9]);
  });
  test("one big step among small ones: the big one is named, with the threshold low", () => {
    const times = [1, 1, 1.1, 1.1, 1.1, 5, 5, 5, 5.3, 5.3, 5.3];
    const { answer } = bisect({ times, threshold: 0.5 });
    assert.equal(answer.kind, "single");
    assert.equal(answer.culprit, 5);
  });
  test("steps beyond the threshold found while searching the parts: the first of them is named", () => {
    // The top step (at 6) is within the threshold; the parts hold a bigger one (at 9).
    const times = [1, 1, 1, 1, 1.3, 1.3, 1.6, 1.6, 1.6, 3, 3, 3, 3];
    const { answer } = bisect({ times, threshold: 0.5 });
    assert.equal(answer.kind, "single");
    assert.equal(answer.culprit, 9);
  });
  test("the search of the parts stops at MAX_RANGES ranges", () => {
    // A slowdown spread evenly over 200 commits: every commit is a small step.
    const times = Array.from({ length: 201 }, (_, i) => 1.01 ** i);
    const { answer, probes } = bisect({ times, threshold: 0.9 });
    assert.ok(answer.unsearched > 0, "parts were left");
    assert.ok(probes <= MAX_RANGES * Math.ceil(Math.log2(200)), `${probes} probes`);
  });
});

describe("bisect search: replay and damage", () => {
  test("replaying any prefix of the events gives the same next action (resumable)", () => {
    const { events } = bisect({ times: oneStep(40, 23), failing: new Set([20]) });
    for (let i = 0; i < events.length; i++) {
      const next = nextStep(40, events.slice(0, i));
      assert.equal(next.kind, "measure");
      const made = events[i] as SearchEvent;
      if (next.kind === "measure") {
        assert.equal(next.action.kind, made.kind);
        if (next.action.kind === "probe" && made.kind === "probe") assert.deepEqual([next.action.commit, next.action.lo, next.action.hi], [made.commit, made.lo, made.hi]);
      }
    }
  });
  test("an event outside the history is refused", () => {
    const probe: SearchEvent = { kind: "probe", commit: 50, lo: 0, hi: 40, verdict: "fast", reason: "", vs_lo: null, vs_hi: null, mid: null, rounds: 1 };
    assert.throws(() => checkEvents(40, [probe]), /outside 0..40/);
    assert.throws(() => checkEvents(40, [{ ...probe, commit: 0 }]), /not inside its range/);
    assert.throws(() => checkEvents(0, []), /at least one commit/);
  });
  test("choose: the middle, then its nearest neighbours, after it first", () => {
    assert.equal(choose(0, 10, new Set()), 5);
    assert.equal(choose(0, 10, new Set([5])), 6);
    assert.equal(choose(0, 10, new Set([5, 6])), 4);
    assert.equal(choose(0, 1, new Set()), null);
    assert.equal(choose(3, 6, new Set([4, 5])), null);
  });
});

describe("bisect judging rules on numbers", () => {
  // Rounds with a little deterministic noise: 50 ms and 250 ms.
  const noisy = (base: number, count: number, seed: number) => Array.from({ length: count }, (_, i) => base * (1 + 0.02 * Math.sin(i * 1.7 + seed)));
  const good = noisy(50, 10, 1);
  const bad = noisy(250, 10, 2);
  test("confirm: 5x slower is confirmed at a 10% threshold", () => {
    const judged = judgeConfirm(good, bad, 0.1, false);
    assert.ok(judged.decided && judged.outcome === "confirmed", JSON.stringify(judged));
  });
  test("confirm: bad faster than good is refused as not slower", () => {
    const judged = judgeConfirm(bad, good, 0.1, false);
    assert.ok(judged.decided && judged.outcome === "not_slower");
  });
  test("confirm: equal within noise is not decided before the cap, refused at it", () => {
    const same = noisy(50, 10, 3);
    assert.equal(judgeConfirm(good, same, 0.01, false).decided, false);
    const capped = judgeConfirm(good, same, 0.01, true);
    assert.ok(capped.decided && capped.outcome !== "confirmed");
  });
  test("probe: like bad is slow, like good is fast, at the geometric midpoint intermediate", () => {
    const slow = judgeProbe(good, noisy(250, 10, 4), bad, false);
    const fast = judgeProbe(good, noisy(50, 10, 5), bad, false);
    const between = judgeProbe(good, noisy(Math.sqrt(50 * 250), 10, 6), bad, false);
    assert.ok(slow.decided && slow.verdict === "slow");
    assert.ok(fast.decided && fast.verdict === "fast");
    assert.ok(between.decided && between.verdict === "intermediate", JSON.stringify(between));
  });
  test("probe: too few rounds to decide is more rounds, then untestable at the cap", () => {
    assert.equal(judgeProbe(good.slice(0, 4), noisy(250, 4, 4), bad.slice(0, 4), false).decided, false);
    const capped = judgeProbe(good.slice(0, 4), noisy(250, 4, 4), bad.slice(0, 4), true);
    assert.ok(capped.decided && capped.verdict === "untestable");
  });
  test("step: beyond, within and not slower than the threshold", () => {
    const beyond = judgeStep(good, bad, 0.5, false);
    const within = judgeStep(good, noisy(60, 10, 7), 0.5, false);
    const none = judgeStep(good, noisy(45, 10, 8), 0.5, false);
    assert.ok(beyond.decided && beyond.outcome === "beyond");
    assert.ok(within.decided && within.outcome === "within", JSON.stringify(within));
    assert.ok(none.decided && none.outcome === "not_slower");
  });
});
