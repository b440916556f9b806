import assert from "node:assert/strict";
import { test } from "node:test";
import { failureGist } from "../../src/execute/failure-gist.ts";

test("the gist of a failing test run is its error line, not a code frame or the runtime banner", () => {
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
  assert.equal(failureGist(node), "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:");
  assert.equal(failureGist("ok 1 - a\nnot ok 2 - b\n# fail 1"), "not ok 2 - b");
  assert.equal(failureGist("compiling\nexit status 3"), "compiling | exit status 3");
  assert.equal(failureGist(""), "no output");
  // Deno colours its errors even into a pipe: the gist is plain text.
  assert.equal(failureGist("\u001b[0m\u001b[1m\u001b[31merror\u001b[0m: Uncaught (in promise) AssertionError: 1 !== 2"), "error: Uncaught (in promise) AssertionError: 1 !== 2");
});
