// Durable writes that check themselves (src/runtime/atomic-fs.ts, write-error.ts) on a real, small
// tmpfs filled to the last page: a snapshot that does not fit leaves the old file whole and no temp
// file; an append that fits only in part (a short write, then ENOSPC) is cut back to its length
// before; the run store after a failed write loads the run as it was; a lock file whose body does
// not fit is not left behind; a read-only mount is EROFS. Skipped where a tmpfs cannot be mounted.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, test } from "node:test";
import { appendDurable, writeJsonAtomic } from "../../src/runtime/atomic-fs.ts";
import { RuntimeService } from "../../src/runtime/commands.ts";
import { tryCreateLock } from "../../src/runtime/lock-file.ts";
import { lockDeps } from "../../src/runtime/lock.ts";
import { WriteError } from "../../src/runtime/write-error.ts";
import { processAlive } from "../../src/platform/common.ts";
import { removeDir, tempDir, writeManifest } from "../helpers/cli.ts";
import { fillLeaving, mountTmpfs, PAGE_BYTES, remount, unmount } from "../helpers/tmpfs.ts";

const mountPoint = tempDir("perfloop-tmpfs-");
const mounted = mountTmpfs(mountPoint, "2m");
const skip = mounted ? false : "needs permission to mount a tmpfs (run as root)";
let dirCount = 0;

after(() => {
  if (mounted) unmount(mountPoint);
  removeDir(mountPoint);
});

/** A fresh directory on the tmpfs with the rest of the disk freed. */
function fresh(): string {
  for (const name of readdirSync(mountPoint)) rmSync(join(mountPoint, name), { recursive: true, force: true });
  const dir = join(mountPoint, `p${++dirCount}`);
  mkdirSync(dir);
  return dir;
}

const bigJson = (pages: number) => ({ padding: "x".repeat(pages * PAGE_BYTES) });

function assertEnospc(error: unknown, path: string): boolean {
  assert.ok(error instanceof WriteError, String(error));
  assert.equal(error.errno, "ENOSPC");
  assert.equal(error.path, path);
  assert.equal(error.exitCode, 2);
  assert.match(error.message, /^cannot write .+: no space left on device \(ENOSPC\)$/);
  assert.equal(error.hint, "free some space, then run the command again");
  return true;
}

test("a snapshot that does not fit leaves the old file whole and no temp file", { skip }, () => {
  const dir = fresh();
  const path = join(dir, ".hex-skills", "optimization", "runtime", "runs", "r1", "state.json");
  writeJsonAtomic(path, { version: 1 }, 4242);
  const old = readFileSync(path, "utf8");
  fillLeaving(mountPoint, PAGE_BYTES);
  assert.throws(() => writeJsonAtomic(path, bigJson(3), 4242), (error) => assertEnospc(error, path));
  assert.equal(readFileSync(path, "utf8"), old, "the old snapshot is untouched");
  assert.deepEqual(readdirSync(join(path, "..")), ["state.json"], "no temp file is left");
});

test("an append that fits only in part (a short write) is cut back to the length before", { skip }, () => {
  const dir = fresh();
  const path = join(dir, ".hex-skills", "optimization", "runtime", "runs", "r1", "history.jsonl");
  appendDurable(path, '{"sequence":1}\n');
  const before = readFileSync(path, "utf8");
  fillLeaving(mountPoint, PAGE_BYTES);
  // Four pages to append, one free: the kernel takes what fits (a short write), then says ENOSPC.
  const line = `${JSON.stringify({ sequence: 2, padding: "y".repeat(4 * PAGE_BYTES) })}\n`;
  assert.throws(() => appendDurable(path, line), (error) => assertEnospc(error, path));
  assert.equal(readFileSync(path, "utf8"), before, "no torn line is left");
});

test("after a failed write the run store loads the run as it was; with space again the same command succeeds", { skip }, () => {
  const dir = fresh();
  const platform = { pid: process.pid, now: () => Date.now(), processAlive };
  const service = (flags: Record<string, unknown>) =>
    new RuntimeService({ projectRoot: dir, cwd: dir, slug: "full", resolve: false, ...flags }, lockDeps(platform));
  const started = service({ manifestFile: writeManifest(dir, "full") }).run("start");
  assert.equal(started.body.ok, true, JSON.stringify(started.body));
  const runId = String(started.body.run_id);
  const files = service({}).store.runPaths(runId);
  const before = { history: readFileSync(files.history, "utf8"), state: readFileSync(files.state, "utf8"), checkpoints: readFileSync(files.checkpoints, "utf8") };
  const payload = JSON.stringify({ padding: "z".repeat(6 * PAGE_BYTES) });
  for (const leave of [0, PAGE_BYTES, 3 * PAGE_BYTES, 8 * PAGE_BYTES, 12 * PAGE_BYTES]) {
    const filler = fillLeaving(mountPoint, leave);
    let outcome;
    try {
      outcome = service({ phase: "PHASE_0_PREFLIGHT", payload }).run("checkpoint");
    } catch (error) {
      assert.ok(error instanceof WriteError, `${leave} bytes free: ${String(error)}`);
      assert.equal(error.errno, "ENOSPC");
    }
    const run = service({}).store.load(runId)!;
    if (outcome === undefined && readFileSync(files.history, "utf8") === before.history) {
      // The history write failed: nothing changed, every file is as it was.
      assert.equal(run.checkpoints._history.length, 0, `${leave} bytes free: the failed checkpoint is not there`);
      assert.equal(readFileSync(files.state, "utf8"), before.state);
      assert.equal(readFileSync(files.checkpoints, "utf8"), before.checkpoints);
    } else {
      // The history holds it (a snapshot may not have fitted): the run has it, the snapshots parse.
      assert.equal(run.checkpoints._history.length, 1, `${leave} bytes free: the recorded checkpoint is there`);
      for (const file of [files.state, files.checkpoints, files.manifest]) assert.doesNotThrow(() => JSON.parse(readFileSync(file, "utf8")), file);
      break;
    }
    for (const name of readdirSync(files.run_dir)) assert.doesNotMatch(name, /\.tmp-/, "no temp file is left");
    rmSync(filler);
  }
  rmSync(join(mountPoint, "filler"), { force: true });
  const again = service({ phase: "PHASE_0_PREFLIGHT", payload: "{}" }).run("checkpoint");
  assert.equal(again.body.ok, true, JSON.stringify(again.body));
});

test("a lock file whose body does not fit is not left behind", { skip }, () => {
  const dir = fresh();
  const path = join(dir, ".hex-skills", "optimization", "runtime", ".lock");
  mkdirSync(join(path, ".."), { recursive: true });
  fillLeaving(mountPoint, 0);
  assert.throws(() => tryCreateLock(path, `${JSON.stringify({ pid: 1, started_at: new Date().toISOString() })}\n`), (error) => assertEnospc(error, path));
  assert.equal(existsSync(path), false, "no empty lock that would read as unreadable");
});

test("a read-only file system is EROFS, named with the file and the fix", { skip }, () => {
  const dir = fresh();
  const path = join(dir, ".hex-skills", "optimization", "sum", "report.json");
  writeJsonAtomic(path, { version: 1 }, 4242);
  assert.equal(remount(mountPoint, "ro"), null, "remounted read-only");
  try {
    assert.throws(
      () => writeJsonAtomic(path, { version: 2 }, 4242),
      (error: unknown) => {
        assert.ok(error instanceof WriteError, String(error));
        assert.equal(error.errno, "EROFS");
        assert.equal(error.message, "cannot write .hex-skills/optimization/sum/report.json: read-only file system (EROFS)");
        assert.match(error.hint ?? "", /^make it writable/);
        return true;
      },
    );
    assert.equal(JSON.parse(readFileSync(path, "utf8")).version, 1);
  } finally {
    remount(mountPoint, "rw");
  }
  writeFileSync(join(dir, "writable-again"), "");
});
