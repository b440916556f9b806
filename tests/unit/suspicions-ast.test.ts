// The suspicion scan on the parsed source: the function's extent from its AST node, patterns
// matched on nodes (globals by scope, string receivers and bindings), nested functions left to
// their own profile entry except iteration callbacks, nothing in strings, comments, regex
// literals or template text, and no suspicions (no crash) for a file that does not parse.
import assert from "node:assert/strict";
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { suspicionsFromSource, type Suspicion } from "../../src/profile/suspicions.ts";
import type { HotFunction } from "../../src/profile/types.ts";

const dir = realpathSync(mkdtempSync(join(tmpdir(), "perfloop-suspicions-ast-")));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Suspicions for the function at line:column (1-based, 0: unknown) of a file written with `lines`. */
function scan(name: string, lines: string[], line: number, column = 0, fn = "f"): Suspicion[] {
  writeFileSync(join(dir, name), lines.join("\n"));
  const hot = { function: fn, location: `${name}:${line}:${column}`, url: `file://${join(dir, name)}`, line, column, self_ms: 50, total_ms: 50, self_pct: 50, total_pct: 50 };
  return suspicionsFromSource(dir, [hot as HotFunction]);
}

const where = (found: Suspicion[]) => found.map((s) => [s.category, s.line]);

test("the function's extent is its AST node: minified and oddly indented code", () => {
  const minified = "function a(x){for(const y of x)JSON.parse(y)}function b(z){return JSON.parse(z)+readFileSync(z)}";
  const first = scan("min.js", [minified], 1, 1, "a");
  assert.deepEqual(where(first), [["json_in_loop", 1]]);
  assert.match(first[0]?.description ?? "", /inside the for loop at line 1/);
  // The second function on the line, by its column: its JSON.parse is not in a loop.
  assert.deepEqual(where(scan("min.js", [minified], 1, minified.indexOf("function b") + 1, "b")), [["sync_fs_in_hot_path", 1]]);

  const odd = ["function odd(xs) {", "for (const x of xs) {", "JSON.parse(x);", "}", "}", "function next(ys) { for (const y of ys) new RegExp(y); }"];
  assert.deepEqual(where(scan("odd.js", odd, 1, 1, "odd")), [["json_in_loop", 3]], "the line scan ended the function at its first line");

  // A long line is quoted around the pattern.
  const long = `function f(xs){${"let pad=1;" + "pad+=1;".repeat(40)}for(const x of xs)JSON.parse(x)}`;
  const [json] = scan("long.js", [long], 1, 1);
  assert.ok(json && json.snippet.length <= 160 && json.snippet.includes("JSON.parse(x)"), json?.snippet ?? "");
});

test("JSON, RegExp, Date and Intl count only as the globals", () => {
  const text = [
    "const JSON = { parse: (s) => s };",
    "function f(xs, RegExp, Date) {",
    "  for (const x of xs) {",
    "    JSON.parse(x);",
    "    new RegExp(x);",
    "    new Date(x);",
    "    globalThis.JSON.parse(x);",
    "  }",
    "}",
    "function g(xs) {",
    "  for (const x of xs) { RegExp(x); new Intl.NumberFormat(); Intl.DateTimeFormat(); x.toLocaleDateString(); }",
    "}",
  ];
  assert.deepEqual(where(scan("globals.js", text, 2)), []);
  assert.deepEqual(where(scan("globals.js", text, 10, 0, "g")), [["date_intl_in_loop", 11], ["regexp_in_loop", 11]]);
});

test("functions defined in the hot function are not part of it; iteration callbacks are loops", () => {
  const text = [
    'import { readFileSync } from "node:fs";',
    "function outer(xs) {",
    "  for (const x of xs) {",
    "    const later = () => { readFileSync(x); return JSON.parse(x); };",
    "    setTimeout(function () { JSON.parse(x); });",
    "    class Box { read() { return readFileSync(x); } }",
    "  }",
    "  xs.forEach((y) => JSON.parse(y));",
    "  return xs.map(function (y) { return xs.filter((z) => z === y).length; });",
    "}",
    "const rows = (list) => list.map((row) => JSON.parse(row));",
  ];
  const outer = scan("nested.js", text, 2, 0, "outer");
  assert.deepEqual(where(outer), [["json_in_loop", 8], ["quadratic_search", 9]]);
  assert.match(outer[0]?.description ?? "", /inside the \.forEach\(\) callback at line 8/);
  // The nested function profiled on its own: the loop around its definition is not its loop.
  const later = scan("nested.js", text, 4, 19, "later");
  assert.deepEqual(where(later), [["sync_fs_in_hot_path", 4]]);
  assert.doesNotMatch(later[0]?.description ?? "", /loop/);
  // An iteration callback profiled on its own runs once per element.
  const row = scan("nested.js", text, 11, text[10]!.indexOf("(row)") + 1, "(anonymous)");
  assert.deepEqual(where(row), [["json_in_loop", 11]]);
  assert.match(row[0]?.description ?? "", /\.map\(\) callback/);
});

test("await: in for/while/do bodies and tests, not for await, not callbacks, not the iterable", () => {
  const text = [
    "async function f(ids, stream, client) {",
    "  for await (const chunk of stream) { await client.put(chunk); }",
    "  for (const id of ids) { ids.forEach(async (x) => { await client.get(x); }); }",
    "  for (const id of ids) { const later = async () => { await client.get(id); }; }",
    "  for (const x of await client.list()) {}",
    "  while (await client.more()) {}",
    "  do { await client.tick(); } while (ids.length > 0);",
    "  for (const id of ids) {",
    "    await client.get(id);",
    "  }",
    "  for (const id of ids) for await (const part of client.parts(id)) await client.use(part);",
    "}",
  ];
  const found = scan("await.js", text, 1);
  assert.deepEqual(where(found), [["await_in_loop", 6], ["await_in_loop", 7], ["await_in_loop", 9], ["await_in_loop", 11]]);
  assert.match(found[1]?.description ?? "", /inside the do loop at line 7/);
  assert.match(found[3]?.description ?? "", /inside the for loop at line 11/);
});

test("string concatenation: string bindings declared outside the loop", () => {
  const text = [
    "function f(rows: string[], prefix: string, sep = ',') {",
    '  let out = "";',
    "  let count = 0;",
    "  let text: string = prefix;",
    "  let joined = rows.join(sep);",
    "  const box = { s: '' };",
    "  for (const row of rows) {",
    "    count += row.length;",
    "    out = out + row;",
    "    text += row;",
    '    let line = "";',
    "    line += row;",
    "    prefix += row;",
    "    joined += row;",
    "    box.s += `${row}`;",
    "    count = count + 1;",
    "  }",
    '  for (let s = ""; s.length < 9; ) s += "x";',
    "  rows.forEach((row, i, all, acc = '') => { acc += row; });",
    "  return out + text + count + prefix + joined;",
    "}",
  ];
  assert.deepEqual(where(scan("concat.ts", text, 1)), [9, 10, 13, 14, 15, 18].map((line) => ["string_concat_in_loop", line]));
});

test("linear searches: not on a receiver known to be a string", () => {
  const text = [
    "function f(ids: string[], names: string[], query: string) {",
    '  const label = "abc";',
    "  let hits = 0;",
    "  for (const name of names) {",
    '    if ("xyz".includes(name)) hits++;',
    "    if (name.toLowerCase().includes(query)) hits++;",
    "    if (label.indexOf(name) >= 0) hits++;",
    "    if (query.includes(name)) hits++;",
    "    if (ids.includes(name)) hits++;",
    "  }",
    "  return hits;",
    "}",
  ];
  assert.deepEqual(where(scan("search.ts", text, 1)), [["quadratic_search", 9]]);
});

test("spread of the accumulator: only in the reduce callback itself", () => {
  const text = [
    "function f(xs, other) {",
    "  const a = xs.reduce((acc, x) => [...acc, x], []);",
    "  const b = xs.reduce((acc, x) => {",
    "    const copy = () => ({ ...acc });",
    "    return [...other, x];",
    "  }, []);",
    "  const c = xs.map((acc) => [...acc]);",
    "  const d = xs.reduceRight((memo, x) => ({",
    "    ...memo,",
    "    [x]: true,",
    "  }), {});",
    "  return [a, b, c, d];",
    "}",
  ];
  const found = scan("spread.js", text, 1);
  assert.deepEqual(where(found), [["spread_in_reduce", 2], ["spread_in_reduce", 9]]);
  assert.match(found[1]?.description ?? "", /accumulator `memo`.*inside the \.reduceRight\(\) callback at line 8/);
});

test("nothing matches in strings, comments, regex literals or template text; template code does", () => {
  const text = [
    "function f(xs, y) {",
    "  for (const x of xs) {",
    '    const a = "JSON.parse(x) new RegExp(x) readFileSync(x) xs.includes(x)";',
    "    // await x; xs.includes(x); new Date(); out += 'x'",
    "    const r = /JSON\\.parse\\(x\\)|\\.includes\\(|readFileSync\\(/;",
    "    if (y) /JSON.parse(x) readFileSync(x)/.test(x);",
    "    const t = `readFileSync(${x}) ...acc new Date( JSON.parse(`;",
    "    /* s += \"x\"; new Intl.DateTimeFormat() */",
    "  }",
    "}",
    "function g(xs) {",
    "  for (const x of xs) console.log(`${JSON.parse(x)}`);",
    "}",
  ];
  assert.deepEqual(where(scan("literals.js", text, 1)), []);
  assert.deepEqual(where(scan("literals.js", text, 11, 0, "g")), [["json_in_loop", 12]]);
});

test("a module's top-level code is its own code; a file that does not parse gives nothing", () => {
  const text = ["const xs = [];", "for (const x of xs) JSON.parse(x);", "function f() { for (const x of xs) new RegExp(x); }"];
  assert.deepEqual(where(scan("top.js", text, 1, 1, "(anonymous)")), [["json_in_loop", 2]]);
  assert.deepEqual(scan("broken.ts", ["function f(xs) {", "  for (const x of xs) JSON.parse(x);", "  if (", "}"], 1), []);
  assert.deepEqual(scan("beyond.js", ["function f() {}"], 40), []);
  const found = scan("found.ts", ["function f(xs) {", "  for (const x of xs) JSON.parse(x);", "}"], 1);
  assert.match(found[0]?.verification_note ?? "", /Found on the parsed source/);
});
