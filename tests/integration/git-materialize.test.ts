// The side work tree (src/git/materialize.ts, deps-link.ts, worktree-read.ts) on real repositories
// made with the git CLI, under Bun (`bun test`) and Deno (`deno test -A --no-check`).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as fs from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, test } from "node:test";
import { materialize, updateWorkTree, writeChanges } from "../../src/git/materialize.ts";
import { readWorkTree } from "../../src/git/worktree-read.ts";
import { DEPENDENCY_DIRS } from "../../src/git/deps-link.ts";
import { PerfloopError } from "../../src/errors.ts";
import { assertUntouched, BINARY, git, makeRepo, open, runtimeName, scratchDir, snapshotPerson, snapshotTree, write } from "./git-fixture.ts";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

function fixture(): string {
  const { dir, cleanup } = makeRepo();
  cleanups.push(cleanup);
  return dir;
}

function sideDir(dir: string, slug = "demo"): string {
  return join(dir, ".hex-skills", "optimization", slug, "worktree");
}

test("runs under Bun or Deno", () => {
  const expected = process.env.PERFLOOP_EXPECT_RUNTIME;
  if (expected) assert.equal(runtimeName(), expected);
  assert.notEqual(runtimeName(), "node");
});

test("materialize lays out HEAD exactly as `git archive | tar -x` does: bytes, modes, symlinks", async () => {
  const dir = fixture();
  const repo = await open(dir);
  const side = sideDir(dir);
  const result = await materialize(repo, "HEAD", side, { linkDependencies: false });
  assert.equal(result.commit, git(dir, "rev-parse", "HEAD").trim());
  assert.equal(result.tree, git(dir, "rev-parse", "HEAD^{tree}").trim());
  assert.equal(result.files, git(dir, "ls-tree", "-r", "--name-only", "HEAD").trim().split("\n").length);
  assert.equal(result.files, 11);

  const scratch = scratchDir("archive");
  cleanups.push(() => rmSync(scratch, { recursive: true, force: true }));
  const reference = join(scratch, "tree");
  mkdirSync(reference);
  git(dir, "archive", "--format=tar", "-o", join(scratch, "head.tar"), "HEAD");
  // --no-same-permissions: the umask applies, as it does to git checkout and to perfloop.
  execFileSync("tar", ["-xf", join(scratch, "head.tar"), "-C", reference, "--no-same-permissions"], { stdio: ["ignore", "pipe", "pipe"] });

  assert.deepEqual(snapshotTree(side, []), snapshotTree(reference, []));
  assert.equal(lstatSync(join(side, "bin/run.sh")).mode & 0o111, 0o111 & lstatSync(join(reference, "bin/run.sh")).mode);
  assert.ok((lstatSync(join(side, "bin/run.sh")).mode & 0o100) !== 0, "the script stays executable");
  assert.equal(readlinkSync(join(side, "link-to-index")), "src/index.js");
  assert.equal(readlinkSync(join(side, "bin/src-link")), "../src");
  assert.deepEqual(new Uint8Array(readFileSync(join(side, "assets/blob.bin"))), BINARY);
  assert.equal(readFileSync(join(side, "docs/naïve.md"), "utf8"), "unicode name\n");
  assert.ok(!existsSync(join(side, "debug.log")), "ignored, untracked files are not part of the commit");
});

test("materialize, linking and reading back leave the person's HEAD, index and files byte-identical", async () => {
  const dir = fixture();
  const before = snapshotPerson(dir);
  const repo = await open(dir);
  const side = sideDir(dir);
  await materialize(repo, "main", side);
  await materialize(repo, "HEAD", side, { replace: true });
  await readWorkTree(repo, side, { base: "HEAD" });
  assertUntouched(before, dir, "materialize");
  // The person's dependency folder survives `replace` (the link is removed, not followed).
  assert.equal(readFileSync(join(dir, "node_modules/dep/index.js"), "utf8"), "module.exports = 'dep';\n");
});

test("ignored dependency folders are linked into the side tree; tracked or absent ones are not", async () => {
  const dir = fixture();
  // A workspace package with its own node_modules, a tracked vendor/ (must stay a copy), a venv.
  write(dir, "packages/ui/package.json", "{}\n");
  write(dir, "packages/ui/node_modules/x/index.js", "x\n");
  write(dir, "vendor/lib.php", "<?php\n");
  write(dir, "composer.json", "{}\n");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "workspace");
  write(dir, ".venv/bin/python", "#!/bin/sh\n", 0o755);
  writeFileSync(join(dir, ".gitignore"), "node_modules/\n*.log\n.venv/\n");
  git(dir, "commit", "-q", "-am", "ignore venv");

  const repo = await open(dir);
  const side = sideDir(dir);
  const result = await materialize(repo, "HEAD", side);
  assert.deepEqual(result.linked, [".venv", "node_modules", "packages/ui/node_modules"]);
  for (const path of result.linked) {
    assert.ok(lstatSync(join(side, path)).isSymbolicLink(), `${path} is a link`);
    assert.equal(realpathSync(join(side, path)), join(dir, path));
  }
  assert.equal(readFileSync(join(side, "node_modules/dep/index.js"), "utf8"), "module.exports = 'dep';\n");
  assert.ok(lstatSync(join(side, "vendor")).isDirectory(), "a tracked vendor/ is materialized, not linked");
  assert.ok(!existsSync(join(side, "venv")), "absent folders are not linked");
  assert.ok(DEPENDENCY_DIRS.every((dep) => dep.name !== "target" && dep.name !== "__pycache__"));
});

test("materialize refuses a non-empty directory unless replace, and never the repository itself", async () => {
  const dir = fixture();
  const repo = await open(dir);
  const side = sideDir(dir);
  mkdirSync(side, { recursive: true });
  writeFileSync(join(side, "stale.txt"), "old\n");
  await assert.rejects(materialize(repo, "HEAD", side), (error: unknown) => error instanceof PerfloopError && error.code === "worktree_exists");
  await materialize(repo, "HEAD", side, { replace: true });
  assert.ok(!existsSync(join(side, "stale.txt")));
  await assert.rejects(materialize(repo, "HEAD", dir, { replace: true }), (error: unknown) => error instanceof PerfloopError && error.code === "bad_worktree_dir");
  await assert.rejects(materialize(repo, "HEAD", join(dir, ".."), { replace: true }), (error: unknown) => error instanceof PerfloopError && error.code === "bad_worktree_dir");
  assert.ok(existsSync(join(dir, "README.md")));
});

test("materialize of an older commit and of a branch", async () => {
  const dir = fixture();
  const first = git(dir, "rev-parse", "HEAD").trim();
  git(dir, "switch", "-q", "-c", "feature");
  write(dir, "src/index.js", "export const answer = 43;\n");
  git(dir, "commit", "-q", "-am", "change");
  git(dir, "switch", "-q", "main");
  const repo = await open(dir);
  await materialize(repo, first.slice(0, 8), join(dir, ".hex-skills/a"));
  await materialize(repo, "feature", join(dir, ".hex-skills/b"));
  assert.equal(readFileSync(join(dir, ".hex-skills/a/src/index.js"), "utf8"), "export const answer = 42;\n");
  assert.equal(readFileSync(join(dir, ".hex-skills/b/src/index.js"), "utf8"), "export const answer = 43;\n");
});

test("writeChanges edits a side tree; readWorkTree reads it back as git add -A would", async () => {
  const dir = fixture();
  const repo = await open(dir);
  const side = sideDir(dir);
  await materialize(repo, "HEAD", side);
  const text = (value: string) => new TextEncoder().encode(value);
  await writeChanges(fs, side, new Map([
    ["src/index.js", { mode: "100644", data: text("export const answer = 1;\n") }],
    ["src/new/file.js", { mode: "100755", data: text("#!/usr/bin/env node\n") }],
    ["src/nested/deep/data.txt", null],
    ["link-to-index", { mode: "120000", data: text("README.md") }],
  ]));
  assert.ok(!existsSync(join(side, "src/nested/deep")), "an emptied directory is removed");
  assert.ok((lstatSync(join(side, "src/new/file.js")).mode & 0o100) !== 0);
  assert.equal(readlinkSync(join(side, "link-to-index")), "README.md");
  // Things a build or a test leaves behind that git ignores; a link made by perfloop.
  write(side, "out.log", "ignored by *.log\n");
  write(side, "src/__pycache__/m.pyc", "ignored dir\n");
  assert.ok(lstatSync(join(side, "node_modules")).isSymbolicLink());

  const tree = await readWorkTree(repo, side, { base: "HEAD" });
  assert.deepEqual([...tree.keys()].sort(), [
    ".gitignore", "README.md", "assets/blob.bin", "bin/run.sh", "bin/src-link", "docs/naïve.md",
    "link-to-index", "package.json", "src/index.js", "src/nested/with space.txt", "src/new/file.js",
  ]);
  assert.equal(tree.get("src/new/file.js")?.mode, "100755");
  assert.equal(tree.get("bin/run.sh")?.mode, "100755");
  assert.equal(tree.get("bin/src-link")?.mode, "120000");
  assert.equal(new TextDecoder().decode(tree.get("link-to-index")?.data), "README.md");
  assert.deepEqual(tree.get("assets/blob.bin")?.data, BINARY);
  // The side tree's own node_modules link survives a reading; the person's folder is intact.
  assert.ok(existsSync(join(dir, "node_modules/dep/index.js")));
  symlinkSync("/nonexistent", join(side, "dangling"));
  assert.equal((await readWorkTree(repo, side, { base: "HEAD" })).get("dangling")?.mode, "120000");
});

test("writeChanges refuses paths that leave the work tree", async () => {
  const dir = fixture();
  const side = sideDir(dir);
  mkdirSync(side, { recursive: true });
  for (const path of ["../escape", "/abs", "a/../../b", ".git/config"]) {
    await assert.rejects(
      writeChanges(fs, side, new Map([[path, { mode: "100644", data: new Uint8Array() }]])),
      (error: unknown) => error instanceof PerfloopError && error.code === "unsafe_path",
      path,
    );
  }
  assert.ok(!existsSync(join(dir, ".hex-skills/optimization/escape")));
});

test("updateWorkTree moves a side tree between commits, rewriting only what differs", async () => {
  const dir = fixture();
  const first = git(dir, "rev-parse", "HEAD").trim();
  git(dir, "switch", "-q", "-c", "feature");
  write(dir, "src/index.js", "export const answer = 43;\n");
  // A file that becomes a directory, a removed file, a new executable.
  git(dir, "rm", "-q", "src/nested/deep/data.txt", "README.md");
  write(dir, "src/nested/deep/data.txt/now-a-dir.txt", "");
  write(dir, "added/tool.sh", "#!/bin/sh\n", 0o755);
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "second");
  git(dir, "switch", "-q", "main");
  const repo = await open(dir);
  const side = sideDir(dir);
  await materialize(repo, first, side);
  const result = await updateWorkTree(repo, side, first, "feature");
  assert.deepEqual(result.changed, ["README.md", "added/tool.sh", "src/index.js", "src/nested/deep/data.txt", "src/nested/deep/data.txt/now-a-dir.txt"]);
  const fresh = join(dir, ".hex-skills", "fresh");
  await materialize(repo, "feature", fresh);
  assert.deepEqual(snapshotTree(side, []), snapshotTree(fresh, []));
  assert.ok(lstatSync(join(side, "node_modules")).isSymbolicLink(), "the dependency link stays");
  const back = await updateWorkTree(repo, side, "feature", first);
  assert.equal(back.changed.length, 5);
  await materialize(repo, first, fresh, { replace: true });
  assert.deepEqual(snapshotTree(side, []), snapshotTree(fresh, []));
});
