// The gist of a failing command (src/execute/failure-gist.ts): which test failed and how, read
// from the real output of each runner in tests/fixtures/runner-output/.
//
// How the recordings were made (on Linux, without a terminal: stdout, then stderr, as perfloop
// keeps them). Each suite has a `math` suite with a passing `adds` and a failing `multiplies`
// (multiply written as a + b, so 3 * 4 gives 7); each `-two` suite has three tests of an add
// written as a - b, two of them failing ("small numbers", "large numbers", the second with a deep
// equality where the runner has one).
//   node-test-spec*.txt  node 20.20.2: node --test --test-reporter=spec math.test.mjs / two.test.mjs
//   node-test-tap.txt    node 20.20.2: node --test --test-reporter=tap math.test.mjs
//   tap.txt              tap 21.8.0 (npm, in a scratch directory): tap test/math.test.js, with an
//                        untested function in math.js so that the coverage table is printed too
//   tape.txt             tape 5.10.2 (npm, in a scratch directory): node math.test.js, two tests named in
//                        comments (tape prints a second, empty TAP block at exit: recorded as is)
//   jest*.txt            jest 30.5.2: jest math.test.js / two.test.js
//   vitest*.txt          vitest 4.1.12: vitest run math.test.js / two.test.js (it colours a pipe)
//   mocha*.txt           mocha 12.0.3: mocha math.test.js / two.test.js
//   bun*.txt             bun 1.4.5: bun test (math.test.ts / two.test.ts)
//   deno*.txt            deno 2.9.6: deno test math_test.ts / two_test.ts (steps in the second; it colours a pipe)
//   pytest*.txt          pytest 9.0.3, Python 3.11.7: python3 -m pytest test_math.py / test_two.py (a class in the second)
//   go*.txt              go 1.19.8: go test ./... (go-two: t.Run subtests, three failing; go-verbose: the same with -v)
//   cargo*.txt           cargo 1.95.0: cargo test --offline on a library crate (cargo-two: a second
//                        failing test with an assert! message)
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { failureGist } from "../../src/execute/failure-gist.ts";
import { readBun, readDeno } from "../../src/execute/test-output/bun-deno.ts";
import { readJest, readMocha, readNodeSpec, readVitest } from "../../src/execute/test-output/js-runners.ts";
import { readCargo, readGo, readPytest } from "../../src/execute/test-output/native-runners.ts";
import { readTap } from "../../src/execute/test-output/tap.ts";

const RECORDINGS = new URL("../fixtures/runner-output/", import.meta.url);
const recording = (name: string) => readFileSync(new URL(name, RECORDINGS), "utf8");
/** A recording as the readers get it from failureGist: no colours, line ends trimmed. */
const linesOf = (name: string) => recording(name).replace(/\u001b\[[0-9;?]*[ -\/]*[@-~]/g, "").split("\n").map((line) => line.trimEnd());

/** Each recording, the reader that must recognise it, and its gist. */
const CASES: [file: string, reader: string, gist: string][] = [
  ["node-test-spec.txt", "readNodeSpec", "math > multiplies (math.test.mjs:11:3) failed: Expected values to be strictly equal: 7 !== 12"],
  ["node-test-spec-two.txt", "readNodeSpec", "math > adds small numbers (two.test.mjs:7:3) failed: Expected values to be strictly equal: -1 !== 3 (and 1 more)"],
  ["node-test-tap.txt", "readTap", "math > multiplies (math.test.mjs:11:3) failed: Expected values to be strictly equal: 7 !== 12"],
  ["tap.txt", "readTap", "test/math.test.js > math > multiplies failed: 3 times 4 is 12, expected 12, got 7"],
  ["tape.txt", "readTap", "math multiplies failed: 3 times 4 is 12, expected 12, got 7"],
  ["jest.txt", "readJest", "math › multiplies (math.test.js) failed: Expected: 12, Received: 7"],
  ["jest-two.txt", "readJest", "math › add › small numbers (two.test.js) failed: Expected: 3, Received: -1 (and 1 more)"],
  ["vitest.txt", "readVitest", "math.test.js > math > multiplies failed: expected 7 to be 12"],
  ["vitest-two.txt", "readVitest", "two.test.js > math > add > small numbers failed: expected -1 to be 3 (and 1 more)"],
  ["mocha.txt", "readMocha", "math > multiplies failed: Expected values to be strictly equal: 7 !== 12"],
  ["mocha-two.txt", "readMocha", "math > add > small numbers failed: Expected values to be strictly equal: -1 !== 3 (and 1 more)"],
  ["bun.txt", "readBun", "math > multiplies (math.test.ts) failed: Expected: 12, Received: 7"],
  ["bun-two.txt", "readBun", "math > add > small numbers (two.test.ts) failed: Expected: 3, Received: -1 (and 1 more)"],
  ["deno.txt", "readDeno", "multiplies (math_test.ts:10:6) failed: Expected values to be strictly equal: 7 !== 12"],
  ["deno-two.txt", "readDeno", "math > adds small numbers (two_test.ts:6:11) failed: Expected values to be strictly equal: -1 !== 3 (and 1 more)"],
  ["pytest.txt", "readPytest", "test_math.py::test_multiplies failed: assert 7 == 12"],
  ["pytest-two.txt", "readPytest", "test_two.py::TestAdd::test_small_numbers failed: assert -1 == 3 (and 1 more)"],
  ["go.txt", "readGo", "TestMultiply (example.com/mathlib) failed: math_test.go:13: Multiply(3, 4) = 7, want 12"],
  ["go-two.txt", "readGo", "TestMultiply/small (example.com/mathlib) failed: math_test.go:19: Multiply(3, 4) = 7, want 12 (and 2 more)"],
  ["go-verbose.txt", "readGo", "TestMultiply/small (example.com/mathlib) failed: math_test.go:19: Multiply(3, 4) = 7, want 12 (and 2 more)"],
  ["cargo.txt", "readCargo", "tests::multiplies (src/lib.rs:20:9) failed: assertion `left == right` failed, left: 7, right: 12"],
  ["cargo-two.txt", "readCargo", "tests::multiplies (src/lib.rs:20:9) failed: assertion `left == right` failed, left: 7, right: 12 (and 1 more)"],
];

const READERS = { readTap, readNodeSpec, readJest, readVitest, readMocha, readBun, readCargo, readDeno, readPytest, readGo };

test("every recording has a case", () => {
  assert.deepEqual(readdirSync(RECORDINGS).sort(), CASES.map(([file]) => file).sort());
});

for (const [file, , gist] of CASES) {
  test(`${file}: the gist names the failing test and its assertion`, () => {
    assert.equal(failureGist(recording(file)), gist);
  });
}

test("each recording is recognised by its own runner's reader alone (the order of the readers hides nothing)", () => {
  for (const [file, reader] of CASES) {
    const lines = linesOf(file);
    const claiming = Object.entries(READERS).filter(([, read]) => read(lines) !== null).map(([name]) => name);
    assert.deepEqual(claiming, [reader], file);
  }
});

test("the other failures are read too: a deep equality reads as its differing lines", () => {
  const second: [file: string, name: string, detail: string[]][] = [
    ["node-test-spec-two.txt", "math > adds large numbers (two.test.mjs:10:3)", ["Expected values to be strictly equal:", "-1000 !== 3000"]],
    ["jest-two.txt", "math › add › large numbers (two.test.js)", ['- "sum": 3000', '+ "sum": -1000']],
    ["vitest-two.txt", "two.test.js > math > add > large numbers", ["expected { sum: -1000 } to deeply equal { sum: 3000 }"]],
    ["mocha-two.txt", "math > add > large numbers", ["Expected values to be strictly deep-equal:", "+ sum: -1000", "- sum: 3000"]],
    ["bun-two.txt", "math > add > large numbers (two.test.ts)", ['- "sum": 3000', '+ "sum": -1000']],
    ["deno-two.txt", "adds large numbers (two_test.ts:14:6)", ["Expected values to be strictly deep-equal:", "+ sum: -1000", "- sum: 3000"]],
    ["pytest-two.txt", "test_two.py::TestAdd::test_large_numbers", ["large sums are wrong", "assert -1000 == 3000"]],
    ["go-two.txt", "TestMultiply/by_zero (example.com/mathlib)", ["math_test.go:19: Multiply(5, 0) = 5, want 0"]],
    ["cargo-two.txt", "tests::multiplies_by_zero (src/lib.rs:25:9)", ["5 * 0 should be 0, got 5"]],
  ];
  for (const [file, name, detail] of second) {
    const reader = READERS[CASES.find(([f]) => f === file)![1] as keyof typeof READERS];
    assert.deepEqual(reader(linesOf(file))!.failures[1], { name, detail }, file);
  }
});

test("a failure in the middle of the output is found, and the runner's count gives the rest", () => {
  // The ERRORS section of deno without its listing, three tests failing by its summary.
  const deno = ["ERRORS", "", "parses dates => ./date_test.ts:3:6", "error: AssertionError: Values are not equal.", "", "FAILURES", "", "FAILED | 4 passed | 3 failed (20ms)"].join("\n");
  assert.equal(failureGist(deno), "parses dates (date_test.ts:3:6) failed: Values are not equal. (and 2 more)");
  // A TAP parent that failed because of its child names the child, never itself.
  const tap = ["# Subtest: dates", "    # Subtest: parses ISO", "    not ok 1 - parses ISO", "      ---", "      error: 'Invalid Date'", "      ...", "    1..1", "not ok 1 - dates", "  ---", "  error: '1 subtest failed'", "  ...", "# fail 1"].join("\n");
  assert.equal(failureGist(tap), "dates > parses ISO failed: Invalid Date");
  // A skipped or todo point is no failure.
  assert.equal(failureGist("not ok 1 - later # TODO\nnot ok 2 - now\n# fail 1"), "now failed");
});

test("a gist is one line of at most 200 characters, the count of the others kept", () => {
  const name = "a".repeat(300);
  const gist = failureGist(`not ok 1 - ${name}\n  ---\n  message: ${"x".repeat(300)}\n  ...\nnot ok 2 - b\n# fail 5`);
  assert.ok(gist.length <= 200, String(gist.length));
  assert.match(gist, /^a{99}… failed: x+… \(and 4 more\)$/);
  assert.ok(!gist.includes("\n"));
  assert.ok(failureGist(`Error: ${"y".repeat(500)}`).length <= 200);
});

test("without a runner's format, the first error line (and the line it calls for), not a code frame or the runtime banner", () => {
  const node = [
    "node:assert:126",
    "  throw new AssertionError(obj);",
    "  ^",
    "",
    "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:",
    "",
    "'res' !== 'result'",
    "",
    "    at Object.<anonymous> (/tmp/x/test.js:5:8)",
    "  code: 'ERR_ASSERTION',",
    "}",
    "",
    "Node.js v20.20.2",
  ].join("\n");
  // Was the error line alone; the line it ends with ":" for says which values differ.
  assert.equal(failureGist(node), "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal: 'res' !== 'result'");
  // Was "not ok 2 - b": TAP is read as TAP, and the gist names the test.
  assert.equal(failureGist("ok 1 - a\nnot ok 2 - b\n# fail 1"), "b failed");
  assert.equal(failureGist("compiling\nexit status 3"), "compiling | exit status 3");
  assert.equal(failureGist(""), "no output");
  // Deno colours its errors even into a pipe: the gist is plain text.
  assert.equal(failureGist("\u001b[0m\u001b[1m\u001b[31merror\u001b[0m: Uncaught (in promise) AssertionError: 1 !== 2"), "error: Uncaught (in promise) AssertionError: 1 !== 2");
  // The first error, not the last line: a summary after it says less.
  assert.equal(failureGist("building\nTypeError: x is not a function\n    at f (a.js:1:1)\n1 error\ndone in 3s"), "TypeError: x is not a function");
  // Prose that says "not ok" is not TAP.
  assert.equal(failureGist("checking\nnot ok: the disk is full"), "not ok: the disk is full");
});
