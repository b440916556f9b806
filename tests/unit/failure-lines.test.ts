// The tail of a command's output with the lines further up that name its failing tests
// (src/execute/test-output/failure-lines.ts, with src/platform/marked-lines.ts keeping them): a
// runner that prints the failure first and a long coverage table after it still gets its test
// named, in bounded memory.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { failureGist } from "../../src/execute/failure-gist.ts";
import { FAILURE_MARKS, tailWithFailures } from "../../src/execute/test-output/failure-lines.ts";
import { MarkedLines } from "../../src/platform/marked-lines.ts";

const TAIL_LINES = 40;
const COVERAGE = Array.from({ length: 200 }, (_, i) => `lib/module-${i}.js |     100 |      100 |     100 |     100 |`);

/** Streams `stdout` and `stderr` line by line (stdout first), and returns the tail as Workspace.run builds it. */
function tailOf(stdout: readonly string[], stderr: readonly string[] = []): string {
  const marked = new MarkedLines(FAILURE_MARKS);
  for (const line of stdout) marked.push("stdout", line);
  for (const line of stderr) marked.push("stderr", line);
  return tailWithFailures({ stdout: stdout.join("\n") + "\n", stderr: stderr.join("\n"), keptLines: marked.result() }, TAIL_LINES);
}

test("a failing TAP test followed by a 200-line coverage table is still named", () => {
  const output = ["TAP version 13", "ok 1 - sums one", "not ok 2 - sums to 100", "  ---", "  message: 'expected 5050, got 10000'", "  ...", "1..2", "# fail 1", ...COVERAGE];
  const lastLines = output.slice(-TAIL_LINES).join("\n");
  assert.doesNotMatch(failureGist(lastLines), /sums to 100/, "the last lines alone do not name it: the test would prove nothing");
  const tail = tailOf(output);
  assert.equal(failureGist(tail), "sums to 100 failed: expected 5050, got 10000");
  assert.ok(tail.endsWith(COVERAGE[199]!), "the tail still ends with the output's end");
});

test("node-tap's suites far above the failure are kept with it", () => {
  // The recording has `# Subtest: test/math.test.js` 50 lines above its failing assertion.
  const recorded = readFileSync(new URL("../fixtures/runner-output/tap.txt", import.meta.url), "utf8").trimEnd().split("\n");
  const many = Array.from({ length: 300 }, (_, i) => [`        # Subtest: passes ${i}`, "            ok 1 - should be equal", "            1..1", `        ok ${i + 1} - passes ${i}`]).flat();
  const output = [...recorded.slice(0, 4), ...many, ...recorded.slice(4), ...COVERAGE];
  assert.equal(failureGist(tailOf(output)), "test/math.test.js > math > multiplies failed: 3 times 4 is 12, expected 12, got 7");
});

test("lines the tail holds are not repeated above it, whichever stream they came from", () => {
  const tail = tailOf(["ok 1 - a", "not ok 2 - b"], ["warning: something"]);
  assert.equal(tail, "ok 1 - a\nnot ok 2 - b\nwarning: something");
  // The failure on stderr far up, stdout's lines after it: kept once, above the tail.
  const mixed = tailOf(COVERAGE, ["Error: boom", ...Array.from({ length: 50 }, (_, i) => `log ${i}`)]);
  assert.equal(mixed.split("\n").filter((line) => line === "Error: boom").length, 1);
  assert.match(failureGist(mixed), /^Error: boom$/);
});

test("memory stays bounded: a flood of failures keeps a few hundred short lines", () => {
  const marked = new MarkedLines(FAILURE_MARKS);
  const long = "x".repeat(10_000);
  for (let i = 0; i < 20_000; i++) marked.push("stdout", i % 2 === 0 ? `not ok ${i} - t${i} ${long}` : `Error: e${i}`);
  const lines = tailWithFailures({ stdout: "", stderr: "", keptLines: marked.result() }, 0).split("\n");
  assert.ok(lines.length <= 250, String(lines.length));
  assert.ok(lines.every((line) => line.length <= 400));
  assert.match(lines[0]!, /^not ok 0 - t0 x+$/);
});

test("without kept lines (a command that could not start), the tail alone", () => {
  assert.equal(tailWithFailures({ stdout: "a\nb\n\n", stderr: "c\n" }, 2), "b\nc");
  assert.equal(tailWithFailures({ stdout: "", stderr: "" }, 40), "");
});

test("logged errors do not use up the room a runner's failure needs", () => {
  const logged = Array.from({ length: 5_000 }, (_, i) => `Error: request ${i} refused (this test expects it)`);
  const output = [...logged, "not ok 7 - keeps the session", "  ---", "  message: 'expected 1 session, got 0'", "  ...", ...COVERAGE];
  assert.equal(failureGist(tailOf(output)), "keeps the session failed: expected 1 session, got 0");
});
