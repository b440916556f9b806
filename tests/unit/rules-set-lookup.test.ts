// The set-lookup rule: a Set for an array searched inside a side-effect-free iteration callback.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import { setLookup } from "../../src/research/rules/set-lookup.ts";
import { applyAndTest, changedLines, findingsFor, fixtureText } from "../helpers/rules.ts";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const FILE = "sets.js";
const expected: Record<string, { removed: string[]; added: string[] }> = {
  without: {
    removed: ["  return list.filter((x) => !removed.includes(x));"],
    added: ["  const removedSet = Array.isArray(removed) ? new Set(removed) : null;", "  return list.filter((x) => !(removedSet ? removedSet.has(x) : removed.includes(x)));"],
  },
  intersect: {
    removed: ["  const common = a.filter((x) => b.includes(x));"],
    added: ["  const bSet = Array.isArray(b) ? new Set(b) : null;", "  const common = a.filter((x) => (bSet ? bSet.has(x) : b.includes(x)));"],
  },
  anyOf: {
    removed: ["  return wanted.some((w) => have.includes(w) || have.includes(String(w)));"],
    added: [],
  },
};

for (const fn of ["without", "intersect"]) {
  test(`${fn}: the patch applies, the fixture's tests pass before and after, only the needed lines change`, () => {
    const found = findingsFor(setLookup, FILE, fixtureText("set-lookup", FILE), fn);
    assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
    const diff = (found.hypotheses[0]!.hypothesis.change as { diff: string }).diff;
    applyAndTest(dirs, "set-lookup", FILE, diff);
    assert.deepEqual(changedLines(diff), expected[fn]);
  });
}

test("a callback that calls something else (String(w)) is left alone, with the reason", () => {
  const found = findingsFor(setLookup, FILE, fixtureText("set-lookup", FILE), "anyOf");
  assert.equal(found.hypotheses.length, 0);
  assert.match(found.silences[0]!.reason, /the callback does more than read/);
});

const silent: [string, string, RegExp][] = [
  ["the searched array is assigned", "function f(xs, ys) { ys = ys.slice(); return xs.filter((x) => ys.includes(x)); }", /assigned in this file/],
  ["the call is inside a larger expression", "function f(xs, ys) { return g() + xs.filter((x) => ys.includes(x)).length; }", /part of a larger expression/],
  ["a global array", "function f(xs) { return xs.filter((x) => LIST.includes(x)); }", /is a global/],
  ["a bare if body", "function f(xs, ys) { if (xs) return xs.filter((x) => ys.includes(x)); return []; }", /not in a block/],
  ["the callback pushes", "function f(xs, ys) { return xs.filter((x) => ys.includes(x) || ys.push(x)); }", /does more than read/],
];
for (const [name, text, reason] of silent) {
  test(`silent when ${name}`, () => {
    const found = findingsFor(setLookup, "x.js", text, "f");
    assert.equal(found.hypotheses.length, 0);
    assert.ok(found.silences.some((s) => reason.test(s.reason)), JSON.stringify(found.silences));
  });
}

test("TypeScript: the Set is typed, and the hot callback itself finds the call around it", () => {
  const text = "export function f(xs: number[], ys: readonly number[]): number[] {\n  return xs.filter((x) => !ys.includes(x));\n}\n";
  const found = findingsFor(setLookup, "x.ts", text, "f");
  const diff = (found.hypotheses[0]!.hypothesis.change as { diff: string }).diff;
  assert.ok(diff.includes("+  const ysSet = Array.isArray(ys) ? new Set<unknown>(ys) : null;"), diff);
});
