// The index-map rule: find()/some()/findIndex() by key inside a loop -> a Map built on the first lookup.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import { applyPatch } from "diff";
import { indexMap } from "../../src/research/rules/index-map.ts";
import { applyAndTest, changedLines, findingsFor, fixtureText } from "../helpers/rules.ts";
import { assertTypeChecks } from "../helpers/rules-typecheck.ts";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const FILE = "join.js";

const helper = (name: string, what: "element" | "index") => [
  "",
  `// A Map from each element's \`key\` to the first ${what} with it (perfloop index-map), or null when the`,
  "// list is empty, not a plain Array, or holds null, undefined or a hole: the original lookup then runs.",
  `function ${name}(list, key) {`,
  "  if (!Array.isArray(list) || Object.getPrototypeOf(list) !== Array.prototype || list.length === 0) return null;",
  "  const index = new Map();",
  "  for (let i = 0; i < list.length; i++) {",
  "    const item = list[i];",
  "    if (item === null || item === undefined) return null;",
  "    const value = item[key];",
  `    if (!index.has(value)) index.set(value, ${what === "index" ? "i" : "item"});`,
  "  }",
  "  return index;",
  "}",
];

const VARIANTS: { fn: string; removed: string[]; added: string[] }[] = [
  {
    fn: "withUsers",
    removed: ["    const user = users.find((u) => u.id === order.userId);"],
    added: [
      "  let usersById;",
      '    const user = ((usersById ??= indexBy(users, "id") ?? false, usersById) ? (order.userId === order.userId ? usersById.get(order.userId) : undefined) : users.find((u) => u.id === order.userId));',
      ...helper("indexBy", "element"),
    ],
  },
  {
    fn: "knownIds",
    removed: ["  const known = ids.filter((id) => users.some((u) => id === u.id));"],
    added: ["  let usersById;", '  const known = ids.filter((id) => ((usersById ??= indexBy(users, "id") ?? false, usersById) ? (id === id && usersById.has(id)) : users.some((u) => id === u.id)));', ...helper("indexBy", "element")],
  },
  {
    fn: "positions",
    removed: ["      result.push(list.findIndex((item) => item.code === batch[i]));"],
    added: [
      "  let listIndexByCode;",
      '      result.push(((listIndexByCode ??= positionsBy(list, "code") ?? false, listIndexByCode) ? (batch[i] === batch[i] ? listIndexByCode.get(batch[i]) ?? -1 : -1) : list.findIndex((item) => item.code === batch[i])));',
      ...helper("positionsBy", "index"),
    ],
  },
];

for (const { fn, removed, added } of VARIANTS) {
  test(`${fn}: the patch applies, the fixture's tests pass before and after, and only the needed lines change`, () => {
    const found = findingsFor(indexMap, FILE, fixtureText("index-map", FILE), fn);
    assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
    const h = found.hypotheses[0]!.hypothesis;
    assert.equal(h.risk, "low");
    assert.ok(typeof h.expected_impact === "number" && h.expected_impact > 0);
    const diff = (h.change as { diff: string }).diff;
    const { patched } = applyAndTest(dirs, "index-map", FILE, diff);
    assert.deepEqual(changedLines(diff), { removed, added });
    if (fn === "positions") assert.ok(patched.includes("  let listIndexByCode;\n  for (const batch of batches) {"), "the index is declared before the outer loop");
  });
}

const body = (loop: string) => `function f(orders, users) {\n  const out = [];\n  ${loop}\n  return out;\n}\n`;
const silent: [string, string, RegExp][] = [
  ["loose equality", body("for (const o of orders) out.push(users.find((u) => u.id == o.id));"), /is not `\(x\) => x.<key> === <value>`/],
  ["a computed key", body("for (const o of orders) out.push(users.find((u) => u.id === key(o)));"), /plain read/],
  ["a key that reads the element", body("for (const o of orders) out.push(users.find((u) => u.id === u.parent));"), /plain read/],
  ["a function callback reading its own this", body("for (const o of orders) out.push(users.find(function (u) { return u.id === this.id; }));"), /its own `this`/],
  ["a thisArg", body("for (const o of orders) out.push(users.find((u) => u.id === o.id, o));"), /one inline function of one plain parameter/],
  ["a member as the array", "class A { f(orders) { const out = []; for (const o of orders) out.push(this.users.find((u) => u.id === o.id)); return out; } }", /not a binding of this file/],
  ["the array reassigned in the loop", body("for (const o of orders) { out.push(users.find((u) => u.id === o.id)); users = o.next; }"), /assigned inside the loop/],
  ["the array declared in the loop", body("for (const o of orders) { const users = o.users; out.push(users.find((u) => u.id === o.id)); }"), /declared inside the loop/],
  ["a call in the loop", body("for (const o of orders) { out.push(users.find((u) => u.id === o.id)); log(o); }"), /it calls a function/],
  ["a push to the array", body("for (const o of orders) { out.push(users.find((u) => u.id === o.id)); users.push(o); }"), /something other than a fresh local/],
  ["a fresh array that escaped", "function f(orders, users, keep) {\n  const out = [];\n  keep(out);\n  for (const o of orders) out.push(users.find((u) => u.id === o.id));\n}\n", /something other than a fresh local/],
  ["an assignment to the key", body("for (const o of orders) { const u = users.find((u) => u.id === o.id); o.id = 0; out.push(u); }"), /assigns a member named id/],
  ["a computed assignment", body("for (const o of orders) { out[o.k] = users.find((u) => u.id === o.id); }"), /computed member/],
  ["the array's length set", body("for (const o of orders) { out.push(users.find((u) => u.id === o.id)); users.length = 0; }"), /member named length/],
  ["a delete", body("for (const o of orders) { out.push(users.find((u) => u.id === o.id)); delete o.id; }"), /deletes/],
  ["new in the loop", body("for (const o of orders) out.push(users.find((u) => u.id === o.id) ?? new Date());"), /new/],
  ["an await between lookups", "async function f(orders, users) { const out = []; for (const o of orders) { await null; out.push(users.find((u) => u.id === o.id)); } return out; }", /awaits or yields/],
  ["for await", "async function f(orders, users) { const out = []; for await (const o of orders) out.push(users.find((u) => u.id === o.id)); return out; }", /for await/],
  ["a loop over a generator", "function f(users) { const out = []; for (const o of gen()) out.push(users.find((u) => u.id === o.id)); return out; }", /may run code between iterations/],
  ["a loop that is not in a block", "function f(orders, users, on) { const out = []; if (on) for (const o of orders) out.push(users.find((u) => u.id === o.id)); return out; }", /not directly in a block/],
  ["an arrow with an expression body", "const f = (ids, users) => ids.map((id) => users.find((u) => u.id === id));", /not in a statement/],
  ["a key named length", body("for (const o of orders) out.push(users.find((u) => u.length === o.n));"), /length, an index/],
  ["a local Map", "const Map = 1; " + body("for (const o of orders) out.push(users.find((u) => u.id === o.id));"), /`Map` is declared/],
];
for (const [name, text, reason] of silent) {
  test(`silent when ${name}`, () => {
    const found = findingsFor(indexMap, "x.js", text, "f");
    assert.equal(found.hypotheses.length, 0, (found.hypotheses[0]?.hypothesis.change as { diff?: string } | undefined)?.diff ?? "");
    assert.ok(found.silences.some((s) => reason.test(s.reason)), JSON.stringify(found.silences));
  });
}

test("a lookup outside any loop is not the pattern: no finding", () => {
  const found = findingsFor(indexMap, "x.js", "function f(users, id) { return users.find((u) => u.id === id); }", "f");
  assert.equal(found.hypotheses.length + found.silences.length, 0);
});

test("TypeScript: find, some and findIndex in one loop share the element index and type-check (strict, with and without noUncheckedIndexedAccess)", () => {
  const text = [
    "interface User {",
    "  id: number;",
    "  name: string;",
    "}",
    "",
    "export function summary(users: readonly User[], ids: number[]): string[] {",
    "  const out: string[] = [];",
    "  ids.forEach((id) => {",
    "    const user = users.find((u) => u.id === id);",
    "    if (users.some((u) => u.id === id + 1)) out.push(`next of ${id}`);",
    "    const at: number = users.findIndex((u) => u.id === 7);",
    '    out.push(user ? `${user.name} ${at}` : "?");',
    "  });",
    "  return out;",
    "}",
    "",
  ].join("\n");
  const found = findingsFor(indexMap, "summary.ts", text, "summary");
  assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
  const diff = (found.hypotheses[0]!.hypothesis.change as { diff: string }).diff;
  const patched = applyPatch(text, diff);
  assert.ok(typeof patched === "string", diff);
  assert.ok(patched.includes("  let usersById: Map<unknown, (typeof users)[number]> | false | undefined;\n  let usersIndexById: Map<unknown, number> | false | undefined;\n  ids.forEach((id) => {"), patched);
  assert.ok(patched.includes("    if (users.some((u) => u.id === id + 1)) out.push(`next of ${id}`);"), "`id + 1` is not a plain read: that lookup stays");
  assert.ok(found.silences.some((s) => /plain read/.test(s.reason)), JSON.stringify(found.silences));
  assert.ok(patched.includes('const at: number = ((usersIndexById ??= positionsBy(users, "id") ?? false, usersIndexById) ? (usersIndexById.get(7) ?? -1) : users.findIndex((u) => u.id === 7));'), patched);
  assert.ok(patched.includes("function indexBy<T, K extends keyof T>(list: readonly T[], key: K): Map<unknown, T> | null {"), patched);
  assertTypeChecks(dirs, "summary.ts", patched);
});

test("without semicolons, a lookup that starts a statement gets a leading `;`", () => {
  const text = "function f(orders, users) {\n  let n = 0\n  for (const o of orders) {\n    n++\n    users.find((u) => u.id === o.id).seen = true\n  }\n  return n\n}\n";
  const found = findingsFor(indexMap, "x.js", text, "f");
  assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
  const { added } = changedLines((found.hypotheses[0]!.hypothesis.change as { diff: string }).diff);
  assert.equal(added[0], "  let usersById");
  assert.ok(added[1]!.startsWith("    ;((usersById ??= indexBy(users, 'id') ?? false, usersById)") || added[1]!.startsWith('    ;((usersById ??= indexBy(users, "id") ?? false, usersById)'), String(added[1]));
});
