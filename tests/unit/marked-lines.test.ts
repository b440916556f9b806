// MarkedLines (src/platform/marked-lines.ts): the lines kept from anywhere in an output, around
// the lines that match a mark, in bounded memory.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MarkedLines } from "../../src/platform/marked-lines.ts";

const texts = (marked: MarkedLines) => marked.result().lines.map((line) => line.text);

test("a mark keeps the lines before and after it, each once, with its place in its stream", () => {
  const marked = new MarkedLines({ marks: [{ pattern: "^FAIL", maxLines: 100 }], before: 2, after: 1 });
  for (const line of ["a", "b", "c", "FAIL one", "d", "FAIL two", "e", "f", "g"]) marked.push("stdout", line);
  marked.push("stderr", "h");
  marked.push("stderr", "");
  assert.deepEqual(texts(marked), ["b", "c", "FAIL one", "d", "FAIL two", "e"]);
  const { lines, lastText } = marked.result();
  assert.deepEqual(lines.map((line) => [line.seq, line.stream, line.index]).slice(0, 3), [[1, "stdout", 1], [2, "stdout", 2], [3, "stdout", 3]]);
  assert.deepEqual(lastText, { stdout: 8, stderr: 0 });
});

test("an earlier mark's room is its own: lines of a later mark cannot use it up", () => {
  const marked = new MarkedLines({ marks: [{ pattern: "^not ok", maxLines: 3 }, { pattern: "Error", maxLines: 2 }], before: 0, after: 1 });
  for (let i = 0; i < 1000; i++) marked.push("stdout", `Error ${i}`);
  marked.push("stdout", "not ok 1 - real");
  marked.push("stdout", "  detail");
  for (let i = 0; i < 1000; i++) marked.push("stdout", `not ok ${i + 2} - more`);
  assert.deepEqual(texts(marked), ["Error 0", "Error 1", "not ok 1 - real", "  detail", "not ok 2 - more"]);
});

test("the latest scope line of each smaller indentation comes with a mark", () => {
  const marked = new MarkedLines({ marks: [{ pattern: "not ok", maxLines: 100 }], scope: "# Subtest: ", before: 0, after: 0 });
  const output = ["# Subtest: file", "    # Subtest: old suite", "        ok 1 - x", "    # Subtest: suite", ...Array.from({ length: 50 }, (_, i) => `        ok ${i} - y`), "        not ok 51 - z"];
  for (const line of output) marked.push("stdout", line);
  assert.deepEqual(texts(marked), ["# Subtest: file", "    # Subtest: suite", "        not ok 51 - z"]);
});

test("whatever the output, at most the marks' lines, each cut short", () => {
  const marked = new MarkedLines({ marks: [{ pattern: "x", maxLines: 50 }], scope: "x", before: 8, after: 24 });
  const long = "x".repeat(100_000);
  for (let i = 0; i < 10_000; i++) marked.push(i % 2 ? "stdout" : "stderr", long);
  const lines = marked.result().lines;
  assert.equal(lines.length, 50);
  assert.ok(lines.every((line) => line.text.length === 400)); // KEPT_LINE_CHARS
  // No marks: nothing kept, and every line passed over.
  const none = new MarkedLines({ marks: [], before: 8, after: 24 });
  none.push("stdout", "anything");
  assert.deepEqual(none.result(), { lines: [], lastText: { stdout: 0, stderr: -1 } });
});
