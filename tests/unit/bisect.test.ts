import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { findUseful, type GroupVerdict, isolateBreaking } from "../../src/execute/bisect.ts";

const ids = (n: number) => Array.from({ length: n }, (_, i) => `H${i + 1}`);

function passOracle(breaks: (applied: Set<string>) => boolean) {
  const calls: string[][] = [];
  const passes = async (applied: readonly string[]) => {
    calls.push([...applied]);
    return !breaks(new Set(applied));
  };
  return { passes, calls };
}

describe("isolateBreaking", () => {
  test("one culprit among 16 in about 2 log2(n) test runs", async () => {
    const { passes, calls } = passOracle((s) => s.has("H11"));
    assert.deepEqual(await isolateBreaking(ids(16), passes), ["H11"]);
    assert.ok(calls.length <= 2 * Math.log2(16), `${calls.length} runs`);
  });

  test("two independent culprits are both found", async () => {
    const { passes } = passOracle((s) => s.has("H2") || s.has("H7"));
    assert.deepEqual((await isolateBreaking(ids(8), passes)).sort(), ["H2", "H7"]);
  });

  test("a failure that needs two hypotheses together is blamed on the later one, on top of the other", async () => {
    const { passes } = passOracle((s) => s.has("H1") && s.has("H4"));
    assert.deepEqual(await isolateBreaking(ids(4), passes), ["H4"]);
  });

  test("a single hypothesis set is its own culprit", async () => {
    const { passes, calls } = passOracle(() => true);
    assert.deepEqual(await isolateBreaking(["H1"], passes), ["H1"]);
    assert.equal(calls.length, 0);
  });
});

describe("findUseful", () => {
  const oracle = (effects: Record<string, number>) => {
    const calls: string[][] = [];
    const verdict = async (group: readonly string[]): Promise<GroupVerdict> => {
      calls.push([...group]);
      const total = group.reduce((sum, id) => sum + (effects[id] ?? 0), 0);
      if (total <= -0.05) return { outcome: "faster", summary: `${(total * 100).toFixed(0)}%` };
      if (total >= 0.05) return { outcome: "slower", summary: `+${(total * 100).toFixed(0)}%` };
      return { outcome: "no_difference", summary: "within 2%" };
    };
    return { verdict, calls };
  };

  test("one real gain among 8 is kept in about 2 log2(n) comparisons; the rest are removed with reasons", async () => {
    const { verdict, calls } = oracle({ H6: -0.3 });
    const result = await findUseful(ids(8), verdict);
    assert.deepEqual(result.kept, ["H6"]);
    assert.equal(result.removed.length, 7);
    assert.ok(result.removed.every((r) => r.reason.length > 0));
    assert.ok(calls.length <= 2 * Math.log2(8) + 1, `${calls.length} comparisons`);
  });

  test("a gain next to a loss in the same half is still found; the loss is removed as slower", async () => {
    const { verdict } = oracle({ H1: -0.2, H2: 0.3 });
    const result = await findUseful(ids(4), verdict);
    assert.deepEqual(result.kept, ["H1"]);
    assert.match(result.removed.find((r) => r.id === "H2")!.reason, /^slower/);
  });

  test("a group that is no_difference but looks slower is split: the gain behind the loss is kept", async () => {
    const calls: string[][] = [];
    const effects: Record<string, number> = { H1: -0.3, H3: 0.5 };
    // H1 gains 30%, H3 costs 50%: together 20% slower by the median, with an interval that does not
    // prove it (as the executor met it: ratio 1.203, 95% CI 1.006-1.301), so the outcome is no_difference.
    const verdict = async (group: readonly string[]): Promise<GroupVerdict> => {
      calls.push([...group]);
      const total = group.reduce((sum, id) => sum + (effects[id] ?? 0), 0);
      if (group.length === 1 && total <= -0.05) return { outcome: "faster", summary: `${Math.round(total * 100)}%` };
      if (group.length === 1 && total >= 0.05) return { outcome: "slower", summary: `+${Math.round(total * 100)}%` };
      return { outcome: "no_difference", summary: "interval excludes a gain", looksSlower: total > 0.02 };
    };
    const result = await findUseful(["H1", "H3"], verdict, { outcome: "no_difference", summary: "ratio 1.203", looksSlower: true });
    assert.deepEqual(result.kept, ["H1"]);
    assert.match(result.removed.find((r) => r.id === "H3")!.reason, /^slower/);
    assert.deepEqual(calls, [["H1"], ["H3"]]);
    // The same group within the minimum effect is dropped whole, as before.
    const flat = await findUseful(["H1", "H3"], verdict, { outcome: "no_difference", summary: "ratio 1.01", looksSlower: false });
    assert.deepEqual(flat.kept, []);
    assert.match(flat.removed[0]!.reason, /^no gain in its group \(H1, H3\)/);
  });

  test("nothing useful: everything removed, no_difference named", async () => {
    const { verdict } = oracle({});
    const result = await findUseful(ids(3), verdict);
    assert.deepEqual(result.kept, []);
    assert.deepEqual(result.removed.map((r) => r.id), ["H1", "H2", "H3"]);
    assert.match(result.removed[0]!.reason, /no gain in its group/);
  });
});
