// The executor's stages (src/execute/strike.ts, on-top.ts) through a scripted Measurer
// (src/execute/measurer.ts): each hypothesis has a known effect on the target and may break the
// tests; the measurer computes real verdicts (measure/verdict.ts) on samples drawn from those
// effects. What is kept, what is removed and why, how many test runs were asked for, and which
// sets were measured, without side trees or commands.
import assert from "node:assert/strict";
import { test } from "node:test";
import { compareSamples, createRng } from "../../src/measure/index.ts";
import type { AbCompared } from "../../src/profile/ab-sampler.ts";
import type { GateResult, Measurer, MeasureResult } from "../../src/execute/measurer.ts";
import { strikeAndBisect } from "../../src/execute/strike.ts";

interface Effect {
  /** Multiplies the target's time. */
  factor: number;
  breaks?: boolean;
}

class ScriptedMeasurer implements Measurer {
  readonly gates: string[] = [];
  readonly measured: string[] = [];
  private readonly rng = createRng(7);
  private last = new Map<string, AbCompared>();

  constructor(private readonly effects: Record<string, Effect>) {}

  private time(ids: readonly string[]): number {
    return ids.reduce((t, id) => t * (this.effects[id]?.factor ?? 1), 100);
  }

  async gate(ids: readonly string[]): Promise<GateResult> {
    this.gates.push(ids.join(","));
    const breaker = ids.find((id) => this.effects[id]?.breaks);
    return breaker ? { ok: false, reason: `breaks the tests: ${breaker} failed`, e2e: "skipped" } : { ok: true, e2e: "skipped" };
  }

  async measure(aIds: readonly string[], bIds: readonly string[], _aSide: string, _bSide: string, alpha?: number): Promise<MeasureResult> {
    this.measured.push(`${aIds.join(",") || "base"} vs ${bIds.join(",")}`);
    const draw = (mean: number) => Array.from({ length: 20 }, () => mean * (1 + (this.rng.next() - 0.5) * 0.01));
    const a = draw(this.time(aIds));
    const b = draw(this.time(bIds));
    const verdict = compareSamples(a, b, { paired: true, alpha });
    const result = { verdict, rounds: 20, samples_a: [], samples_b: [], metrics_a: { wall_time_ms: { median: verdict.median_a } }, metrics_b: { wall_time_ms: { median: verdict.median_b } } } as unknown as AbCompared;
    if (aIds.length === 0) this.last.set([...bIds].sort().join(","), result);
    return { ok: true, result };
  }

  figureOf(ids: readonly string[]): AbCompared | null {
    return this.last.get([...ids].sort().join(",")) ?? null;
  }
}

const run = (measurer: Measurer, strike: string[], extra: Partial<Parameters<typeof strikeAndBisect>[0]> = {}) =>
  strikeAndBisect({ measurer, strike, contested: [], filesOf: () => [], overlaps: () => false, now: () => "2026-12-02T00:00:00.000Z", e2e: false, say: () => {}, ...extra });

test("the strike keeps the gains, removes a breaker with its reason and a no-op, and tests only what it keeps again", async () => {
  const measurer = new ScriptedMeasurer({ A: { factor: 0.5 }, B: { factor: 1, breaks: true }, C: { factor: 1 }, D: { factor: 0.8 } });
  const outcome = await run(measurer, ["A", "B", "C", "D"]);
  assert.deepEqual(outcome.kept, ["A", "D"]);
  assert.equal(outcome.strikeResult, "bisected");
  const reasons = Object.fromEntries(outcome.removed.map((r) => [r.id, r.reason]));
  assert.equal(reasons.B, "breaks the tests: B failed");
  assert.match(reasons.C!, /^(no gain in its group|no difference|unknown)/);
  // The strike, the breaker's isolation, the rest; the subsets of a passing set are measured
  // without tests; the kept set {A, D} is tested once more before its confirmation.
  assert.deepEqual(measurer.gates, ["A,B,C,D", "A,B", "C,D", "A", "B", "A,C,D", "A,D"]);
  assert.ok(measurer.measured.includes("base vs A,D"), measurer.measured.join("; "));
  // The log ends with the kept set's figure.
  assert.deepEqual(outcome.rows.at(-1)?.hypotheses, ["A", "D"]);
  assert.equal(outcome.rows.at(-1)?.status, "kept");
  assert.equal(outcome.final?.verdict.outcome, "faster");
});

test("a single faster hypothesis is settled by the strike; a slower one is removed as slower", async () => {
  const fast = new ScriptedMeasurer({ A: { factor: 0.5 } });
  const kept = await run(fast, ["A"]);
  assert.deepEqual(kept.kept, ["A"]);
  assert.equal(kept.strikeResult, "clean");
  assert.deepEqual(fast.measured, ["base vs A"]);
  const slow = new ScriptedMeasurer({ S: { factor: 1.3 } });
  const removed = await run(slow, ["S"]);
  assert.deepEqual(removed.kept, []);
  assert.equal(removed.strikeResult, "failed");
  assert.match(removed.removed[0]!.reason, /^slower: median ratio 1\.3/);
});

test("a deferred hypothesis is judged on top of what is kept, after its rebase; one that cannot be rebased is a conflict", async () => {
  const measurer = new ScriptedMeasurer({ A: { factor: 0.5 }, B: { factor: 0.5 }, C: { factor: 0.5 } });
  const rebased: string[] = [];
  const outcome = await run(measurer, ["A"], {
    overlaps: (ids) => ids.includes("A") && ids.some((id) => (id === "B" || id === "C") && !rebased.includes(id)),
    deferred: [
      { id: "B", overlaps: "A", path: "a.ts" },
      { id: "C", overlaps: "A", path: "a.ts" },
    ],
    rebase: async (id) => {
      if (id === "C") return "the search text is not in the file";
      rebased.push(id);
      return null;
    },
  });
  assert.deepEqual(outcome.kept, ["A", "B"]);
  assert.deepEqual(outcome.removed.map((r) => r.id), ["C"]);
  assert.match(outcome.removed[0]!.reason, /^conflicts with A in a\.ts, also when rebased onto the kept result \(A, B\): the search text/);
  assert.ok(measurer.measured.includes("A vs A,B"), measurer.measured.join("; "));
  // Something was added after the strike: the kept set is measured against the base again.
  assert.equal(measurer.measured.at(-1), "base vs A,B");
});
