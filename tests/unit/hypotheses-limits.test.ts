// The limits of hypotheses (docs/hypotheses.md, "Limits"): binary parts of patches, env knob
// names perfloop controls, value and size bounds, and how sizes are counted and shown.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { UsageError } from "../../src/errors.ts";
import { parseHypotheses } from "../../src/research/hypotheses.ts";
import {
  envBytes,
  formatLimit,
  formatSize,
  MAX_ENV_TOTAL_BYTES,
  MAX_ENV_VALUE_BYTES,
  MAX_HYPOTHESES_FILE_BYTES,
  MAX_PATCH_BYTES,
  reservedEnvReason,
  utf8Bytes,
} from "../../src/research/hypotheses-schema.ts";
import { binaryPart } from "../../src/research/patch-paths.ts";

describe("binaryPart", () => {
  const cases: [name: string, diff: string, expected: ReturnType<typeof binaryPart>][] = [
    ["a text patch", "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n", null],
    ["git --binary", "diff --git a/img.png b/img.png\nnew file mode 100644\nGIT binary patch\nliteral 10\nRcmZQz\n\nliteral 0\nHcmV?d\n", { file: "img.png", line: "GIT binary patch" }],
    ["git without --binary", "diff --git a/a b/img.png\nBinary files a/a and b/img.png differ\n", { file: "img.png", line: "Binary files a/a and b/img.png differ" }],
    ["GNU diff", "Binary files old/x.bin and new/x.bin differ\n", { file: null, line: "Binary files old/x.bin and new/x.bin differ" }],
    ["a lone delta block", "--- a/x\n+++ b/x\ndelta 12\nabc\n", { file: "x", line: "delta 12" }],
    ["CRLF line ends", "diff --git a/x b/x\r\nGIT binary patch\r\n", { file: "x", line: "GIT binary patch" }],
    ["marker text inside a hunk is text", "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n GIT binary patch\n-literal 10\n+Binary files a and b differ\n", null],
  ];
  for (const [name, diff, expected] of cases) {
    test(name, () => assert.deepEqual(binaryPart(diff), expected));
  }
});

describe("reservedEnvReason", () => {
  const cases: [name: string, reserved: RegExp | null][] = [
    ["GIT_DIR", /away from your repository/],
    ["GIT_WORK_TREE", /away from your repository/],
    ["GIT_INDEX_FILE", /away from your repository/],
    ["GIT_OBJECT_DIRECTORY", /away from your repository/],
    ["GIT_ALTERNATE_OBJECT_DIRECTORIES", /away from your repository/],
    ["GIT_COMMON_DIR", /away from your repository/],
    ["GIT_CEILING_DIRECTORIES", /away from your repository/],
    ["GIT_CONFIG", /configuration/],
    ["GIT_CONFIG_GLOBAL", /configuration/],
    ["GIT_CONFIG_KEY_0", /configuration/],
    ["TMPDIR", /scratch directory/],
    ["TMP", /scratch directory/],
    ["TEMP", /scratch directory/],
    ["PERFLOOP_QUIET", /perfloop's own/],
    ["PERFLOOP_", /perfloop's own/],
    ["UV_THREADPOOL_SIZE", null],
    ["GIT_AUTHOR_NAME", null],
    ["TMPDIRS", null],
    ["tmpdir", null],
    ["NODE_OPTIONS", null],
  ];
  for (const [name, reserved] of cases) {
    test(`${name}: ${reserved ? "reserved" : "free"}`, () => {
      const reason = reservedEnvReason(name);
      if (reserved === null) assert.equal(reason, null);
      else assert.match(reason ?? "", reserved);
    });
  }
});

describe("sizes", () => {
  const bytes: [text: string, expected: number][] = [
    ["", 0],
    ["abc", 3],
    ["é", 2],
    ["€", 3],
    ["🚀", 4],
    ["\ud800x", 4],
  ];
  for (const [text, expected] of bytes) {
    test(`utf8Bytes(${JSON.stringify(text)}) = ${expected}`, () => {
      assert.equal(utf8Bytes(text), expected);
      if (!/[\ud800-\udfff]/.test(text)) assert.equal(utf8Bytes(text), new TextEncoder().encode(text).length);
    });
  }
  const shown: [bytes: number, expected: string][] = [
    [5, "5 bytes"],
    [1536, "1.5 KiB (1536 bytes)"],
    [3_000_000, "2.9 MiB (3000000 bytes)"],
  ];
  for (const [n, expected] of shown) test(`formatSize(${n})`, () => assert.equal(formatSize(n), expected));
  test("the documented limits", () => {
    assert.deepEqual(
      [MAX_HYPOTHESES_FILE_BYTES, MAX_PATCH_BYTES, MAX_ENV_VALUE_BYTES, MAX_ENV_TOTAL_BYTES].map(formatLimit),
      ["16 MiB", "5 MiB", "32 KiB", "128 KiB"],
    );
  });
  test("envBytes counts NAME=value", () => assert.equal(envBytes({ A: "1", BC: "é" }), 3 + 5));
});

describe("parseHypotheses refuses what it cannot carry", () => {
  const env = (set: Record<string, string>) => ({ version: 1, hypotheses: [{ id: "H1", description: "d", change: { kind: "env", set } }] });
  const patch = (diff: string) => ({ version: 1, hypotheses: [{ id: "H1", description: "d", change: { kind: "patch", diff } }] });
  const cases: [name: string, input: unknown, message: RegExp, hint: RegExp][] = [
    ["a NUL byte", env({ A: "1\u00002" }), /^h\.json: hypothesis H1: change\.set\.A must not contain a NUL byte$/, /ends at its first NUL/],
    ["a value over 32 KiB", env({ A: "x".repeat(MAX_ENV_VALUE_BYTES + 1) }), /change\.set\.A is 32\.0 KiB \(32769 bytes\), over the limit of 32 KiB for one value$/, /Linux refuses/],
    ["four values of 32 KiB", env({ A: "x".repeat(MAX_ENV_VALUE_BYTES), ...Object.fromEntries(["B", "C", "D"].map((n) => [n, "y".repeat(MAX_ENV_VALUE_BYTES)])) }), /change\.set is 128\.0 KiB \(131080 bytes\) in all, over the limit of 128 KiB per hypothesis$/, /Linux refuses/],
    ["GIT_DIR", env({ GIT_DIR: "/x" }), /change\.set\.GIT_DIR is set by perfloop itself: it keeps commands/, /^remove it/],
    ["PERFLOOP_X", env({ PERFLOOP_X: "1" }), /change\.set\.PERFLOOP_X is set by perfloop itself: PERFLOOP_ variables/, /^remove it/],
    ["a bad name", env({ "A-B": "1" }), /change\.set\.A-B names must be environment variable names/, /docs\/hypotheses\.md/],
    ["a binary inline patch", patch("diff --git a/i.png b/i.png\nGIT binary patch\nliteral 1\nx\n"), /change\.diff has a binary part \(i\.png: GIT binary patch\)$/, /"kind":"branch"/],
    ["an inline patch over 5 MiB", patch(`--- a/x\n+++ b/x\n@@ -0,0 +1 @@\n+${"x".repeat(MAX_PATCH_BYTES)}\n`), /change\.diff is 5\.0 MiB \(\d+ bytes\), over the limit of 5 MiB for a patch$/, /smaller hypotheses/],
  ];
  for (const [name, input, message, hint] of cases) {
    test(name, () => {
      try {
        parseHypotheses(input, "h.json");
        assert.fail("accepted");
      } catch (error) {
        assert.ok(error instanceof UsageError, String(error));
        assert.match(error.message, message);
        assert.match(error.hint ?? "", hint);
      }
    });
  }
  test("a value of exactly 32 KiB and names perfloop leaves alone are accepted", () => {
    const [h] = parseHypotheses(env({ A: "x".repeat(MAX_ENV_VALUE_BYTES), GIT_AUTHOR_NAME: "me" }), "h.json");
    assert.equal(h!.change.kind, "env");
  });
});
