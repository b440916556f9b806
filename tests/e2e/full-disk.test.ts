// A full disk, end to end through the compiled binary (docs/runtime.md, "Durability"): on a 4 MB
// tmpfs filled to leave from nothing to a whole run's worth of space, `perfloop run` must end with
// exit 0, 2 or 3, never an internal error; a failure is one line naming the file, ENOSPC and the
// way back; every state file that exists is whole; and once the space is freed, what that line
// said (resume, or run again) reaches DONE, with the person's repository intact (git fsck).
// The scenario is tests/e2e/full-disk-scenario.ts. It needs to mount a tmpfs: as root directly,
// else inside `unshare -Urm` (a user and mount namespace); else the test is skipped.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { after, test } from "node:test";
import { removeDir, tempDir } from "../helpers/cli.ts";
import { mountTmpfs, unmount } from "../helpers/tmpfs.ts";
import { fullDiskScenario, type LevelResult } from "./full-disk-scenario.ts";

const SIZE = "4m";
const mount = tempDir("perfloop-full-disk-");
after(() => {
  unmount(mount);
  removeDir(mount);
});

/** How the tmpfs can be had here: mounted by this process, inside a new namespace, or not at all. */
function mountMode(): "direct" | "unshare" | null {
  if (!process.env.PERFLOOP_BIN) return null;
  if (mountTmpfs(mount, SIZE)) return "direct";
  const probe = spawnSync("unshare", ["-Urm", "sh", "-c", `mount -t tmpfs -o size=${SIZE} tmpfs "$1"`, "sh", mount], { stdio: "ignore" });
  return probe.status === 0 ? "unshare" : null;
}

const mode = mountMode();
const skip = !process.env.PERFLOOP_BIN
  ? "set PERFLOOP_BIN to the compiled binary (npm run build) to run the e2e tests"
  : mode === null
    ? "cannot mount a tmpfs here (neither as root nor inside unshare -Urm): the full-disk test needs one"
    : false;

function checkLevels(results: LevelResult[]): void {
  const stopped = results.filter((result) => result.code !== 0);
  // Most levels must really hit the full disk, at different places, or the test proves nothing.
  assert.ok(stopped.length >= results.length / 2, `only ${stopped.length} of ${results.length} runs hit ENOSPC`);
  const files = new Set(stopped.map((result) => result.line?.replace(/ln-810-s-[\w-]+/, "<run>").split(":")[1]));
  assert.ok(files.size >= 5, `ENOSPC hit only ${[...files].join(", ")}`);
  assert.ok(stopped.some((result) => result.next === "resume"), "some runs were resumed");
}

test("a full disk at any point: one clean line, whole files, and DONE once there is space again", { skip, timeout: 240_000 }, async () => {
  if (mode === "direct") {
    checkLevels(await fullDiskScenario(mount, (text) => console.log(`full-disk: ${text}`)));
    return;
  }
  const script = join(import.meta.dirname, "full-disk-scenario.ts");
  const result = spawnSync("unshare", ["-Urm", "sh", "-c", `mount -t tmpfs -o size=${SIZE} tmpfs "$1" && exec "$2" "$3" "$1"`, "sh", mount, process.execPath, script], {
    encoding: "utf8",
    env: process.env,
    timeout: 230_000,
  });
  assert.equal(result.status, 0, `the scenario failed inside unshare -Urm:\n${result.stderr}`);
  checkLevels(JSON.parse(result.stdout.trim().split("\n").at(-1)!));
});
