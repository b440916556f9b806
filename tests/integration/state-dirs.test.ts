// perfloop's directories made and checked one component at a time (src/runtime/state-dirs.ts)
// and the primitives that use them (src/runtime/atomic-fs.ts): a link or a file anywhere on the
// way, or a link at the file itself, is refused before anything is written or removed where it
// points. Real directories and links.
import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { appendDurable, removeStateFile, writeJsonAtomic } from "../../src/runtime/atomic-fs.ts";
import { ensureStateDir, splitStatePath, StateDirError } from "../../src/runtime/state-dirs.ts";
import { removeDir, tempDir } from "../helpers/cli.ts";

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

function project(): { root: string; away: string } {
  const root = tempDir("perfloop-state-");
  const away = tempDir("perfloop-away-");
  dirs.push(root, away);
  writeFileSync(join(away, "keep.txt"), "mine\n");
  return { root, away };
}

const RUN_DIR = ".hex-skills/optimization/runtime/runs/r1";

test("ensureStateDir makes every component as a real directory, and is idempotent", () => {
  const { root } = project();
  const made = ensureStateDir(root, RUN_DIR);
  assert.equal(made, join(root, RUN_DIR));
  assert.ok(lstatSync(made).isDirectory());
  assert.equal(ensureStateDir(root, RUN_DIR), made);
});

for (const component of [".hex-skills", ".hex-skills/optimization", ".hex-skills/optimization/runtime", ".hex-skills/optimization/runtime/runs", RUN_DIR]) {
  test(`a link at ${component} is refused; nothing is written where it points`, () => {
    const { root, away } = project();
    const parent = join(root, component, "..");
    mkdirSync(parent, { recursive: true });
    symlinkSync(away, join(root, component));
    assert.throws(
      () => writeJsonAtomic(join(root, RUN_DIR, "state.json"), { a: 1 }, 7),
      (error: unknown) => {
        assert.ok(error instanceof StateDirError, String(error));
        assert.equal(error.exitCode, 2);
        assert.equal(error.message, `${component} is a symbolic link (to ${away}): perfloop keeps its state inside the repository and never writes through a link`);
        assert.equal(error.hint, `remove the link (rm ${component}), then run the command again; perfloop makes a real directory there`);
        return true;
      },
    );
    assert.deepEqual(readdirSync(away), ["keep.txt"]);
    assert.throws(() => removeStateFile(join(root, RUN_DIR, "keep.txt")), StateDirError);
    assert.equal(readFileSync(join(away, "keep.txt"), "utf8"), "mine\n", "a delete does not go through the link either");
  });
}

test("a file where a directory belongs is refused", () => {
  const { root } = project();
  mkdirSync(join(root, ".hex-skills"));
  writeFileSync(join(root, ".hex-skills", "optimization"), "");
  assert.throws(() => ensureStateDir(root, RUN_DIR), /^StateDirError: \.hex-skills\/optimization is not a directory/);
});

test("a link at the state file itself is refused, for a snapshot and for an append", () => {
  const { root, away } = project();
  ensureStateDir(root, RUN_DIR);
  const state = join(root, RUN_DIR, "state.json");
  const history = join(root, RUN_DIR, "history.jsonl");
  symlinkSync(join(away, "keep.txt"), state);
  symlinkSync(join(away, "keep.txt"), history);
  assert.throws(() => writeJsonAtomic(state, { a: 1 }, 7), /is a symbolic link: perfloop never writes its state through a link/);
  assert.throws(() => appendDurable(history, "{}\n"), /is a symbolic link/);
  assert.equal(readFileSync(join(away, "keep.txt"), "utf8"), "mine\n");
  removeStateFile(state);
  assert.equal(existsSync(state), false, "removing it removes the link");
  assert.equal(readFileSync(join(away, "keep.txt"), "utf8"), "mine\n", "not what it points to");
});

test("splitStatePath: the first .hex-skills is the project's", () => {
  assert.deepEqual(splitStatePath("/r/.hex-skills/runtime-artifacts/runs/.hex-skills/x.json"), { root: "/r", relative: ".hex-skills/runtime-artifacts/runs/.hex-skills/x.json" });
  assert.equal(splitStatePath("/r/other/x.json"), null);
  assert.equal(splitStatePath("relative/.hex-skills/x"), null);
  assert.throws(() => ensureStateDir("/r", "elsewhere/x"), /not a directory of perfloop's state/);
  assert.throws(() => ensureStateDir("/r", ".hex-skills/../x"), /not a directory of perfloop's state/);
});
