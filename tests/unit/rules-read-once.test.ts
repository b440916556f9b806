// The read-once rule: a file read as text in a loop, read once per loop, lazily, when nothing in the file changes files.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import { readOnce } from "../../src/research/rules/read-once.ts";
import { applyAndTest, changedLines, findingsFor, fixtureText } from "../helpers/rules.ts";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const FILE = "lookup.js";

const expected: Record<string, { removed: string[]; added: string[] }> = {
  countKnown: {
    removed: ['    if (fs.readFileSync(DICT, "utf8").split("\\n").includes(w)) n++;'],
    added: ["  let DICTText;", '    if ((DICTText === undefined ? (DICTText = fs.readFileSync(DICT, "utf8")) : DICTText).split("\\n").includes(w)) n++;'],
  },
  withSuffix: {
    removed: ['  return rows.map((r) => r + readFileSync("suffix.txt", { encoding: "utf8" }).trim());'],
    added: ["  let fileText;", '  return rows.map((r) => r + (fileText === undefined ? (fileText = readFileSync("suffix.txt", { encoding: "utf8" })) : fileText).trim());'],
  },
  missingLength: {
    removed: ['    n += readFileSync("missing.txt", "utf-8").length;'],
    added: ["  let fileText;", '    n += (fileText === undefined ? (fileText = readFileSync("missing.txt", "utf-8")) : fileText).length;'],
  },
};

for (const [fn, lines] of Object.entries(expected)) {
  test(`${fn}: the patch applies, the fixture's tests pass before and after, and only the needed lines change`, () => {
    const found = findingsFor(readOnce, FILE, fixtureText("read-once", FILE), fn);
    assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
    assert.deepEqual(found.silences, []);
    const h = found.hypotheses[0]!.hypothesis;
    assert.equal(h.risk, "medium");
    assert.ok((h.evidence as string[]).includes("risk: a change to the file while the loop runs would no longer be seen"), JSON.stringify(h.evidence));
    assert.ok(typeof h.expected_impact === "number" && h.expected_impact > 0);
    const diff = (h.change as { diff: string }).diff;
    applyAndTest(dirs, "read-once", FILE, diff);
    assert.deepEqual(changedLines(diff), lines);
  });
}

test("an ES import of readFileSync, in TypeScript: the cache is typed, two reads of the same file share it", () => {
  const text = 'import { readFileSync as read } from "node:fs";\n\nexport function f(xs: string[]): number {\n  let n = 0;\n  for (const x of xs) {\n    n += read("a.txt", "utf8").length + read(`a.txt`, "utf8").indexOf(x);\n  }\n  return n;\n}\n';
  const found = findingsFor(readOnce, "x.ts", text, "f");
  assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
  const { added } = changedLines((found.hypotheses[0]!.hypothesis.change as { diff: string }).diff);
  assert.deepEqual(added, ["  let fileText: string | undefined;", '    n += (fileText === undefined ? (fileText = read("a.txt", "utf8")) : fileText).length + (fileText === undefined ? (fileText = read(`a.txt`, "utf8")) : fileText).indexOf(x);']);
});

const FS = 'const fs = require("fs");\n';
const silent: [string, string, RegExp][] = [
  ["no encoding (a Buffer)", `${FS}function f(xs) { let n = 0; for (const x of xs) n += fs.readFileSync("a.txt").length; return n; }`, /no encoding: it returns a Buffer/],
  ["encoding null", `${FS}function f(xs) { let n = 0; for (const x of xs) n += fs.readFileSync("a.txt", { encoding: null }).length; return n; }`, /not a literal text encoding/],
  ["a computed encoding", `${FS}function f(xs, enc) { let n = 0; for (const x of xs) n += fs.readFileSync("a.txt", enc).length; return n; }`, /not a literal text encoding/],
  ["a flag that writes", `${FS}function f(xs) { let n = 0; for (const x of xs) n += fs.readFileSync("a.txt", { encoding: "utf8", flag: "a+" }).length; return n; }`, /not a literal text encoding/],
  ["the path is the loop variable", `${FS}function f(ps) { let n = 0; for (const p of ps) n += fs.readFileSync(p, "utf8").length; return n; }`, /declared inside the loop/],
  ["the path is a parameter (maybe a file descriptor)", `${FS}function f(xs, p) { let n = 0; for (const x of xs) n += fs.readFileSync(p, "utf8").length; return n; }`, /not surely a string: a file descriptor/],
  ["the path is reassigned", `${FS}function f(xs) { let p = "a"; let n = 0; for (const x of xs) { n += fs.readFileSync(p, "utf8").length; p = x; } return n; }`, /`p` is assigned/],
  ["the path is a property", `${FS}function f(xs, o) { let n = 0; for (const x of xs) n += fs.readFileSync(o.path, "utf8").length; return n; }`, /not a name or a literal/],
  ["the file writes files", `${FS}function f(xs) { let n = 0; for (const x of xs) n += fs.readFileSync("a.txt", "utf8").length; return n; }\nfunction g() { fs.writeFileSync("b.txt", ""); }`, /mentions writeFileSync/],
  ["the file renames through fs", `${FS}function f(xs) { let n = 0; for (const x of xs) n += fs.readFileSync("a.txt", "utf8").length; fs.rename("a", "b", () => {}); return n; }`, /uses fs's rename/],
  ["the file removes through fs.promises", `${FS}async function g() { await fs.promises.rm("a.txt"); }\nfunction f(xs) { let n = 0; for (const x of xs) n += fs.readFileSync("a.txt", "utf8").length; return n; }`, /uses fs\/promises's rm/],
  ["the file runs commands", `${FS}const cp = require("child_process");\nfunction f(xs) { let n = 0; for (const x of xs) n += fs.readFileSync("a.txt", "utf8").length; return n; }`, /loads child_process/],
  ["the file changes directory", `${FS}function f(xs) { let n = 0; for (const x of xs) { process.chdir(x); n += fs.readFileSync("a.txt", "utf8").length; } return n; }`, /mentions chdir/],
  ["the fs module is passed on", `${FS}function f(xs) { let n = 0; for (const x of xs) n += fs.readFileSync("a.txt", "utf8").length; helper(fs); return n; }`, /fs module `fs` is passed on/],
  ["readFileSync is some object's", "function f(xs, io) { let n = 0; for (const x of xs) n += io.readFileSync(\"a.txt\", \"utf8\").length; return n; }", /not resolved to node's fs/],
  ["readFileSync comes from another module", 'const { readFileSync } = require("./my-fs");\nfunction f(xs) { let n = 0; for (const x of xs) n += readFileSync("a.txt", "utf8").length; return n; }', /not resolved to node's fs/],
  ["the fs binding is a let that is reassigned", 'let fs = require("fs");\nfunction f(xs) { let n = 0; for (const x of xs) n += fs.readFileSync("a.txt", "utf8").length; fs = null; return n; }', /not resolved to node's fs/],
  ["the hot function is expression-bodied", `${FS}const f = (xs) => xs.map((x) => fs.readFileSync("a.txt", "utf8") + x);`, /no statement before the loop/],
];
for (const [name, text, reason] of silent) {
  test(`silent when ${name}`, () => {
    const found = findingsFor(readOnce, "x.js", text, "f");
    assert.equal(found.hypotheses.length, 0, (found.hypotheses[0]?.hypothesis.change as { diff?: string } | undefined)?.diff ?? "");
    assert.ok(found.silences.some((s) => reason.test(s.reason)), JSON.stringify(found.silences));
  });
}
