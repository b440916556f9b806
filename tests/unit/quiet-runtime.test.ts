// The quiet runtime's environment handling (src/platform/quiet-runtime.ts): which commands restart
// quietly, what the replacement process is given, and that children get the person's own values back.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  personEnvironment,
  QUIET_MARKER,
  QUIET_SAVED,
  QUIET_SETTINGS,
  QUIET_SWITCH,
  quietEnvironment,
  wantsQuietRuntime,
} from "../../src/platform/quiet-runtime.ts";

test("measuring commands restart quietly; the others, an active quiet process and PERFLOOP_QUIET=0 do not", () => {
  for (const command of ["profile", "compare", "execute", "run", "demo"]) {
    assert.equal(wantsQuietRuntime([command, "x"], {}), true, command);
  }
  assert.equal(wantsQuietRuntime(["--slug", "s", "run", "sleep 1"], {}), true, "after a global flag");
  assert.equal(wantsQuietRuntime(["resume"], {}), false, "resume decides from the run on disk");
  assert.equal(wantsQuietRuntime(["profile", "fn:src/a.ts#f"], {}), false, "a function is measured in process");
  assert.equal(wantsQuietRuntime(["run", " fn:src/a.ts#f", "--mode", "plan_only"], {}), false);
  for (const args of [[], ["--version"], ["status"], ["report"], ["runtime", "status"], ["--help"], ["profile", "--help"], ["run", "-h"]]) {
    assert.equal(wantsQuietRuntime(args, {}), false, args.join(" "));
  }
  assert.equal(wantsQuietRuntime(["profile", "x"], { [QUIET_MARKER]: "1" }), false, "already quiet");
  assert.equal(wantsQuietRuntime(["profile", "x"], { [QUIET_SWITCH]: "0" }), false, "switched off");
  assert.equal(wantsQuietRuntime(["profile", "x"], { [QUIET_SWITCH]: "1" }), true);
});

test("the replacement process gets the settings, the marker and the person's values of those names", () => {
  const env = quietEnvironment({ PATH: "/bin", MIMALLOC_PURGE_DELAY: "7", DROPPED: undefined });
  for (const [name, value] of Object.entries(QUIET_SETTINGS)) assert.equal(env[name], value, name);
  assert.equal(env.PATH, "/bin");
  assert.equal("DROPPED" in env, false);
  assert.equal(env[QUIET_MARKER], "1");
  assert.deepEqual(JSON.parse(env[QUIET_SAVED]!), { BUN_JSC_useConcurrentJIT: null, MIMALLOC_PURGE_DELAY: "7" });
});

test("children see the environment as the person gave it", () => {
  const original = { PATH: "/bin", HOME: "/home/p", MIMALLOC_PURGE_DELAY: "7" };
  assert.deepEqual(personEnvironment(quietEnvironment(original)), original);
  const none = { PATH: "/bin" };
  assert.deepEqual(personEnvironment(quietEnvironment(none)), none);
  // Not a quiet process: the environment is passed on untouched, settings of the person's included.
  const own = { PATH: "/bin", BUN_JSC_useConcurrentJIT: "1" };
  assert.equal(personEnvironment(own), own);
});

test("a damaged saved record drops the settings rather than passing perfloop's own on", () => {
  for (const saved of ["{", "[]", "null", '{"MIMALLOC_PURGE_DELAY": 5}', '{"PATH": "/evil"}']) {
    const env = { PATH: "/bin", ...QUIET_SETTINGS, [QUIET_MARKER]: "1", [QUIET_SAVED]: saved };
    assert.deepEqual(personEnvironment(env), { PATH: "/bin" }, saved);
  }
});
