// A measuring command runs in a quiet runtime (src/platform/quiet-runtime.ts): under Bun, source or
// binary, the perfloop process that starts the measured command was restarted with the settings;
// the measured command itself sees the person's environment, their own values of those names
// included. Linux only: the parent's start environment is read from /proc/<ppid>/environ.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, test } from "node:test";
import { cli, removeDir, runtimeName, tempDir } from "../helpers/cli.ts";
import { git } from "../helpers/repo.ts";

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));
const skip = existsSync("/proc/self/environ") ? false : "needs /proc (Linux)";
const underBun = process.env.PERFLOOP_BIN !== undefined || runtimeName() === "bun";

/** Profiles one run of a command that records its own and its parent's environment. */
function recordEnvironments(extraEnv: Record<string, string>): { child: Map<string, string>; parent: Map<string, string> } {
  const dir = tempDir("perfloop-quiet-");
  dirs.push(dir);
  git(dir, "init", "-q");
  // The process that started the command: its parent, or above perfloop's peak-memory launcher
  // (src/platform/peak-launcher.ts), which sits between them on x86_64 Linux.
  const line = `env > child.env; p=$PPID; case "$(cat /proc/$p/comm)" in perfloop-peak*) p=$(cut -d' ' -f4 /proc/$p/stat);; esac; tr '\\0' '\\n' < /proc/$p/environ > parent.env`;
  const result = cli(["profile", line, "--runs", "1", "--warmup", "0", "--json"], { cwd: dir, env: extraEnv });
  assert.equal(result.code, 0, `profile: ${result.stderr}`);
  const read = (name: string) => new Map(readFileSync(join(dir, name), "utf8").split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] as [string, string]));
  return { child: read("child.env"), parent: read("parent.env") };
}

test("the measured command sees the person's environment, not the quiet runtime's settings", { skip }, () => {
  const { child, parent } = recordEnvironments({ MIMALLOC_PURGE_DELAY: "7", PERFLOOP_TEST_MARK: "yes" });
  assert.equal(child.get("PERFLOOP_TEST_MARK"), "yes");
  assert.equal(child.get("MIMALLOC_PURGE_DELAY"), "7", "the person's own value comes back");
  for (const name of ["BUN_JSC_useConcurrentJIT", "PERFLOOP_QUIET_ACTIVE", "PERFLOOP_QUIET_SAVED"]) {
    assert.equal(child.has(name), false, `${name} must not reach the command`);
  }
  if (underBun) {
    assert.equal(parent.get("PERFLOOP_QUIET_ACTIVE"), "1", "perfloop restarted itself quietly");
    assert.equal(parent.get("BUN_JSC_useConcurrentJIT"), "0");
    assert.equal(parent.get("MIMALLOC_PURGE_DELAY"), "-1");
  } else {
    assert.equal(parent.has("PERFLOOP_QUIET_ACTIVE"), false, "only Bun restarts");
  }
});

test("PERFLOOP_QUIET=0 keeps the runtime as it started", { skip }, () => {
  const { child, parent } = recordEnvironments({ PERFLOOP_QUIET: "0" });
  assert.equal(parent.has("PERFLOOP_QUIET_ACTIVE"), false);
  assert.equal(parent.has("BUN_JSC_useConcurrentJIT"), false);
  assert.equal(child.get("PERFLOOP_QUIET"), "0");
});
