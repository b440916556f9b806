// The sort-min-max rule: a fresh copy sorted only to take one end -> one pass in a helper.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import { applyPatch } from "diff";
import { sortMinMax } from "../../src/research/rules/sort-min-max.ts";
import { applyAndTest, changedLines, findingsFor, fixtureText } from "../helpers/rules.ts";
import { assertTypeChecks } from "../helpers/rules-typecheck.ts";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const FILE = "pick.js";

const FIRST_HELPER = [
  "",
  "// list.sort(cmp)[0] in one pass (perfloop sort-min-max): undefined and holes sort last, ties keep input order.",
  "function sortedFirst(list, cmp) {",
  "  if (list == null || Object.getPrototypeOf(list) !== Array.prototype) return list.sort(cmp)[0];",
  "  let best;",
  "  for (let i = 0; i < list.length; i++) {",
  "    const item = list[i];",
  "    if (item === undefined) continue;",
  "    if (best === undefined) {",
  "      best = item;",
  "      continue;",
  "    }",
  "    const order = +cmp(item, best);",
  "    if (order !== order) return list.sort(cmp)[0];",
  "    if (order < 0) best = item;",
  "  }",
  "  return best;",
  "}",
];

const LAST_HELPER = [
  "",
  "// list.sort(cmp).at(-1) in one pass (perfloop sort-min-max): undefined and holes sort last, ties keep input order.",
  "function sortedLast(list, cmp) {",
  "  if (list == null || Object.getPrototypeOf(list) !== Array.prototype) return list.sort(cmp).at(-1);",
  "  let best;",
  "  let missing = false;",
  "  for (let i = 0; i < list.length; i++) {",
  "    const item = list[i];",
  "    if (item === undefined) {",
  "      missing = true;",
  "      continue;",
  "    }",
  "    if (best === undefined) {",
  "      best = item;",
  "      continue;",
  "    }",
  "    const order = +cmp(item, best);",
  "    if (order !== order) return list.sort(cmp).at(-1);",
  "    if (order >= 0) best = item;",
  "  }",
  "  return missing ? undefined : best;",
  "}",
];

const VARIANTS: { fn: string; risk: string; removed: string[]; added: string[] }[] = [
  { fn: "cheapest", risk: "low", removed: ["  return items.slice().sort((a, b) => a.price - b.price)[0];"], added: ["  return sortedFirst(items.slice(), (a, b) => a.price - b.price);", ...FIRST_HELPER] },
  { fn: "priciest", risk: "low", removed: ["  return [...items].sort((a, b) => a.price - b.price).at(-1);"], added: ["  return sortedLast([...items], (a, b) => a.price - b.price);", ...LAST_HELPER] },
  {
    fn: "latest",
    risk: "low",
    removed: ["  const newest = events.toSorted(function (a, b) {", "  })[0];"],
    added: ["  const newest = sortedFirst(events, function (a, b) {", "  });", ...FIRST_HELPER.map((l) => l.replaceAll("list.sort(", "list.toSorted("))],
  },
  {
    fn: "lowest",
    risk: "low",
    removed: ["  return Array.from(scores).sort((x, y) => y - x).pop();"],
    added: ["  return sortedLast(Array.from(scores), (x, y) => y - x);", ...LAST_HELPER.map((l) => l.replaceAll(".at(-1)", ".pop()"))],
  },
  {
    fn: "topRanked",
    risk: "medium",
    removed: ["  return players.slice().sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0)).shift();"],
    added: ["  return sortedFirst(players.slice(), (a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));", ...FIRST_HELPER.map((l) => l.replaceAll("list.sort(cmp)[0]", "list.sort(cmp).shift()"))],
  },
];

for (const { fn, risk, removed, added } of VARIANTS) {
  test(`${fn}: the patch applies, the fixture's tests pass before and after, and only the needed lines change`, () => {
    const found = findingsFor(sortMinMax, FILE, fixtureText("sort-min-max", FILE), fn);
    assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
    const h = found.hypotheses[0]!.hypothesis;
    assert.equal(h.risk, risk);
    if (risk !== "low") assert.match((h.evidence as string[]).join("\n"), /implementation-defined/);
    assert.ok(typeof h.expected_impact === "number" && h.expected_impact > 0);
    const diff = (h.change as { diff: string }).diff;
    applyAndTest(dirs, "sort-min-max", FILE, diff);
    const lines = changedLines(diff);
    assert.deepEqual(lines.removed, removed);
    assert.deepEqual(lines.added, added);
  });
}

const silent: [string, string, RegExp][] = [
  ["the default sort (string order)", "function f(xs) { return xs.slice().sort()[0]; }", /compares the elements as strings/],
  ["toSorted without a comparator", "function f(xs) { return xs.toSorted().at(-1); }", /compares the elements as strings/],
  ["an in-place sort", "function f(xs) { return xs.sort((a, b) => a - b)[0]; }", /sorts that array in place/],
  ["a sort of a copy made by a call the rule does not know", "function f(xs) { return xs.filter(Boolean).sort((a, b) => a - b)[0]; }", /sorts that array in place/],
  ["a comparator passed by name", "const byPrice = (a, b) => a.price - b.price; function f(xs) { return xs.slice().sort(byPrice)[0]; }", /not an inline function/],
  ["a comparator with one parameter", "function f(xs) { return xs.slice().sort((a) => 0)[0]; }", /exactly two plain parameters/],
  ["a comparator with a default parameter", "function f(xs) { return [...xs].sort((a, b = 0) => a - b)[0]; }", /exactly two plain parameters/],
  ["a comparator that counts its calls", "let calls = 0; function f(xs) { return xs.slice().sort((a, b) => (calls++, a - b))[0]; }", /side-effect-free/],
  ["a comparator that calls a method", "function f(xs) { return xs.slice().sort((a, b) => a.name.localeCompare(b.name))[0]; }", /side-effect-free/],
  ["a comparator with statements", "function f(xs) { return xs.slice().sort((a, b) => { const d = a - b; return d; })[0]; }", /side-effect-free/],
  ["the element called as a method", "function f(xs) { return xs.slice().sort((a, b) => a.n - b.n)[0](); }", /called as a method/],
  ["a local Object", "function f(xs) { const Object = 1; return xs.slice().sort((a, b) => a - b)[0] + Object; }", /globals/],
];
for (const [name, text, reason] of silent) {
  test(`silent when ${name}`, () => {
    const found = findingsFor(sortMinMax, "x.js", text, "f");
    assert.equal(found.hypotheses.length, 0, (found.hypotheses[0]?.hypothesis.change as { diff?: string } | undefined)?.diff ?? "");
    assert.ok(found.silences.some((s) => reason.test(s.reason)), JSON.stringify(found.silences));
  });
}

test("parentheses around the receiver, the comparator or the sorted copy", () => {
  const text = "function f(xs) {\n  return [(xs.slice()).sort(((a, b) => a - b))[0], ([...xs].sort((a, b) => b - a)).at(-1)];\n}\n";
  const found = findingsFor(sortMinMax, "x.js", text, "f");
  assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
  const { added } = changedLines((found.hypotheses[0]!.hypothesis.change as { diff: string }).diff);
  assert.equal(added[0], "  return [sortedFirst((xs.slice()), (a, b) => a - b), sortedLast([...xs], (a, b) => b - a)];");
});

test("a sort whose result is used whole is not the pattern: no finding", () => {
  const found = findingsFor(sortMinMax, "x.js", "function f(xs) { const s = xs.slice().sort((a, b) => a - b); return s[0] + s.length; }", "f");
  assert.equal(found.hypotheses.length, 0);
  assert.equal(found.silences.length, 0);
});

test("two ends in one function: one proposal, one helper per end, both type-check in TypeScript (strict, with and without noUncheckedIndexedAccess)", () => {
  const text = [
    "interface Item {",
    "  price: number;",
    "}",
    "",
    "export function range(items: readonly Item[]): [Item, Item | undefined, Item | undefined] {",
    "  const low: Item = items.slice().sort((a, b) => a.price - b.price)[0];",
    "  const high = items.toSorted((a, b) => a.price - b.price).at(-1);",
    "  const alsoHigh = [...items].sort((a, b) => a.price - b.price).pop();",
    "  return [low, high, alsoHigh];",
    "}",
    "",
  ].join("\n");
  const found = findingsFor(sortMinMax, "range.ts", text, "range");
  assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
  const diff = (found.hypotheses[0]!.hypothesis.change as { diff: string }).diff;
  const patched = applyPatch(text, diff);
  assert.ok(typeof patched === "string", diff);
  assert.ok(patched.includes("  const low: Item = sortedFirst(items.slice(), (a, b) => a.price - b.price);"), patched);
  assert.ok(patched.includes("function sortedFirst<T>(list: T[], cmp: (a: T, b: T) => number): T {"), patched);
  assert.ok(patched.includes("function sortedLast<T>(list: readonly T[], cmp: (a: T, b: T) => number): T | undefined {"), patched);
  assert.ok(patched.includes("function sortedLast2<T>(list: T[], cmp: (a: T, b: T) => number): T | undefined {"), patched);
  assertTypeChecks(dirs, "range.ts", patched);
});

test("the helper follows the file's style: tabs and no semicolons", () => {
  const text = "function f(xs) {\n\tconst first = [...xs].sort((a, b) => b - a)[0]\n\treturn first\n}\n";
  const found = findingsFor(sortMinMax, "x.js", text, "f");
  const diff = (found.hypotheses[0]!.hypothesis.change as { diff: string }).diff;
  const { added } = changedLines(diff);
  assert.equal(added[0], "\tconst first = sortedFirst([...xs], (a, b) => b - a)");
  assert.ok(added.includes("\tlet best"), diff);
  assert.ok(added.includes("\t\tconst order = +cmp(item, best)"), diff);
  assert.ok(!added.some((l) => l.endsWith(";")), diff);
});
