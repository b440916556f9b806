// The no-follow primitives (src/git/no-follow.ts) under Bun (`bun test`) and Deno (`deno test -A
// --no-check`). Every test compares an outside sentinel directory byte for byte (bytes, permission
// bits, link targets) before and after.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { existsSync, lstatSync, mkdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, test } from "node:test";
import { copyTree, emptyDir } from "../../src/git/no-follow.ts";
import { runtimeName, scratchDir, snapshotTree, write } from "./git-fixture.ts";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

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
