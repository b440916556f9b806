// The filter-first rule: filter(f)[0] -> find(f), filter(f).length > 0 -> some(f).
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import { filterFirst } from "../../src/research/rules/filter-first.ts";
import { applyAndTest, changedLines, findingsFor, fixtureText } from "../helpers/rules.ts";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const FILE = "query.js";

const VARIANTS: { fn: string; risk: string; caveat?: RegExp; removed: string; added: string }[] = [
  { fn: "firstLarge", risk: "low", removed: "  return xs.filter((x) => x > 10)[0];", added: "  return xs.find((x) => x > 10);" },
  { fn: "firstAdmin", risk: "medium", caveat: /throws on an element after the first match.*`active` is assumed to be an Array/, removed: '  return active.filter((u) => u.role === "admin").at(0);', added: '  return active.find((u) => u.role === "admin");' },
  { fn: "hasNegative", risk: "medium", caveat: /^risk: `values` is assumed to be an Array/m, removed: "  return values.filter((v) => v < 0).length > 0;", added: "  return values.some((v) => v < 0);" },
  { fn: "noneAfterFirst", risk: "medium", removed: "  if (values.filter((v, i) => v === key && i > 0).length === 0) return true;", added: "  if (!values.some((v, i) => v === key && i > 0)) return true;" },
  { fn: "missingRows", risk: "medium", removed: "    if (!row.filter((cell) => cell === null || cell === undefined).length) continue;", added: "    if (!row.some((cell) => cell === null || cell === undefined)) continue;" },
];

for (const { fn, risk, caveat, removed, added } of VARIANTS) {
  test(`${fn}: the patch applies, the fixture's tests pass before and after, and only the needed line changes`, () => {
    const found = findingsFor(filterFirst, FILE, fixtureText("filter-first", FILE), fn);
    assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
    const h = found.hypotheses[0]!.hypothesis;
    assert.equal(h.risk, risk);
    if (caveat) assert.match((h.evidence as string[]).join("\n"), caveat);
    const diff = (h.change as { diff: string }).diff;
    applyAndTest(dirs, "filter-first", FILE, diff);
    assert.deepEqual(changedLines(diff), { removed: [removed], added: [added] });
  });
}

const rewrites: [string, string, string][] = [
  ["the length on the right", "function f(xs) { return 0 < xs.filter((x) => x > 1).length; }", "function f(xs) { return xs.some((x) => x > 1); }"],
  ["`1 > length` means empty", "function f(xs) { return 1 > xs.filter((x) => x > 1).length; }", "function f(xs) { return !xs.some((x) => x > 1); }"],
  ["`>= 1`", "function f(xs) { return xs.filter((x) => x > 1).length >= 1 ? 1 : 2; }", "function f(xs) { return xs.some((x) => x > 1) ? 1 : 2; }"],
  ["parentheses around the filtered call", "function f(xs) { return (xs.filter((x) => x)).length !== 0; }", "function f(xs) { return xs.some((x) => x); }"],
  ["a dense literal pushed to", "function f(ys) { const xs = [1, 2]; for (const y of ys) xs.push(y); return xs.filter((x) => x > 1)[0]; }", "function f(ys) { const xs = [1, 2]; for (const y of ys) xs.push(y); return xs.find((x) => x > 1); }"],
  ["a chain of filters", "function f(xs) { return xs.filter(Boolean).filter((x) => x !== 3)[0]; }", "function f(xs) { return xs.filter(Boolean).find((x) => x !== 3); }"],
];
for (const [name, text, expected] of rewrites) {
  test(`rewrites ${name}`, () => {
    const found = findingsFor(filterFirst, "x.js", text, "f");
    assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
    const { removed, added } = changedLines((found.hypotheses[0]!.hypothesis.change as { diff: string }).diff);
    assert.deepEqual(removed, [text]);
    assert.deepEqual(added, [expected]);
  });
}

const silent: [string, string, RegExp][] = [
  ["find on a parameter (may have holes)", "function f(xs) { return xs.filter((x) => x > 1)[0]; }", /`xs` is not provably dense/],
  ["find on a literal with a hole", "function f() { const xs = [1, , 3]; return xs.filter((x) => x === undefined)[0]; }", /not provably dense/],
  ["find on a literal passed away", "function f(g) { const xs = [1, 2]; g(xs); return xs.filter((x) => x > 1)[0]; }", /not provably dense/],
  ["find on a map of a parameter (keeps holes)", "function f(ys) { return ys.map((y) => y * 2).filter((x) => x > 1)[0]; }", /not provably dense/],
  ["find on an exported literal", "export const xs = [1, 2]; export function f() { return xs.filter((x) => x > 1)[0]; }", /not provably dense/],
  ["a callback passed by name", "function f(xs, ok) { return xs.filter(ok).length > 0; }", /not one inline function/],
  ["a thisArg", "function f(xs, t) { return xs.filter(function (x) { return x > this.min; }, t).length > 0; }", /not one inline function/],
  ["an async callback", "function f(xs) { return xs.filter(async (x) => x).length > 0; }", /not one inline function/],
  ["three parameters", "function f(xs) { return xs.filter((x, i, all) => all.length > i).length > 0; }", /more than two parameters/],
  ["a destructured parameter", "function f(xs) { return xs.filter(({ on }) => on).length > 0; }", /destructures/],
  ["a callback with side effects", "function f(xs, seen) { return xs.filter((x) => seen.add(x)).length > 0; }", /side-effect-free/],
  ["a callback that counts", "let n = 0; function f(xs) { return xs.filter((x) => n++ < x).length > 0; }", /side-effect-free/],
  ["the element called as a method", "function f() { const xs = [() => 1]; return xs.filter((x) => x)[0](); }", /called as a method/],
];
for (const [name, text, reason] of silent) {
  test(`silent when ${name}`, () => {
    const found = findingsFor(filterFirst, "x.js", text, "f");
    assert.equal(found.hypotheses.length, 0, (found.hypotheses[0]?.hypothesis.change as { diff?: string } | undefined)?.diff ?? "");
    assert.ok(found.silences.some((s) => reason.test(s.reason)), JSON.stringify(found.silences));
  });
}

test("other uses of a filtered array are not the pattern: no finding", () => {
  for (const text of [
    "function f(xs) { return xs.filter((x) => x).length > 1; }",
    "function f(xs) { return xs.filter((x) => x).length === 2; }",
    "function f(xs) { return xs.filter((x) => x)[1]; }",
    "function f(xs) { const ys = xs.filter((x) => x); return ys[0]; }",
    "function f(xs) { return xs.filter((x) => x).length; }",
  ]) {
    const found = findingsFor(filterFirst, "x.js", text, "f");
    assert.equal(found.hypotheses.length + found.silences.length, 0, text);
  }
});
