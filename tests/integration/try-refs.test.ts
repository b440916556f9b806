// --try-branch / --try-commit: a ref's own change as a patch on the cycle's base, in real repositories.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { tryRefHypotheses } from "../../src/coordinator/try-refs.ts";
import { openRepo } from "../../src/git/index.ts";
import { parseHypotheses } from "../../src/research/hypotheses.ts";
import { removeDir, tempDir } from "../helpers/cli.ts";
import { git } from "../helpers/repo.ts";

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

function repoWithHistory(): { dir: string; base: string; fork: string } {
  const dir = tempDir("perfloop-try-refs-");
  dirs.push(dir);
  git(dir, "init", "-q", "-b", "main");
  writeFileSync(join(dir, "a.js"), "const a = 1;\nmodule.exports = a;\n");
  writeFileSync(join(dir, "b.js"), "const b = 1;\n");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "one");
  const fork = git(dir, "rev-parse", "HEAD").trim();
  git(dir, "checkout", "-qb", "fast");
  writeFileSync(join(dir, "a.js"), "const a = 2;\nmodule.exports = a;\n");
  git(dir, "commit", "-qam", "faster a");
  git(dir, "checkout", "-q", "main");
  // The base moves on after the fork: the branch must not revert this.
  writeFileSync(join(dir, "b.js"), "const b = 2;\n");
  writeFileSync(join(dir, "c.js"), "new\n");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "base moves on");
  return { dir, base: git(dir, "rev-parse", "HEAD").trim(), fork };
}

test("a branch behind the base is tried as its own change: the base's newer commits stay", async () => {
  const { dir, base } = repoWithHistory();
  const repo = await openRepo(fs, dir);
  const commit = git(dir, "rev-parse", "fast").trim();
  const result = await tryRefHypotheses(repo, base, [{ flag: "--try-branch", ref: "fast", commit }]);
  assert.deepEqual(result.skipped, []);
  const [h] = parseHypotheses({ version: 1, hypotheses: result.hypotheses }, "test");
  assert.equal(h!.id, "branch-fast");
  assert.deepEqual(h!.files_to_modify, ["a.js"]);
  assert.equal(h!.change.kind, "patch");
  writeFileSync(join(dir, "p.diff"), (h!.change as { diff: string }).diff);
  git(dir, "apply", "p.diff");
  assert.equal(fs.readFileSync(join(dir, "a.js"), "utf8"), "const a = 2;\nmodule.exports = a;\n");
  assert.equal(fs.readFileSync(join(dir, "b.js"), "utf8"), "const b = 2;\n", "the base's change to b.js is kept");
  assert.ok(fs.existsSync(join(dir, "c.js")), "the base's new file is kept");
});

test("a commit is tried as its own change (from its parent); a ref in the base or without a change is left out with the reason", async () => {
  const { dir, base, fork } = repoWithHistory();
  const repo = await openRepo(fs, dir);
  const commit = git(dir, "rev-parse", "fast").trim();
  const result = await tryRefHypotheses(repo, base, [
    { flag: "--try-commit", ref: "fast", commit },
    { flag: "--try-branch", ref: "old", commit: fork },
  ]);
  assert.equal(result.hypotheses.length, 1);
  assert.equal(result.hypotheses[0]!.id, `commit-${commit.slice(0, 12)}`);
  assert.match(result.hypotheses[0]!.description, /^The change of commit [0-9a-f]{12} \(fast\) \(from its parent\), applied to the base$/);
  assert.deepEqual(result.skipped, [{ ref: "old", reason: `--try-branch old (${fork.slice(0, 12)}) is already in the base` }]);
});
