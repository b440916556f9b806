// The await-all rule: independent awaits in a for…of loop -> Promise.all (risk high).
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import { applyPatch } from "diff";
import { awaitAll } from "../../src/research/rules/await-all.ts";
import { applyAndTest, changedLines, findingsFor, fixtureText } from "../helpers/rules.ts";
import { assertTypeChecks } from "../helpers/rules-typecheck.ts";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const FILE = "load.js";

const VARIANTS: { fn: string; removed: string[]; added: string[] }[] = [
  {
    fn: "loadAll",
    removed: ["  for (const id of ids) {", "    out.push(await load(id));"],
    added: ["  for (const idResult of await Promise.all([...ids].map((id) => load(id)))) {", "    out.push(idResult);"],
  },
  {
    fn: "sizes",
    removed: ["  for (const [name, path] of entries) {", "    const size = await api.stat(path, name);"],
    added: ["  for (const size of await Promise.all([...entries].map(([name, path]) => api.stat(path, name)))) {"],
  },
];

for (const { fn, removed, added } of VARIANTS) {
  test(`${fn}: the patch applies, the fixture's async tests pass before and after, and only the needed lines change`, () => {
    const found = findingsFor(awaitAll, FILE, fixtureText("await-all", FILE), fn);
    assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
    const h = found.hypotheses[0]!.hypothesis;
    assert.equal(h.risk, "high");
    assert.match((h.evidence as string[]).join("\n"), /risk: the calls now run concurrently.*rate limits.*remaining calls still run/);
    const diff = (h.change as { diff: string }).diff;
    applyAndTest(dirs, "await-all", FILE, diff);
    assert.deepEqual(changedLines(diff), { removed, added });
  });
}

test("a one-line loop and a sequence as the iterable", () => {
  const text = "async function f(a, b, get) {\n  const out = [];\n  for (const k of (a, b)) out.push(await get(k));\n  return out;\n}\n";
  const found = findingsFor(awaitAll, "x.js", text, "f");
  assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
  assert.deepEqual(changedLines((found.hypotheses[0]!.hypothesis.change as { diff: string }).diff).added, ["  for (const kResult of (await Promise.all([...(a, b)].map((k) => get(k))))) out.push(kResult);"]);
});

const wrap = (loop: string, before = "") => `async function f(xs, get) {\n  const out = [];\n  ${before}${loop}\n  return out;\n}\n`;
const silent: [string, string, RegExp][] = [
  ["for await", wrap("for await (const x of xs) out.push(await get(x));"), /for await/],
  ["a break", wrap("for (const x of xs) { if (!x) break; out.push(await get(x)); }"), /leave the loop early/],
  ["a continue", wrap("for (const x of xs) { if (!x) continue; out.push(await get(x)); }"), /leave the loop early/],
  ["another statement", wrap("for (const x of xs) { out.push(await get(x)); console.log(x); }"), /not exactly/],
  ["the result used twice", wrap("for (const x of xs) { const r = await get(x); out.push(r + r); }"), /not exactly/],
  ["a var loop variable", wrap("for (var x of xs) out.push(await get(x));"), /not a `const`\/`let` of the loop/],
  ["an outer loop variable", "async function f(xs, get) { const out = []; let x; for (x of xs) out.push(await get(x)); return out; }", /not a `const`\/`let` of the loop/],
  ["an awaited value that is not a call", wrap("for (const x of xs) out.push(await x.ready);"), /not a call/],
  ["an argument with a side effect", wrap("for (const x of xs) out.push(await get(x, i++));", "let i = 0;\n  "), /side-effect-free arguments/],
  ["a call in the arguments", wrap("for (const x of xs) out.push(await get(key(x)));"), /side-effect-free arguments/],
  ["an argument that changes", "let token = 1;\nexport function refresh() { token++; }\n" + wrap("for (const x of xs) out.push(await get(x, token));"), /`token`, which is assigned/],
  ["a parameter as the output", "async function f(xs, get, out) { for (const x of xs) out.push(await get(x)); return out; }", /not a fresh `\[\]`/],
  ["an output passed away before", wrap("for (const x of xs) out.push(await get(x));", "track(out);\n  "), /may be seen by other code/],
  ["an output captured by a function", wrap("for (const x of xs) out.push(await get(x));", "setTimeout(() => console.log(out.length));\n  "), /may be seen by other code/],
  ["an output read by the call", wrap("for (const x of xs) out.push(await get(x, out.length));"), /used in the loop besides the push/],
  ["an output seen by the next run of an outer loop", "async function f(xss, get) { const out = []; for (const xs of xss) { for (const x of xs) out.push(await get(x)); keep(out); } return out; }", /may be seen by other code/],
  ["a local Promise", "const Promise = globalThis.Promise;\n" + wrap("for (const x of xs) out.push(await get(x));"), /`Promise` is declared/],
];
for (const [name, text, reason] of silent) {
  test(`silent when ${name}`, () => {
    const found = findingsFor(awaitAll, "x.js", text, "f");
    assert.equal(found.hypotheses.length, 0, (found.hypotheses[0]?.hypothesis.change as { diff?: string } | undefined)?.diff ?? "");
    assert.ok(found.silences.some((s) => reason.test(s.reason)), JSON.stringify(found.silences));
  });
}

test("a loop without await is not the pattern: no finding", () => {
  const found = findingsFor(awaitAll, "x.js", wrap("for (const x of xs) out.push(get(x));"), "f");
  assert.equal(found.hypotheses.length + found.silences.length, 0);
});

test("TypeScript: a typed loop type-checks after the rewrite; an annotated result is left alone", () => {
  const text = [
    "interface User {",
    "  id: number;",
    "}",
    "",
    "export async function users(ids: readonly number[], load: (id: number) => Promise<User>): Promise<User[]> {",
    "  const out: User[] = [];",
    "  for (const id of ids) {",
    "    const user = await load(id);",
    "    out.push(user);",
    "  }",
    "  return out;",
    "}",
    "",
  ].join("\n");
  const found = findingsFor(awaitAll, "users.ts", text, "users");
  assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
  const patched = applyPatch(text, (found.hypotheses[0]!.hypothesis.change as { diff: string }).diff);
  assert.ok(typeof patched === "string");
  assert.ok(patched.includes("  for (const user of await Promise.all([...ids].map((id) => load(id)))) {\n    out.push(user);\n  }"), patched);
  assertTypeChecks(dirs, "users.ts", patched);
  const annotated = findingsFor(awaitAll, "users.ts", text.replace("const user = await", "const user: User = await"), "users");
  assert.equal(annotated.hypotheses.length, 0);
  assert.ok(annotated.silences.some((s) => /type annotation/.test(s.reason)), JSON.stringify(annotated.silences));
});
