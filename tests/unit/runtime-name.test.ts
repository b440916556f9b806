// The suite runs under Bun and under Deno; this proves which one is running (as tinybench's CI does).
import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { detectPlatform } from "../../src/platform/index.ts";

test("the platform layer detects the runtime the suite is running under", () => {
  const expected = process.env.PERFLOOP_EXPECT_RUNTIME;
  const platform = detectPlatform();
  if (expected) assert.equal(platform.runtime, expected);
  assert.ok(["bun", "deno"].includes(platform.runtime), `unexpected runtime ${platform.runtime}`);
  assert.match(platform.runtimeVersion, /^\d+\.\d+\.\d+/);
  assert.equal(platform.compiled, false);
});

test("detectPlatform picks the implementation from the global it is given", () => {
  const fakeDeno = { version: { deno: "9.9.9" }, execPath: () => "/x/deno", mainModule: "file:///p/src/main.ts" };
  const deno = detectPlatform({ Deno: fakeDeno });
  assert.equal(deno.runtime, "deno");
  assert.equal(deno.runtimeVersion, "9.9.9");
  assert.deepEqual(deno.selfCommand(), ["/x/deno", "run", "-A", "--no-check", "/p/src/main.ts"]);
  assert.equal(detectPlatform({ Bun: { version: "1.2.3" } }).runtime, "bun");
});
