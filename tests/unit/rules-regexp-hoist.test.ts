// The regexp-hoist rule: a constant `new RegExp(…)` built once, in a lazily filled module cache.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import { regexpHoist } from "../../src/research/rules/regexp-hoist.ts";
import { applyAndTest, changedLines, findingsFor, fixtureText } from "../helpers/rules.ts";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const FILE = "text.js";

const expected: Record<string, { removed: string[]; added: string[] }> = {
  countWords: {
    removed: ['    const words = line.match(new RegExp("[\\\\w\']+", "g"));'],
    added: ["var countWordsRe;", '    const words = line.match(countWordsRe || (countWordsRe = new RegExp("[\\\\w\']+", "g")));'],
  },
  isHex: {
    removed: ['  const re = new RegExp(HEX, "i");'],
    added: ["var isHexRe;", '  const re = isHexRe || (isHexRe = new RegExp(HEX, "i"));'],
  },
  splitRows: {
    removed: ["  return rows.map((row) => row.split(new RegExp(`\\\\s*,\\\\s*`)));"],
    added: ["var splitRowsRe;", "  return rows.map((row) => row.split(splitRowsRe || (splitRowsRe = new RegExp(`\\\\s*,\\\\s*`))));"],
  },
  strictTags: {
    removed: ['    if (strict && new RegExp("[", "u").test(tag)) n += 100;'],
    added: ["var strictTagsRe;", '    if (strict && (strictTagsRe || (strictTagsRe = new RegExp("[", "u"))).test(tag)) n += 100;'],
  },
};

for (const [fn, lines] of Object.entries(expected)) {
  test(`${fn}: the patch applies, the fixture's tests pass before and after, and only the needed lines change`, () => {
    const found = findingsFor(regexpHoist, FILE, fixtureText("regexp-hoist", FILE), fn);
    assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
    assert.deepEqual(found.silences, []);
    const h = found.hypotheses[0]!.hypothesis;
    assert.equal(h.risk, "low");
    assert.ok(typeof h.expected_impact === "number" && h.expected_impact > 0);
    const diff = (h.change as { diff: string }).diff;
    const { patched } = applyAndTest(dirs, "regexp-hoist", FILE, diff);
    assert.deepEqual(changedLines(diff), lines);
    // The cache is declared above the function's doc comment, so it stays with its function.
    assert.ok(patched.includes(`${lines.added[0]}\n//`) || patched.includes(`${lines.added[0]}\n/**`), patched);
  });
}

test("equal regexps in one function share one cache; a TypeScript cache is typed", () => {
  const text = 'export function f(xs: string[]): number {\n  let n = 0;\n  for (const x of xs) {\n    if (new RegExp("a+").test(x)) n++;\n    if (new RegExp("a+").exec(x)) n++;\n  }\n  return n;\n}\n';
  const found = findingsFor(regexpHoist, "x.ts", text, "f");
  assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
  const { added } = changedLines((found.hypotheses[0]!.hypothesis.change as { diff: string }).diff);
  assert.deepEqual(added, ["var fRe: RegExp | undefined;", '    if ((fRe || (fRe = new RegExp("a+"))).test(x)) n++;', '    if ((fRe || (fRe = new RegExp("a+"))).exec(x)) n++;']);
});

test("a file without semicolons gets none; a g regexp used only by replace() is shared", () => {
  const text = 'function clean(s) {\n  return s.replace(new RegExp("\\\\s+", "g"), " ")\n}\nmodule.exports = clean\n';
  const found = findingsFor(regexpHoist, "x.js", text, "clean");
  assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
  const { added } = changedLines((found.hypotheses[0]!.hypothesis.change as { diff: string }).diff);
  assert.equal(added[0], "var cleanRe");
});

test("regex literals and a top-level construction outside loops are not findings", () => {
  assert.deepEqual(findingsFor(regexpHoist, "x.js", "function f(s) { return /a+/g.test(s); }", "f"), { hypotheses: [], silences: [] });
  assert.deepEqual(findingsFor(regexpHoist, "x.js", 'const re = new RegExp("a");\nmodule.exports = (s) => re.test(s);\n', "(anonymous)"), { hypotheses: [], silences: [] });
});

const silent: [string, string, RegExp][] = [
  ["the pattern is a parameter", "function f(xs, p) { return xs.filter((x) => new RegExp(p).test(x)); }", /pattern is not a constant string/],
  ["the pattern is a module-level let", 'let P = "a"; function f(s) { return new RegExp(P).test(s); }', /pattern is not a constant string/],
  ["the flags are computed", 'function f(s, fl) { return new RegExp("a", fl).test(s); }', /flags are not a constant/],
  ["RegExp is shadowed", 'function f(s) { const RegExp = globalThis.RegExp; return new RegExp("a").test(s); }', /declared in this file/],
  ["g with test() (lastIndex advances)", 'function f(xs) { const re = new RegExp("a", "g"); return xs.filter((x) => re.test(x)); }', /g flag makes it stateful: test\(\)/],
  ["y with replace() (lastIndex is used)", 'function f(s) { return s.replace(new RegExp("a", "y"), ""); }', /y flag makes it stateful: replace\(\)/],
  ["returned", 'function f() { return new RegExp("a"); }', /used otherwise than/],
  ["passed to a function", 'function f(s) { return g(new RegExp("a"), s); }', /used otherwise than/],
  ["its lastIndex is set", 'function f(s) { const re = new RegExp("a"); re.lastIndex = 0; return re.test(s); }', /used otherwise than .*lastIndex/],
  ["compared", 'function f(s, other) { const re = new RegExp("a"); return re === other || re.test(s); }', /used otherwise than/],
  ["a reassigned let", 'function f(s, x) { let re = new RegExp("a"); if (x) re = /b/; return re.test(s); }', /`re` is assigned/],
  ["kept in a var", 'function f(s) { var re = new RegExp("a"); return re.test(s); }', /a var binding/],
  ["three arguments", 'function f(s) { return new RegExp("a", "g", 1).test(s); }', /not `new RegExp\(pattern\)`/],
];
for (const [name, text, reason] of silent) {
  test(`silent when ${name}`, () => {
    const found = findingsFor(regexpHoist, "x.js", text, "f");
    assert.equal(found.hypotheses.length, 0, (found.hypotheses[0]?.hypothesis.change as { diff?: string } | undefined)?.diff ?? "");
    assert.ok(found.silences.some((s) => reason.test(s.reason)), JSON.stringify(found.silences));
  });
}
