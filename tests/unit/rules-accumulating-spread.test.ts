// The accumulating-spread rule: an accumulator copied on every iteration, grown in place instead.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import { accumulatingSpread } from "../../src/research/rules/accumulating-spread.ts";
import { applyAndTest, changedLines, findingsFor, fixtureText } from "../helpers/rules.ts";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const FILE = "build.js";
const DEFINE = (target: string, key: string, value: string) => `Object.defineProperty(${target}, ${key}, { value: ${value}, writable: true, enumerable: true, configurable: true })`;

// Each function of the fixture: the risk, then the exact lines its patch removes and adds.
const cases: [string, "low" | "medium", string[], string[]][] = [
  [
    "indexById",
    "medium",
    ["  return items.reduce((byId, item) => ({", "    ...byId,", "    [item.id]: item,", "  }), {});"],
    ["  return items.reduce((byId, item) => {", `    ${DEFINE("byId", "item.id", "item")};`, "    return byId;", "  }, {});"],
  ],
  [
    "byPosition",
    "medium",
    ["  return values.reduce((acc, value, i) => ({ ...acc, [i]: value, last: value }), {});"],
    ["  return values.reduce((acc, value, i) => { acc[i] = value; acc.last = value; return acc; }, {});"],
  ],
  ["doubled", "medium", ["  return values.reduce((acc, v) => [...acc, v * 2], []);"], ["  return values.reduce((acc, v) => (acc.push(v * 2), acc), []);"]],
  ["flattenPairs", "medium", ["  return rows.reduce((acc, row) => acc.concat([row.a, row.b]), []);"], ["  return rows.reduce((acc, row) => (acc.push(row.a, row.b), acc), []);"]],
  ["positives", "low", ["    if (values[i] > 0) out = [...out, values[i]];"], ["    if (values[i] > 0) out.push(values[i]);"]],
  ["tally", "low", ["    counts = { ...counts, [word]: (counts[word] || 0) + 1 };"], [`    ${DEFINE("counts", "word", "(counts[word] || 0) + 1")};`]],
  ["usersByKey", "medium", ["    return { ...acc, [key]: user.age };"], ["    acc[key] = user.age;", "    return acc;"]],
  [
    "totals",
    "low",
    ["    acc = {", "      ...acc,", "      [`sum:${entry.category}`]: (acc[`sum:${entry.category}`] || 0) + entry.amount,", "      last: entry.category,", "    };"],
    ["    acc[`sum:${entry.category}`] = (acc[`sum:${entry.category}`] || 0) + entry.amount;", "    acc.last = entry.category;"],
  ],
  ["collect", "low", ["  for (const group of groups) all = all.concat([group.first], [group.second]);"], ["  for (const group of groups) all.push(group.first, group.second);"]],
  [
    "invert",
    "low",
    ["  return Object.entries(object).reduce((acc, [key, value]) => ({ ...acc, [value]: key }), {});"],
    [`  return Object.entries(object).reduce((acc, [key, value]) => { ${DEFINE("acc", "value", "key")}; return acc; }, {});`],
  ],
  [
    "countBy",
    "medium",
    ["  return words.reduce((acc, w) => ({ ...acc, [w]: (acc[w] || 0) + 1 }), {});"],
    [`  return words.reduce((acc, w) => { ${DEFINE("acc", "w", "(acc[w] || 0) + 1")}; return acc; }, {});`],
  ],
];

for (const [fn, risk, removedLines, addedLines] of cases) {
  test(`${fn}: the patch applies, the fixture's tests pass before and after, and only the needed lines change`, () => {
    const found = findingsFor(accumulatingSpread, FILE, fixtureText("accumulating-spread", FILE), fn);
    assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
    assert.deepEqual(found.silences, []);
    const h = found.hypotheses[0]!.hypothesis;
    assert.equal(h.risk, risk);
    if (risk === "medium") assert.ok(([] as string[]).concat(h.evidence ?? []).some((e) => /not known to be an array/.test(e)), JSON.stringify(h.evidence));
    assert.ok(typeof h.expected_impact === "number" && h.expected_impact > 0);
    const diff = (h.change as { diff: string }).diff;
    applyAndTest(dirs, "accumulating-spread", FILE, diff);
    const { removed, added } = changedLines(diff);
    assert.deepEqual(removed, removedLines);
    assert.deepEqual(added, addedLines);
  });
}

const silent: [string, string, RegExp][] = [
  ["reduce() has no initial value", "function f(xs) { return xs.reduce((acc, x) => ({ ...acc, [x]: 1 })); }", /no initial value/],
  ["the initial value is a shared object", "const base = {}; function f(xs) { return xs.reduce((acc, x) => ({ ...acc, [x]: 1 }), base); }", /not a fresh `\{\}` literal/],
  ["the initial array has holes", "function f(xs) { return xs.reduce((acc, x) => [...acc, x], [1, , 2]); }", /holes/],
  ["an array starts an object accumulator", "function f(xs) { return xs.reduce((acc, x) => ({ ...acc, [x]: 1 }), []); }", /initial value is an array/],
  ["the spread is not first", "function f(xs) { return xs.reduce((acc, x) => ({ [x]: 1, ...acc }), {}); }", /not the first property/],
  ["the accumulator is read after a property is set", "function f(xs) { return xs.reduce((acc, x) => ({ ...acc, [x]: 1, n: acc.n }), {}); }", /used elsewhere in the callback/],
  ["the accumulator is passed on in the first property", "function f(xs) { return xs.reduce((acc, x) => ({ ...acc, [x]: g(acc) }), {}); }", /used elsewhere in the callback/],
  ["the accumulator is stored", "function f(xs) { const all = []; return xs.reduce((acc, x) => { all.push(acc); return { ...acc, [x]: 1 }; }, {}); }", /used elsewhere.*all\.push\(acc\)/],
  ["a plain __proto__ key", "function f(xs) { return xs.reduce((acc, x) => ({ ...acc, __proto__: x }), {}); }", /`__proto__:` property sets the new object's prototype/],
  ["a second spread (object)", "function f(xs) { return xs.reduce((acc, x) => ({ ...acc, ...x }), {}); }", /second spread/],
  ["a second spread (array)", "function f(xs) { return xs.reduce((acc, x) => [...acc, ...x], []); }", /argument limit/],
  ["an anonymous function value", "function f(xs) { return xs.reduce((acc, x) => ({ ...acc, [x]: () => 1 }), {}); }", /anonymous function or class/],
  ["an accessor after the spread", "function f(xs) { return xs.reduce((acc, x) => ({ ...acc, get y() { return x; } }), {}); }", /method or accessor/],
  ["concat() of a value that may be an array", "function f(xs) { return xs.reduce((acc, x) => acc.concat(x), []); }", /may be an array .* or not/],
  ["concat() of a literal with a hole", "function f(xs) { return xs.reduce((acc, x) => acc.concat([x, , 1]), []); }", /concat\(\) keeps holes/],
  ["an async callback", "function f(xs) { return xs.reduce(async (acc, x) => ({ ...acc, [x]: 1 }), {}); }", /async or a generator/],
  ["the callback reads arguments", "function f(xs) { return xs.reduce(function (acc, x) { return { ...acc, [x]: arguments.length }; }, {}); }", /`arguments`/],
  ["TypeScript infers {}", "export function f(xs: string[]) { return xs.reduce((acc, x) => ({ ...acc, [x]: 1 }), {}); }", /TypeScript: the accumulator's type is inferred/],
  ["Object is shadowed and a key needs defineProperty", "function Object() {} function f(xs) { return xs.reduce((acc, x) => ({ ...acc, [x]: 1 }), {}); }", /`Object` is declared in this file/],
  ["loop: a parameter", "function f(xs, out) { for (const x of xs) out = [...out, x]; return out; }", /not a local `let`/],
  ["loop: var", "function f(xs) { var out = []; for (const x of xs) out = [...out, x]; return out; }", /var/],
  ["loop: not a fresh literal", "function f(xs) { let out = null; for (const x of xs) out = [...out, x]; return out; }", /not a fresh `\[\]` literal/],
  ["loop: an outer variable", "let out = []; function f(xs) { for (const x of xs) out = [...out, x]; return out; }", /nested function/],
  ["loop: inside a callback", "function f(xs) { let out = []; xs.forEach((x) => { out = [...out, x]; }); return out; }", /nested function/],
  ["loop: aliased before it grows", "function f(xs) { let out = [0]; const first = out; for (const x of xs) out = [...out, x]; return [first, out]; }", /read as a whole .*first = out/],
  ["loop: stored while it grows", "function f(xs) { let out = []; const seen = []; for (const x of xs) { seen.push(out); out = [...out, x]; } return seen; }", /read as a whole .*seen\.push\(out\)/],
  ["loop: iterated while it grows", "function f(xs) { let out = []; for (const x of xs) { for (const y of out) g(y); out = [...out, x]; } return out; }", /read as a whole/],
  ["loop: the assignment's value is used", "function f(xs) { let out = []; for (const x of xs) { g((out = [...out, x]).length); } return out; }", /value of the assignment is used/],
  ["loop: reset", "function f(xs) { let out = []; for (const x of xs) { if (x) out = [...out, x]; else out = []; } return out; }", /assigned other than by appending/],
  ["loop: a later property reads the accumulator", "function f(xs) { let o = {}; for (const x of xs) { o = { ...o, a: x, b: o.a }; } return o; }", /later property reads it/],
  ["loop: several properties in a try", "function f(xs) { let o = {}; try { for (const x of xs) { o = { ...o, a: x, b: g(x) }; } } catch { } return o; }", /inside a try/],
  ["loop: TypeScript infers {}", "export function f(xs: string[]) { let o = {}; for (const x of xs) { o = { ...o, [x]: 1 }; } return o; }", /TypeScript: its type is inferred/],
];
for (const [name, text, reason] of silent) {
  test(`silent when ${name}`, () => {
    const found = findingsFor(accumulatingSpread, /: string\[\]/.test(text) ? "x.ts" : "x.js", text, "f");
    assert.equal(found.hypotheses.length, 0, (found.hypotheses[0]?.hypothesis.change as { diff?: string } | undefined)?.diff ?? "");
    assert.ok(found.silences.some((s) => reason.test(s.reason)), JSON.stringify(found.silences));
  });
}

function diffOf(path: string, text: string): string {
  const found = findingsFor(accumulatingSpread, path, text, "f");
  assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
  return (found.hypotheses[0]!.hypothesis.change as { diff: string }).diff;
}

test("keys proven not to be Object.prototype names are assigned; the others are defined", () => {
  const diff = diffOf("x.js", "function f(xs) {\n  return [...xs].reduceRight((acc, x, i) => ({ ...acc, [i]: x, [`k-${x}`]: i, [-x]: 0, ['toString']: 1, valueOf: 2, 7: 3 }), {});\n}\n");
  assert.deepEqual(changedLines(diff).added, [
    `  return [...xs].reduceRight((acc, x, i) => { acc[i] = x; acc[\`k-\${x}\`] = i; acc[-x] = 0; ${DEFINE("acc", "'toString'", "1")}; ${DEFINE("acc", "'valueOf'", "2")}; acc[7] = 3; return acc; }, {});`,
  ]);
});

test("a fresh let per outer iteration, handed out after its own loop, is grown in place", () => {
  const diff = diffOf("x.js", "function f(groups) {\n  const result = [];\n  for (const g of groups) {\n    let out = [];\n    for (const x of g) out = [...out, x, out.length];\n    result.push(out);\n  }\n  return result;\n}\n");
  assert.deepEqual(changedLines(diff), { removed: ["    for (const x of g) out = [...out, x, out.length];"], added: ["    for (const x of g) out.push(x, out.length);"] });
});

test("TypeScript: a typed accumulator keeps its type; a multi-property append outside a block gets braces", () => {
  const text = "export function f(xs: string[]): Record<string, number> {\n  let o: Record<string, number> = {};\n  for (const x of xs) {\n    if (x) o = { ...o, [`n:${x}`]: 1, total: xs.length };\n  }\n  return o;\n}\n";
  assert.deepEqual(changedLines(diffOf("x.ts", text)).added, ["    if (x) { o[`n:${x}`] = 1; o.total = xs.length; }"]);
  const reduce = "export const f = (xs: string[]) => xs.reduce((acc, x, i) => ({ ...acc, [i]: x }), {} as Record<number, string>);\n";
  assert.deepEqual(changedLines(diffOf("x.ts", reduce)).added, ["export const f = (xs: string[]) => xs.reduce((acc, x, i) => { acc[i] = x; return acc; }, {} as Record<number, string>);"]);
});
