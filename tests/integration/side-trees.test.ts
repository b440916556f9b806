// The side work trees go when a run ends (removeSideTrees, src/execute/workspace.ts), and the
// removal never follows a link: not the links a command left inside a tree, not a link standing
// for the trees' directory or one above it. Real directories and links.
import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { removeSideTrees } from "../../src/execute/workspace.ts";
import { removeDir, tempDir } from "../helpers/cli.ts";

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

const SLUG = "sum";

function project(): { root: string; slugDir: string; away: string } {
  const root = tempDir("perfloop-trees-");
  const away = tempDir("perfloop-trees-away-");
  dirs.push(root, away);
  writeFileSync(join(away, "keep.txt"), "mine\n");
  const slugDir = join(root, ".hex-skills", "optimization", SLUG);
  mkdirSync(slugDir, { recursive: true });
  writeFileSync(join(slugDir, "report.json"), "{}\n");
  return { root, slugDir, away };
}

test("the whole worktree/ goes, the links inside are removed rather than followed, the slug's other files stay", () => {
  const { root, slugDir, away } = project();
  const trees = join(slugDir, "worktree");
  for (const side of ["base", "candidate", "alternative", "profile", ".tmp-base"]) {
    mkdirSync(join(trees, side, "src"), { recursive: true });
    writeFileSync(join(trees, side, "src", "work.sh"), "echo\n");
  }
  symlinkSync(away, join(trees, "base", "node_modules"));
  symlinkSync(join(away, "keep.txt"), join(trees, "candidate", "src", "linked.txt"));
  assert.equal(removeSideTrees(root, SLUG), null);
  assert.equal(existsSync(trees), false);
  assert.deepEqual(readdirSync(slugDir), ["report.json"]);
  assert.deepEqual(readdirSync(away), ["keep.txt"]);
  assert.equal(readFileSync(join(away, "keep.txt"), "utf8"), "mine\n");
});

test("no trees: nothing to do", () => {
  const { root } = project();
  assert.equal(removeSideTrees(root, SLUG), null);
  assert.equal(removeSideTrees(root, "never-ran"), null);
});

test("a link standing for worktree/ is left (perfloop never wrote trees behind it); where it points is untouched", () => {
  const { root, slugDir, away } = project();
  symlinkSync(away, join(slugDir, "worktree"));
  assert.equal(removeSideTrees(root, SLUG), null);
  assert.ok(lstatSync(join(slugDir, "worktree")).isSymbolicLink());
  assert.deepEqual(readdirSync(away), ["keep.txt"]);
});

test("a link above it (the slug's directory) is not followed either", () => {
  const { root, slugDir, away } = project();
  mkdirSync(join(away, "worktree", "base"), { recursive: true });
  removeDir(slugDir);
  symlinkSync(away, slugDir);
  assert.equal(removeSideTrees(root, SLUG), null);
  assert.equal(existsSync(join(away, "worktree", "base")), true);
});
