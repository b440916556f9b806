// The queue-shift rule: an array used as a queue with shift() in a loop, read with an index instead.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import { queueShift } from "../../src/research/rules/queue-shift.ts";
import { applyAndTest, changedLines, findingsFor, fixtureText } from "../helpers/rules.ts";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const FILE = "walk.js";

// Each function of the fixture, then the exact lines its patch removes and adds.
const cases: [string, string[], string[]][] = [
  [
    "bfsOrder",
    ["  while (queue.length > 0) {", "    const node = queue.shift();"],
    ["  let queueHead = 0;", "  while (queue.length > queueHead) {", "    const node = queue[queueHead++];"],
  ],
  [
    "roundRobin",
    ['    const item = r % 3 === 2 ? "skip" : pending.shift();', '    if (item !== "skip" && pending.length % 2 === 0) pending.push(item);', "  return [served, pending.length];"],
    [
      "  let pendingHead = 0;",
      '    const item = r % 3 === 2 ? "skip" : (pendingHead < pending.length ? pending[pendingHead++] : undefined);',
      '    if (item !== "skip" && (pending.length - pendingHead) % 2 === 0) pending.push(item);',
      "  return [served, pending.length - pendingHead];",
    ],
  ],
  [
    "labels",
    ["    if (!queue.length) break;", "    const first = queue[0];", "    out.push(`${first.label}:${queue.length}`);", "    queue.shift();"],
    ["  let queueHead = 0;", "    if (!(queueHead < queue.length)) break;", "    const first = queue[queueHead];", "    out.push(`${first.label}:${queue.length - queueHead}`);", "    if (queueHead < queue.length) queueHead++;"],
  ],
];

for (const [fn, removedLines, addedLines] of cases) {
  test(`${fn}: the patch applies, the fixture's tests pass before and after, and only the needed lines change`, () => {
    const found = findingsFor(queueShift, FILE, fixtureText("queue-shift", FILE), fn);
    assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
    assert.deepEqual(found.silences, []);
    const h = found.hypotheses[0]!.hypothesis;
    assert.equal(h.risk, "low");
    assert.ok(([] as string[]).concat(h.evidence ?? []).some((e) => /^risk: the consumed items stay in/.test(e)), JSON.stringify(h.evidence));
    assert.ok(typeof h.expected_impact === "number" && h.expected_impact > 0);
    const diff = (h.change as { diff: string }).diff;
    applyAndTest(dirs, "queue-shift", FILE, diff);
    const { removed, added } = changedLines(diff);
    assert.deepEqual(removed, removedLines);
    assert.deepEqual(added, addedLines);
  });
}

const silent: [string, string, RegExp][] = [
  ["a parameter", "function f(q) { let n = 0; while (q.length) n += q.shift(); return n; }", /not declared here with an array literal/],
  ["declared with var", "function f() { var q = [1]; let n = 0; while (q.length) n += q.shift(); return n; }", /var/],
  ["reassigned", "function f() { let q = [1]; let n = 0; while (q.length) { n += q.shift(); if (!n) q = []; } return n; }", /reassigned/],
  ["exported", "export const q = []; function f() { let n = 0; while (q.length) n += q.shift(); return n; }", /a for head or an export/],
  ["returned after the loop", "function f(xs) { const q = [...xs]; const out = []; while (q.length) out.push(q.shift()); return [out, q]; }", /used other than .*\[out, q\]/],
  ["passed to a function", "function f() { const q = [1]; let n = 0; while (q.length) { n += q.shift(); if (n < 9) q.push(n); } g(q); return n; }", /used other than .*g\(q\)/],
  ["captured by a nested function", "function f() { const q = [1]; const add = (v) => q.push(v); let n = 0; while (q.length) { n += q.shift(); if (n < 5) add(n); } return n; }", /captured by a nested function/],
  ["the value of push() is used", "function f() { const q = [1]; let n = 0; while (q.length) { n += q.shift(); if (n < 5) n = q.push(n); } return n; }", /used other than .*q\.push\(n\)/],
  ["iterated", "function f() { const q = [1]; let n = 0; while (q.length) { n += q.shift(); for (const y of q) n += y; } return n; }", /used other than .*for \(const y of q\)/],
  ["unshift()", "function f() { const q = [3]; let n = 0; while (q.length) { n += q.shift(); if (n < 9) q.unshift(n); } return n; }", /used other than .*q\.unshift\(n\)/],
  ["an index read other than [0]", "function f() { const q = [3]; let n = 0; while (q.length) { n += q.shift() + q[1]; } return n; }", /used other than .*q\[1\]/],
  ["a length write", "function f() { const q = [3]; let n = 0; while (q.length) { n += q.shift(); q.length = 0; } return n; }", /used other than/],
  ["used in its own declaration", "function f() { const q = [1], n0 = q.length; let n = 0; while (q.length) n += q.shift(); return n + n0; }", /own declaration/],
];
for (const [name, text, reason] of silent) {
  test(`silent when ${name}`, () => {
    const found = findingsFor(queueShift, "x.js", text, "f");
    assert.equal(found.hypotheses.length, 0, (found.hypotheses[0]?.hypothesis.change as { diff?: string } | undefined)?.diff ?? "");
    assert.ok(found.silences.some((s) => reason.test(s.reason)), JSON.stringify(found.silences));
  });
}

function addedOf(path: string, text: string): string[] {
  const found = findingsFor(queueShift, path, text, "f");
  assert.equal(found.hypotheses.length, 1, JSON.stringify(found.silences));
  return changedLines((found.hypotheses[0]!.hypothesis.change as { diff: string }).diff).added;
}

test("TypeScript: `&&` tests, compound assignments and non-null assertions; the index goes beside a one-line declaration", () => {
  const text = "export function f(xs: number[]): number {\n  const q: number[] = [...xs]; let n = 0;\n  while (q.length !== 0 && n < 100) {\n    n += q.shift()!;\n    if (n % 2) q.push(n);\n  }\n  return n;\n}\n";
  assert.deepEqual(addedOf("x.ts", text), ["  const q: number[] = [...xs]; let qHead = 0; let n = 0;", "  while (q.length !== qHead && n < 100) {", "    n += q[qHead++]!;"]);
});

test("a do…while cannot prove the queue non-empty: the shift is guarded; a discarded shift after the test only moves the head", () => {
  const text = "function f(xs) {\n  const q = [...xs];\n  let n = 0;\n  do {\n    n += q.shift() ?? 0;\n  } while (q.length);\n  while (q.length) q.shift();\n  return n;\n}\n";
  assert.deepEqual(addedOf("x.js", text), ["  let qHead = 0;", "    n += (qHead < q.length ? q[qHead++] : undefined) ?? 0;", "  } while (qHead < q.length);", "  while (qHead < q.length) qHead++;"]);
});

test("a local `undefined` makes the guard use void 0; forEach callbacks may push", () => {
  const text = "function f(root, undefined) {\n  const q = [root];\n  let n = 0;\n  for (let i = 0; i < 9; i++) {\n    const x = q.shift();\n    if (x) { n++; x.kids.forEach((k) => q.push(k)); }\n  }\n  return n;\n}\n";
  assert.deepEqual(addedOf("x.js", text), ["  let qHead = 0;", "    const x = qHead < q.length ? q[qHead++] : void 0;"]);
});

test("TypeScript: an unannotated `let` keeps shift()'s `T | undefined` type through the guarded form", () => {
  const text = "export function f(xs: string[]): number {\n  const q = [...xs];\n  let n = 0;\n  while (q.length) {\n    let x = q.shift();\n    const y = q.shift();\n    if (x === 'a') x = undefined;\n    n += (x ?? '').length + (y ?? '').length;\n  }\n  return n;\n}\n";
  assert.deepEqual(addedOf("x.ts", text), ["  let qHead = 0;", "  while (qHead < q.length) {", "    let x = qHead < q.length ? q[qHead++] : undefined;", "    const y = qHead < q.length ? q[qHead++] : undefined;"]);
});
