import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { UsageError } from "../../src/errors.ts";
import { describeTarget, parseTarget, slugFromTarget } from "../../src/profile/target.ts";
import { removeDir, tempDir } from "../helpers/cli.ts";

const root = tempDir();
mkdirSync(join(root, "src"));
writeFileSync(join(root, "src", "parse.ts"), "export function parse(s: string) { return s.length; }\n");
after(() => removeDir(root));

function usage(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof UsageError, String(error));
    assert.match(error.message, pattern);
    assert.ok(error.hint, "a usage error names the fix");
    return true;
  });
}

describe("parseTarget", () => {
  test("a shell command is kept exactly as given", () => {
    assert.deepEqual(parseTarget("  npm run build -- --prod ", { projectRoot: root }), { kind: "command", command: "npm run build -- --prod" });
    assert.deepEqual(parseTarget("sh -c 'echo a | wc -c'", { projectRoot: root }), { kind: "command", command: "sh -c 'echo a | wc -c'" });
  });

  test("fn:<file>#<export> resolves the file against the project root, with JSON args", () => {
    const spec = parseTarget("fn:src/parse.ts#parse", { projectRoot: root, args: '["abc"]' });
    assert.deepEqual(spec, { kind: "function", file: join(root, "src", "parse.ts"), export_name: "parse", args: ["abc"] });
    const single = parseTarget("fn:src/parse.ts#parse", { projectRoot: root, args: "42" });
    assert.deepEqual(single.kind === "function" && single.args, [42]);
  });

  test("http(s) URLs become endpoints with bounded requests", () => {
    const spec = parseTarget("http://127.0.0.1:3000/align?x=1", { projectRoot: root, requests: 50, concurrency: 2, method: "post" });
    assert.deepEqual(spec, { kind: "endpoint", url: "http://127.0.0.1:3000/align?x=1", method: "POST", requests: 50, concurrency: 2 });
    const defaults = parseTarget("https://example.test/", { projectRoot: root });
    assert.equal(defaults.kind === "endpoint" && defaults.requests, 200);
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ["", {}, /target is empty/],
    ["fn:src/parse.ts", {}, /needs a file and an export/],
    ["fn:#parse", {}, /needs a file and an export/],
    ["fn:src/parse.ts#", {}, /needs a file and an export/],
    ["fn:src/parse.ts#not-a-name", {}, /not an export name/],
    ["fn:src/missing.ts#parse", {}, /file not found/],
    ["fn:src#parse", {}, /file not found/],
    ["fn:src/parse.ts#parse", { args: "[1," }, /--args is not valid JSON/],
    ["ftp://host/file", {}, /unknown target form/],
    ["http://127.0.0.1/", { requests: 0 }, /--requests must be at least 1/],
    ["http://127.0.0.1/", { requests: 2.5 }, /--requests must be a whole number/],
    ["http://127.0.0.1/", { concurrency: -1 }, /--concurrency must be at least 1/],
    ["http://127.0.0.1/", { requests: 10_000_000 }, /at most 100000/],
    ["http://127.0.0.1/", { method: "GE T" }, /not an HTTP method/],
    ["make bench", { args: "[]" }, /--args applies to fn:/],
    ["http://127.0.0.1/", { args: "[1]" }, /--args applies to fn:/],
  ];
  for (const [target, extra, pattern] of bad) {
    test(`refuses ${JSON.stringify(target)} ${JSON.stringify(extra)}`, () => {
      usage(() => parseTarget(target, { projectRoot: root, ...extra }), pattern);
    });
  }
});

describe("slugFromTarget and describeTarget", () => {
  const cases: Array<[string, string]> = [
    ["npm run build", "npm-run-build"],
    ["python3 scripts/slow.py --size 1000 --extra", "python3-scripts-slow-py-size-1000"],
    ["http://127.0.0.1:3000/align/v2", "127-0-0-1-3000-align-v2"],
    ["fn:src/parse.ts#parse", "fn-parse-parse"],
  ];
  for (const [target, slug] of cases) {
    test(`${target} -> ${slug}`, () => {
      assert.equal(slugFromTarget(parseTarget(target, { projectRoot: root })), slug);
    });
  }
  test("slugs are bounded in length", () => {
    const long = slugFromTarget(parseTarget(`run ${"x".repeat(200)}`, { projectRoot: root }));
    assert.ok(long.length <= 48);
  });
  test("descriptions name the kind", () => {
    assert.equal(describeTarget({ kind: "command", command: "make" }), "command: make");
    assert.match(describeTarget(parseTarget("http://127.0.0.1:9/x", { projectRoot: root })), /^GET http:\/\/127\.0\.0\.1:9\/x \(200 requests, 4 at a time\)$/);
  });
});
