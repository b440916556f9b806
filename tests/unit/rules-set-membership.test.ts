// The set-membership rule: a Set beside an array whose membership is tested in a loop.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import { setMembership } from "../../src/research/rules/set-membership.ts";
import { applyAndTest, changedLines, findingsFor, fixtureText } from "../helpers/rules.ts";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const FILE = "dedupe.js";

for (const fn of ["dedupe", "withoutBlocked"]) {
  test(`${fn}: the patch applies, the fixture's tests pass before and after, and only the needed lines change`, () => {
    const found = findingsFor(setMembership, FILE, fixtureText("set-membership", FILE), fn);
    assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
    const h = found.hypotheses[0]!.hypothesis;
    assert.equal(h.risk, "low");
    assert.ok(typeof h.expected_impact === "number" && h.expected_impact > 0);
    const diff = (h.change as { diff: string }).diff;
    const { patched } = applyAndTest(dirs, "set-membership", FILE, diff);
    const { removed, added } = changedLines(diff);
    if (fn === "dedupe") {
      assert.deepEqual(removed, ["    if (!seen.includes(value)) {", "      seen.push(value);"]);
      assert.deepEqual(added, ["  const seenSet = new Set(seen);", "    if (!seenSet.has(value)) {", "      seen.push(value); seenSet.add(value);"]);
    } else {
      assert.deepEqual(removed, ['    if (typeof value === "string" && value.startsWith("!")) blocked.push(value.slice(1));', "    else if (blocked.indexOf(value) === -1) kept.push(value);"]);
      assert.deepEqual(added, [
        "  const blockedSet = new Set(blocked);",
        '    if (typeof value === "string" && value.startsWith("!")) { const blockedValue = value.slice(1); blocked.push(blockedValue); blockedSet.add(blockedValue); }',
        "    else if (!(value === value && blockedSet.has(value))) kept.push(value);",
      ]);
      assert.ok(patched.includes("!(value === value && blockedSet.has(value))"));
    }
  });
}

const silent: [string, string, RegExp][] = [
  ["a parameter (may be a string or shared)", "function f(xs, ys) { const out = []; for (const y of ys) if (xs.includes(y)) out.push(y); return out; }", /not declared here with an array literal/],
  ["passed to a function", "function f(ys) { const xs = []; for (const y of ys) { if (!xs.includes(y)) xs.push(y); g(xs); } return xs; }", /used in a way the Set cannot follow/],
  ["spliced", "function f(ys) { const xs = []; for (const y of ys) { if (!xs.includes(y)) xs.push(y); else xs.splice(0, 1); } return xs.length; }", /used in a way the Set cannot follow/],
  ["returned from the function that tests it", "let xs = []; function f(ys) { for (const y of ys) if (!xs.includes(y)) xs.push(y); xs = []; }", /used in a way|reassigned/],
  ["a short constant list", 'const OK = ["a", "b", "c"]; function f(ys) { let n = 0; for (const y of ys) if (OK.includes(y)) n++; return n; }', /a constant array of 3 elements/],
  ["includes with a start index", "function f(ys) { const xs = [1]; for (const y of ys) { if (!xs.includes(y, 1)) xs.push(y); } return xs.length; }", /not membership tests/],
  ["declared with var", "function f(ys) { var xs = []; for (const y of ys) { if (!xs.includes(y)) xs.push(y); } return xs.length; }", /var/],
];
for (const [name, text, reason] of silent) {
  test(`silent when ${name}`, () => {
    const found = findingsFor(setMembership, "x.js", text, "f");
    assert.equal(found.hypotheses.length, 0, (found.hypotheses[0]?.hypothesis.change as { diff?: string } | undefined)?.diff ?? "");
    assert.ok(found.silences.some((s) => reason.test(s.reason)), JSON.stringify(found.silences));
  });
}

test("a TypeScript array keeps its element type in the Set", () => {
  const text = "export function f(ys: string[]): number {\n  const xs: string[] = [];\n  for (const y of ys) {\n    if (!xs.includes(y)) xs.push(y);\n  }\n  return xs.length;\n}\n";
  const found = findingsFor(setMembership, "x.ts", text, "f");
  const diff = (found.hypotheses[0]!.hypothesis.change as { diff: string }).diff;
  assert.ok(diff.includes("+  const xsSet = new Set<string>(xs);"), diff);
  assert.ok(diff.includes("+    if (!xsSet.has(y)) { xs.push(y); xsSet.add(y); }"), diff);
});
