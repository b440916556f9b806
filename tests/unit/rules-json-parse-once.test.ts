// The json-parse-once rule: an unchanging text parsed once per loop, lazily, when its value is only read.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import { jsonParseOnce } from "../../src/research/rules/json-parse-once.ts";
import { applyAndTest, changedLines, findingsFor, fixtureText } from "../helpers/rules.ts";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const FILE = "config.js";

const expected: Record<string, { risk: string; removed: string[]; added: string[] }> = {
  countOver: {
    risk: "low",
    removed: ["    const cfg = JSON.parse(DEFAULTS);"],
    added: ["  let DEFAULTSParsed;", "    const cfg = DEFAULTSParsed === undefined ? (DEFAULTSParsed = JSON.parse(DEFAULTS)) : DEFAULTSParsed;"],
  },
  labels: {
    risk: "medium",
    removed: ["  return rows.map((row) => `${row.name}${JSON.parse(settingsText).suffix}`);"],
    added: ["  let settingsTextParsed;", "  return rows.map((row) => `${row.name}${(settingsTextParsed === undefined ? (settingsTextParsed = JSON.parse(settingsText)) : settingsTextParsed).suffix}`);"],
  },
  firstWithin: {
    risk: "medium",
    removed: ["    const { min, max = Infinity } = JSON.parse(text);"],
    added: ["  let textParsed;", "    const { min, max = Infinity } = textParsed === undefined ? (textParsed = JSON.parse(text)) : textParsed;"],
  },
};

for (const [fn, lines] of Object.entries(expected)) {
  test(`${fn}: the patch applies, the fixture's tests pass before and after, and only the needed lines change`, () => {
    const found = findingsFor(jsonParseOnce, FILE, fixtureText("json-parse-once", FILE), fn);
    assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
    assert.deepEqual(found.silences, []);
    const h = found.hypotheses[0]!.hypothesis;
    assert.equal(h.risk, lines.risk);
    if (lines.risk === "medium") assert.ok((h.evidence as string[]).some((e) => /assumed to be a string/.test(e)), JSON.stringify(h.evidence));
    assert.ok(typeof h.expected_impact === "number" && h.expected_impact > 0);
    const diff = (h.change as { diff: string }).diff;
    applyAndTest(dirs, "json-parse-once", FILE, diff);
    assert.deepEqual(changedLines(diff), { removed: lines.removed, added: lines.added });
  });
}

test("the cache leaves the outermost loop the text is fixed in, and a loop outside a block gets braces", () => {
  const text = "function f(rows, text, on) {\n  let n = 0;\n  if (on) for (const r of rows) {\n    for (const c of r) if (c === JSON.parse(text).k) n++;\n  }\n  return n;\n}\n";
  const found = findingsFor(jsonParseOnce, "x.js", text, "f");
  assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
  const { removed, added } = changedLines((found.hypotheses[0]!.hypothesis.change as { diff: string }).diff);
  assert.deepEqual(removed, ["  if (on) for (const r of rows) {", "    for (const c of r) if (c === JSON.parse(text).k) n++;", "  }"]);
  assert.deepEqual(added, ["  if (on) { let textParsed; for (const r of rows) {", "    for (const c of r) if (c === (textParsed === undefined ? (textParsed = JSON.parse(text)) : textParsed).k) n++;", "  } }"]);
});

test("a text fixed only in the inner loop gets its cache there; TypeScript caches are any, like JSON.parse", () => {
  const text = "export function f(rows: string[][]): number {\n  let n = 0;\n  for (const r of rows) {\n    const t = r[0]!;\n    for (const c of r) {\n      if (c === JSON.parse(t).k) n++;\n    }\n  }\n  return n;\n}\n";
  const found = findingsFor(jsonParseOnce, "x.ts", text, "f");
  assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
  const { added } = changedLines((found.hypotheses[0]!.hypothesis.change as { diff: string }).diff);
  assert.equal(added[0], "    let tParsed: any;");
});

const silent: [string, string, RegExp][] = [
  ["the text is the loop variable", "function f(ts) { let n = 0; for (const t of ts) n += JSON.parse(t).a; return n; }", /declared inside the loop/],
  ["the text is reassigned", "function f(xs, t) { let n = 0; for (const x of xs) { n += JSON.parse(t).a; t = x; } return n; }", /parameter `t` is assigned/],
  ["the text is a var", 'function f(xs) { var t = "{}"; let n = 0; for (const x of xs) n += JSON.parse(t).a; return n; }', /a var/],
  ["the function uses arguments", "function f(xs, t) { let n = arguments.length; for (const x of xs) n += JSON.parse(t).a; return n; }", /uses `arguments`/],
  ["the text is a property", "function f(xs, o) { let n = 0; for (const x of xs) n += JSON.parse(o.text).a; return n; }", /not a name or a literal/],
  ["a reviver", "function f(xs, t) { let n = 0; for (const x of xs) n += JSON.parse(t, (k, v) => v).a; return n; }", /reviver/],
  ["JSON is shadowed", "function f(xs, t) { const JSON = { parse: (s) => ({ a: s.length }) }; let n = 0; for (const x of xs) n += JSON.parse(t).a; return n; }", /`JSON` is declared/],
  ["the value is returned", "function f(xs, t) { for (const x of xs) { const cfg = JSON.parse(t); if (cfg.a === x) return cfg; } return null; }", /`cfg`, from the parsed value, is returned/],
  ["the value is pushed", "function f(xs, t) { const out = []; for (const x of xs) out.push(JSON.parse(t)); return out; }", /passed to a call/],
  ["a part of the value is changed", "function f(xs, t) { for (const x of xs) { const cfg = JSON.parse(t); cfg.count++; } }", /is changed/],
  ["a part of the value is assigned to", "function f(xs, t) { for (const x of xs) { const cfg = JSON.parse(t); cfg.a.b = x; } }", /is assigned to/],
  ["a method is called on a part of it", "function f(xs, t) { return xs.filter((x) => JSON.parse(t).tags.includes(x)); }", /a method is called on it/],
  ["a part of it is iterated", "function f(xs, t) { let n = 0; for (const x of xs) for (const tag of JSON.parse(t).tags) n++; return n; }", /iterated/],
  ["a part of it flows on through ||", "function f(xs, t) { for (const x of xs) { const list = JSON.parse(t).list || []; list.push(x); } }", /stored in another variable/],
  ["it is spread", "function f(xs, t) { return xs.map((x) => ({ ...JSON.parse(t), x })); }", /spread/],
  ["it is bound with let", "function f(xs, t) { let n = 0; for (const x of xs) { let cfg = JSON.parse(t); n += cfg.a; } return n; }", /bound with let/],
  ["the hot function is expression-bodied", "const f = (xs, t) => xs.map((x) => JSON.parse(t).a + x);", /no statement before the loop/],
];
for (const [name, text, reason] of silent) {
  test(`silent when ${name}`, () => {
    const found = findingsFor(jsonParseOnce, "x.js", text, "f");
    assert.equal(found.hypotheses.length, 0, (found.hypotheses[0]?.hypothesis.change as { diff?: string } | undefined)?.diff ?? "");
    assert.ok(found.silences.some((s) => reason.test(s.reason)), JSON.stringify(found.silences));
  });
}
