// perfloop's writes into a side work tree never follow a symlink (src/git/no-follow.ts, writeChanges,
// updateWorkTree, materialize with replace, the dependency links' private copies), on real
// repositories made with the git CLI, under Bun (`bun test`) and Deno (`deno test -A --no-check`).
// Every test compares the person's tree and an outside sentinel directory byte for byte (bytes,
// permission bits, link targets) before and after.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, test } from "node:test";
import { materialize, updateWorkTree, writeChanges } from "../../src/git/materialize.ts";
import { readWorkTree } from "../../src/git/worktree-read.ts";
import { dependencyLinkSource } from "../../src/git/deps-link.ts";
import { copyTree, emptyDir } from "../../src/git/no-follow.ts";
import { PerfloopError } from "../../src/errors.ts";
import type { FileEntry, TreeChanges } from "../../src/git/types.ts";
import { assertUntouched, git, makeRepo, open, runtimeName, scratchDir, snapshotPerson, snapshotTree, write } from "./git-fixture.ts";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

function fixture(): string {
  const { dir, cleanup } = makeRepo();
  cleanups.push(cleanup);
  return dir;
}

function scratch(prefix: string): string {
  const dir = scratchDir(prefix);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A directory outside every tree: files, an executable, a nested directory, a link. */
function sentinel(): string {
  const dir = join(scratch("outside"), "sentinel");
  write(dir, "keep.txt", "keep me\n");
  write(dir, "index.js", "outside index\n");
  write(dir, "tool.sh", "#!/bin/sh\n", 0o755);
  write(dir, "nested/with space.txt", "outside nested\n");
  write(dir, "nested/deep/data.txt", "outside deep\n");
  symlinkSync("keep.txt", join(dir, "link"));
  return dir;
}

function sideDir(dir: string, side = "candidate"): string {
  return join(dir, ".hex-skills", "optimization", "demo", "worktree", side);
}

const text = (value: string): FileEntry => ({ mode: "100644", data: new TextEncoder().encode(value) });
const link = (target: string): FileEntry => ({ mode: "120000", data: new TextEncoder().encode(target) });
const isCode = (code: string) => (error: unknown) => error instanceof PerfloopError && error.code === code;

test("runs under Bun or Deno", () => {
  const expected = process.env.PERFLOOP_EXPECT_RUNTIME;
  if (expected) assert.equal(runtimeName(), expected);
  assert.notEqual(runtimeName(), "node");
});

test(`fs.rm recursive follows no link inside the directory it removes, nor a link it is given (${runtimeName()})`, async () => {
  const outside = sentinel();
  const before = snapshotTree(outside, []);
  const base = scratch("rm");
  for (const remove of [(path: string) => fs.rmSync(path, { recursive: true, force: true }), (path: string) => fs.promises.rm(path, { recursive: true, force: true })]) {
    const tree = join(base, "tree");
    mkdirSync(join(tree, "sub/deeper"), { recursive: true });
    symlinkSync(outside, join(tree, "abs"));
    symlinkSync("../../outside-rel", join(tree, "sub/rel"));
    symlinkSync(join(outside, "keep.txt"), join(tree, "sub/deeper/file-link"));
    symlinkSync(outside, join(base, "outside-rel"));
    await remove(tree);
    assert.ok(!existsSync(tree));
    await remove(join(base, "outside-rel"));
    assert.throws(() => lstatSync(join(base, "outside-rel")), "the link itself is removed");
    assert.deepEqual(snapshotTree(outside, []), before);
  }
});

test("the person's node_modules/victim survives a change creating node_modules/victim; the side tree writes into its own copy", async () => {
  const dir = fixture();
  write(dir, "node_modules/victim/index.js", "module.exports = 'victim';\n");
  write(dir, "node_modules/victim/bin/cli.js", "#!/usr/bin/env node\n", 0o755);
  mkdirSync(join(dir, "node_modules/.bin"));
  symlinkSync("../victim/bin/cli.js", join(dir, "node_modules/.bin/victim"));
  symlinkSync(join(dir, "README.md"), join(dir, "node_modules/abs-link"));
  const before = snapshotPerson(dir);
  const repo = await open(dir);
  const side = sideDir(dir);
  const result = await materialize(repo, "HEAD", side);
  assert.deepEqual(result.linked, ["node_modules"]);
  assert.equal(dependencyLinkSource(fs, side, "node_modules"), join(dir, "node_modules"));

  await writeChanges(fs, side, new Map([["node_modules/victim", text("now a file\n")]]));
  assertUntouched(before, dir, "writeChanges through the dependency link");
  assert.equal(readFileSync(join(dir, "node_modules/victim/index.js"), "utf8"), "module.exports = 'victim';\n");
  assert.ok(lstatSync(join(side, "node_modules")).isDirectory(), "the link became the side tree's own folder");
  assert.equal(readFileSync(join(side, "node_modules/victim"), "utf8"), "now a file\n");
  // The rest of the person's folder is copied, links as links with the same target text.
  assert.equal(readFileSync(join(side, "node_modules/dep/index.js"), "utf8"), "module.exports = 'dep';\n");
  assert.equal(readlinkSync(join(side, "node_modules/.bin/victim")), "../victim/bin/cli.js");
  assert.equal(readlinkSync(join(side, "node_modules/abs-link")), join(dir, "README.md"));
  assert.ok(!existsSync(join(side, ".node_modules.perfloop-copy")));

  // A deletion inside the copy, and a write through a link inside the copy (a workspace link).
  symlinkSync(join(dir, "src"), join(side, "node_modules/workspace-pkg"));
  await writeChanges(fs, side, new Map<string, FileEntry | null>([["node_modules/dep/index.js", null], ["node_modules/workspace-pkg/index.js", text("side\n")]]));
  assertUntouched(before, dir, "writes inside the private copy");
  assert.ok(!existsSync(join(side, "node_modules/dep")));
  assert.ok(lstatSync(join(side, "node_modules/workspace-pkg")).isDirectory());

  // The private copy is not read back into a commit, as the link was not.
  const tree = await readWorkTree(repo, side, { base: "HEAD" });
  assert.ok(![...tree.keys()].some((path) => path.startsWith("node_modules")), [...tree.keys()].join(", "));
  await materialize(repo, "HEAD", side, { replace: true });
  assert.ok(lstatSync(join(side, "node_modules")).isSymbolicLink(), "replace links the person's folder again");
  assertUntouched(before, dir, "materialize replace after a private copy");
});

test("an untracked, unignored dependency folder copied privately is still not read back; a link elsewhere at that path is not copied", async () => {
  const dir = fixture();
  write(dir, "pkg/package.json", "{}\n");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "workspace package");
  write(dir, "pkg/node_modules/lib/index.js", "lib\n");
  write(dir, ".venv/bin/python", "#!/bin/sh\n", 0o755); // the fixture's .gitignore does not name .venv
  const before = snapshotPerson(dir);
  const outside = sentinel();
  const outsideBefore = snapshotTree(outside, []);
  const repo = await open(dir);
  const side = sideDir(dir);
  const result = await materialize(repo, "HEAD", side);
  assert.deepEqual(result.linked, [".venv", "node_modules", "pkg/node_modules"]);
  await writeChanges(fs, side, new Map([[".venv/bin/activate", text("# side\n")], ["pkg/node_modules/lib/extra.js", text("extra\n")]]));
  assert.ok(lstatSync(join(side, ".venv")).isDirectory());
  assert.equal(readFileSync(join(side, ".venv/bin/python"), "utf8"), "#!/bin/sh\n");
  assert.equal(readFileSync(join(side, "pkg/node_modules/lib/index.js"), "utf8"), "lib\n");
  const tree = await readWorkTree(repo, side, { base: "HEAD" });
  assert.ok(![...tree.keys()].some((path) => path.startsWith(".venv") || path.includes("node_modules")), [...tree.keys()].join(", "));
  assertUntouched(before, dir, "private copies");

  // A command replaced the link with one to some other folder: replaced by an empty directory, never followed or copied.
  rmSync(join(side, "node_modules"));
  symlinkSync(outside, join(side, "node_modules"));
  assert.equal(dependencyLinkSource(fs, side, "node_modules"), null);
  await writeChanges(fs, side, new Map([["node_modules/keep.txt", text("side\n")]]));
  assert.deepEqual(fs.readdirSync(join(side, "node_modules")), ["keep.txt"]);
  assert.deepEqual(snapshotTree(outside, []), outsideBefore);
  assertUntouched(before, dir, "a foreign link at a dependency path");
});

test("a symlink a -> b and a file a/x: in one writeChanges (either order) and in successive ones, no EEXIST, nothing written outside", async () => {
  const dir = fixture();
  const before = snapshotPerson(dir);
  const outside = sentinel();
  const outsideBefore = snapshotTree(outside, []);
  const repo = await open(dir);
  const side = sideDir(dir);
  await materialize(repo, "HEAD", side);
  for (const target of [outside, "../../../../../../src", "src"]) {
    // One call: the later entry wins, as if applied one by one.
    await writeChanges(fs, side, new Map([["lib", link(target)], ["lib/x.js", text("x\n")]]));
    assert.ok(lstatSync(join(side, "lib")).isDirectory());
    assert.deepEqual(fs.readdirSync(join(side, "lib")), ["x.js"]);
    await writeChanges(fs, side, new Map<string, FileEntry | null>([["lib/x.js", null], ["lib", link(target)]]));
    assert.equal(readlinkSync(join(side, "lib")), target);
    await writeChanges(fs, side, new Map([["lib/x.js", text("x\n")], ["lib", link(target)]]));
    assert.equal(readlinkSync(join(side, "lib")), target);
    // Successive calls, as two hypotheses applied on resume: the link is replaced, not followed.
    await writeChanges(fs, side, new Map([["lib/x.js", text("x again\n")], ["lib/deeper/y.js", text("y\n")]]));
    assert.ok(lstatSync(join(side, "lib")).isDirectory());
    assert.equal(readFileSync(join(side, "lib/x.js"), "utf8"), "x again\n");
    // And back again, as diffTrees gives it: the file deleted, the link written.
    await writeChanges(fs, side, new Map<string, FileEntry | null>([["lib/x.js", null], ["lib/deeper/y.js", null], ["lib", link(target)]]));
    assert.equal(readlinkSync(join(side, "lib")), target);
    await writeChanges(fs, side, new Map<string, FileEntry | null>([["lib", null]]));
    assert.ok(!existsSync(join(side, "lib")));
  }
  assert.deepEqual(snapshotTree(outside, []), outsideBefore);
  assertUntouched(before, dir, "a link and a file under it");
});

test("links a command planted in a side tree (to an outside directory, to the person's repo) are replaced by writeChanges, updateWorkTree and materialize replace, never followed", async () => {
  const dir = fixture();
  const first = git(dir, "rev-parse", "HEAD").trim();
  write(dir, "src/index.js", "export const answer = 43;\n");
  write(dir, "src/nested/deep/more.txt", "more\n");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "second");
  const second = git(dir, "rev-parse", "HEAD").trim();
  const before = snapshotPerson(dir);
  const outside = sentinel();
  const outsideBefore = snapshotTree(outside, []);
  const repo = await open(dir);
  const side = sideDir(dir);
  const fresh = join(dir, ".hex-skills", "fresh");
  await materialize(repo, second, fresh, { linkDependencies: false });

  const plant = (path: string, target: string): void => {
    rmSync(join(side, path), { recursive: true, force: true });
    symlinkSync(target, join(side, path));
  };
  const check = (what: string): void => {
    assert.deepEqual(snapshotTree(outside, []), outsideBefore, `${what}: the outside directory changed`);
    assertUntouched(before, dir, what);
  };
  for (const target of [outside, join(dir, "src")]) {
    // writeChanges: a write and a deletion under the link, and one two levels down.
    await materialize(repo, first, side, { replace: true });
    plant("src", target);
    await writeChanges(fs, side, new Map<string, FileEntry | null>([["src/index.js", text("side\n")], ["src/nested/with space.txt", null]]));
    assert.ok(lstatSync(join(side, "src")).isDirectory());
    assert.deepEqual(fs.readdirSync(join(side, "src")), ["index.js"]);
    check(`writeChanges through src -> ${target}`);

    await materialize(repo, first, side, { replace: true });
    plant("src/nested", join(target, "nested"));
    plant("src/index.js", join(target, "index.js")); // a leaf that is a link to a file outside
    symlinkSync(join(target, "keep.txt"), join(side, "src/planted-dangling-or-not"));
    await writeChanges(fs, side, new Map([["src/index.js", text("side\n")], ["src/nested/deep/data.txt", text("side deep\n")]]));
    assert.ok(lstatSync(join(side, "src/index.js")).isFile());
    assert.ok(lstatSync(join(side, "src/nested")).isDirectory());
    check(`writeChanges through src/nested -> ${target}/nested`);

    // updateWorkTree through the planted link: the changed files land in a real src/.
    await materialize(repo, first, side, { replace: true, linkDependencies: false });
    plant("src", target);
    await updateWorkTree(repo, side, first, second);
    check(`updateWorkTree through src -> ${target}`);
    assert.equal(readFileSync(join(side, "src/index.js"), "utf8"), "export const answer = 43;\n");
    assert.ok(lstatSync(join(side, "src")).isDirectory());
    await updateWorkTree(repo, side, second, first);
    plant("src/nested", join(target, "nested"));
    await updateWorkTree(repo, side, first, second);
    check(`updateWorkTree through src/nested -> ${target}/nested`);

    // materialize replace: the links inside are removed, not followed.
    plant("src", target);
    symlinkSync(target, join(side, "extra-link"));
    await materialize(repo, second, side, { replace: true, linkDependencies: false });
    assert.deepEqual(snapshotTree(side, []), snapshotTree(fresh, []));
    check(`materialize replace over src -> ${target}`);
  }
});

test("materialize replace keeps the side tree's root directory (its inode); a root that is a link is unlinked, its target untouched", async () => {
  const dir = fixture();
  const before = snapshotPerson(dir);
  const outside = sentinel();
  const outsideBefore = snapshotTree(outside, []);
  const repo = await open(dir);
  const side = sideDir(dir);
  await materialize(repo, "HEAD", side);
  const inode = statSync(side).ino;
  write(side, "stale/file.txt", "left by a test\n");
  symlinkSync(outside, join(side, "stale/out"));
  await materialize(repo, "HEAD", side, { replace: true });
  assert.equal(statSync(side).ino, inode, "the same directory, emptied and filled");
  assert.ok(!existsSync(join(side, "stale")));
  assert.ok(lstatSync(join(side, "node_modules")).isSymbolicLink());
  await materialize(repo, "HEAD", side, { replace: true });
  assert.equal(statSync(side).ino, inode);

  // The root itself is a link (to an outside directory, then to the person's src).
  for (const target of [outside, join(dir, "src")]) {
    rmSync(side, { recursive: true, force: true });
    symlinkSync(target, side);
    await assert.rejects(materialize(repo, "HEAD", side), isCode("worktree_exists"));
    await assert.rejects(writeChanges(fs, side, new Map([["x", text("x\n")]])), isCode("bad_worktree_dir"));
    await assert.rejects(updateWorkTree(repo, side, "HEAD", "HEAD"), isCode("bad_worktree_dir"));
    await materialize(repo, "HEAD", side, { replace: true });
    assert.ok(lstatSync(side).isDirectory() && !lstatSync(side).isSymbolicLink());
    assert.equal(readFileSync(join(side, "README.md"), "utf8"), "# fixture\n");
  }
  // A file at the root.
  rmSync(side, { recursive: true, force: true });
  writeFileSync(side, "a file\n");
  await materialize(repo, "HEAD", side, { replace: true });
  assert.ok(lstatSync(side).isDirectory());
  assert.deepEqual(snapshotTree(outside, []), outsideBefore);
  assertUntouched(before, dir, "materialize replace of a linked root");
});

test("a side tree whose parent directories inside the repository are links is refused, naming the link", async () => {
  const dir = fixture();
  const repo = await open(dir);
  const outside = sentinel();
  const side = sideDir(dir);
  await materialize(repo, "HEAD", side);
  const outsideBefore = snapshotTree(outside, []);
  const before = snapshotPerson(dir);
  const optimization = join(dir, ".hex-skills", "optimization");
  fs.cpSync(join(optimization, "demo"), join(outside, "demo"), { recursive: true, verbatimSymlinks: true });
  const planted = snapshotTree(outside, []);
  rmSync(optimization, { recursive: true, force: true });
  symlinkSync(outside, optimization);
  const namesLink = (error: unknown): boolean => error instanceof PerfloopError && error.code === "bad_worktree_dir" && error.message.includes(optimization);
  await assert.rejects(materialize(repo, "HEAD", side, { replace: true }), namesLink);
  await assert.rejects(materialize(repo, "HEAD", sideDir(dir, "other")), namesLink);
  await assert.rejects(updateWorkTree(repo, side, "HEAD", "HEAD"), namesLink);
  await assert.rejects(writeChanges(fs, side, new Map([["README.md", text("x\n")]])), namesLink);
  assert.deepEqual(snapshotTree(outside, []), planted);
  rmSync(join(outside, "demo"), { recursive: true, force: true });
  assert.deepEqual(snapshotTree(outside, []), outsideBefore);
  assertUntouched(before, dir, "a linked parent");
});

test("paths that leave the tree stay unsafe_path; no raw EEXIST or ENOTDIR for files and links in the way", async () => {
  const dir = fixture();
  const repo = await open(dir);
  const side = sideDir(dir);
  await materialize(repo, "HEAD", side);
  for (const path of ["../escape", "/abs", "a/../../b", ".git/config", "src/.GIT/hooks"]) {
    await assert.rejects(writeChanges(fs, side, new Map([[path, text("x")]])), isCode("unsafe_path"), path);
  }
  // A file where a directory must be, a directory where a file must be, a dangling link at the leaf.
  symlinkSync("/nonexistent/target", join(side, "dangling"));
  const changes: TreeChanges = new Map([
    ["README.md/inside.txt", text("under a former file\n")],
    ["src", text("a file where a directory was\n")],
    ["dangling", text("replaces the dangling link\n")],
    ["bin/run.sh/deeper/x", link("../../../README.md")],
  ]);
  await writeChanges(fs, side, changes);
  assert.equal(readFileSync(join(side, "README.md/inside.txt"), "utf8"), "under a former file\n");
  assert.equal(readFileSync(join(side, "src"), "utf8"), "a file where a directory was\n");
  assert.ok(lstatSync(join(side, "dangling")).isFile());
  assert.equal(readlinkSync(join(side, "bin/run.sh/deeper/x")), "../../../README.md");
  assert.ok(!existsSync("/nonexistent/target"));
});

test("copyTree copies links as links and keeps modes; emptyDir keeps the directory and follows nothing", () => {
  const outside = sentinel();
  const outsideBefore = snapshotTree(outside, []);
  const base = scratch("copy");
  const source = join(base, "source");
  write(source, "a/b.txt", "b\n");
  write(source, "run.sh", "#!/bin/sh\n", 0o755);
  symlinkSync("a/b.txt", join(source, "rel"));
  symlinkSync(outside, join(source, "abs"));
  mkdirSync(join(source, "readonly"));
  write(source, "readonly/f", "f\n");
  fs.chmodSync(join(source, "readonly"), 0o555);
  const dest = join(base, "dest");
  assert.equal(copyTree(fs, source, dest), 7);
  assert.deepEqual(snapshotTree(dest, []), snapshotTree(source, []));
  assert.equal(lstatSync(join(dest, "readonly")).mode & 0o777, 0o555);
  fs.chmodSync(join(dest, "readonly"), 0o755);
  fs.chmodSync(join(source, "readonly"), 0o755);
  const inode = statSync(dest).ino;
  emptyDir(fs, dest);
  assert.equal(statSync(dest).ino, inode);
  assert.deepEqual(fs.readdirSync(dest), []);
  assert.deepEqual(snapshotTree(outside, []), outsideBefore);
});
