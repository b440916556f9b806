// The intl-hoist rule: Intl objects with literal options built once, in a lazily filled module cache.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import { intlHoist } from "../../src/research/rules/intl-hoist.ts";
import { applyAndTest, changedLines, findingsFor, fixtureText } from "../helpers/rules.ts";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const FILE = "format.js";

const expected: Record<string, { removed: string[]; added: string[] }> = {
  formatPrices: {
    removed: ['    out.push(new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(value));'],
    added: ["var formatPricesNumberFormat;", '    out.push((formatPricesNumberFormat || (formatPricesNumberFormat = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }))).format(value));'],
  },
  sortNames: {
    removed: ['  const collator = new Intl.Collator("de", { sensitivity: "base" });'],
    added: ["var sortNamesCollator;", '  const collator = sortNamesCollator || (sortNamesCollator = new Intl.Collator("de", { sensitivity: "base" }));'],
  },
  dayLabels: {
    removed: ['  return dates.map((d) => new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", weekday: "short" }).format(d));'],
    added: ["var dayLabelsDateTimeFormat;", '  return dates.map((d) => (dayLabelsDateTimeFormat || (dayLabelsDateTimeFormat = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", weekday: "short" }))).format(d));'],
  },
  sortedKeys: {
    removed: ["  return Object.keys(obj).sort((a, b) => a.localeCompare(b));"],
    added: ["var sortedKeysCollator;", "  return Object.keys(obj).sort((a, b) => (sortedKeysCollator || (sortedKeysCollator = new Intl.Collator())).compare(a, b));"],
  },
  plurals: {
    removed: ['    if (strict) out.push(new Intl.NumberFormat("en", { style: "unit", unit: "parsec-per-banana" }).format(n));', '    else out.push(`${n} ${new Intl.PluralRules("en-US").select(n)}`);'],
    added: [
      "var pluralsNumberFormat, pluralsPluralRules;",
      '    if (strict) out.push((pluralsNumberFormat || (pluralsNumberFormat = new Intl.NumberFormat("en", { style: "unit", unit: "parsec-per-banana" }))).format(n));',
      "    else out.push(`${n} ${(pluralsPluralRules || (pluralsPluralRules = new Intl.PluralRules(\"en-US\"))).select(n)}`);",
    ],
  },
};

for (const [fn, lines] of Object.entries(expected)) {
  test(`${fn}: the patch applies, the fixture's tests pass before and after, and only the needed lines change`, () => {
    const found = findingsFor(intlHoist, FILE, fixtureText("intl-hoist", FILE), fn);
    assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
    assert.deepEqual(found.silences, []);
    const h = found.hypotheses[0]!.hypothesis;
    assert.equal(h.risk, "low");
    assert.ok(typeof h.expected_impact === "number" && h.expected_impact > 0);
    const diff = (h.change as { diff: string }).diff;
    applyAndTest(dirs, "intl-hoist", FILE, diff);
    assert.deepEqual(changedLines(diff), lines);
  });
}

test("a DateTimeFormat without a timeZone is medium risk, with the time zone caveat; TypeScript caches are typed", () => {
  const text = 'export function f(ds: Date[]): string[] {\n  return ds.map((d) => new Intl.DateTimeFormat("en-US").format(d));\n}\n';
  const found = findingsFor(intlHoist, "x.ts", text, "f");
  assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
  const h = found.hypotheses[0]!.hypothesis;
  assert.equal(h.risk, "medium");
  assert.ok((h.evidence as string[]).some((e) => /time zone .*process\.env\.TZ/.test(e)), JSON.stringify(h.evidence));
  assert.equal(changedLines((h.change as { diff: string }).diff).added[0], "var fDateTimeFormat: Intl.DateTimeFormat | undefined;");
});

test("undefined and module-level constants count as literal arguments; equal constructions share a cache", () => {
  const text = 'const LOCALE = "fr";\nfunction f(xs) {\n  const a = xs.map((x) => new Intl.NumberFormat(LOCALE, undefined).format(x));\n  const b = xs.map((x) => new Intl.NumberFormat(LOCALE,  undefined).formatToParts(x));\n  return [a, b];\n}\n';
  const found = findingsFor(intlHoist, "x.js", text, "f");
  assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
  assert.equal(changedLines((found.hypotheses[0]!.hypothesis.change as { diff: string }).diff).added[0], "var fNumberFormat;");
});

test("top-level code outside loops is not a finding", () => {
  assert.deepEqual(findingsFor(intlHoist, "x.js", 'const nf = new Intl.NumberFormat("en");\nmodule.exports = (x) => nf.format(x);\n', "(anonymous)"), { hypotheses: [], silences: [] });
});

const silent: [string, string, RegExp][] = [
  ["the locale is a parameter", "function f(xs, loc) { return xs.map((x) => new Intl.NumberFormat(loc).format(x)); }", /not a literal value \(`loc`\)/],
  ["the options are built from a parameter", 'function f(xs, c) { return xs.map((x) => new Intl.NumberFormat("en", { currency: c }).format(x)); }', /not a literal value/],
  ["Intl is shadowed", 'function f(xs) { const Intl = globalThis.Intl; return xs.map((x) => new Intl.NumberFormat("en").format(x)); }', /`Intl` is declared in this file/],
  ["the formatter is stored", 'function f(xs) { const out = []; for (const x of xs) out.push(new Intl.NumberFormat("en")); return out; }', /used otherwise than as the receiver/],
  ["the formatter is compared", 'function f(a) { const c = new Intl.Collator("en"); return c === a; }', /used otherwise than as the receiver/],
  ["a method it does not have", 'function f(x) { return new Intl.NumberFormat("en").select(x); }', /used otherwise than as the receiver/],
  ["its bound compare is returned", 'function f() { return new Intl.Collator("en").compare; }', /used otherwise than as the receiver/],
  ["a reassigned let", 'function f(x, y) { let nf = new Intl.NumberFormat("en"); if (y) nf = null; return nf.format(x); }', /`nf` is assigned/],
  ["localeCompare on values not known to be strings", "function f(xs) { return xs.sort((a, b) => a.localeCompare(b)); }", /TypeError.*not provably strings/],
  ["localeCompare on their properties", 'function f(xs) { return Object.keys(xs).sort((a, b) => a.length.localeCompare(b.length, "en")); }', /TypeError.*operands are not the sorted values/],
  ["localeCompare with computed options", "function f(o, loc) { return Object.keys(o).sort((a, b) => a.localeCompare(b, loc)); }", /locales or options .* are not literal values/],
];
for (const [name, text, reason] of silent) {
  test(`silent when ${name}`, () => {
    const found = findingsFor(intlHoist, "x.js", text, "f");
    assert.equal(found.hypotheses.length, 0, (found.hypotheses[0]?.hypothesis.change as { diff?: string } | undefined)?.diff ?? "");
    assert.ok(found.silences.some((s) => reason.test(s.reason)), JSON.stringify(found.silences));
  });
}
