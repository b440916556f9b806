// Commits without the index (src/git/commit.ts), the ledger of tried hypotheses (ledger.ts) and
// trees (tree.ts), checked with the git CLI (ls-tree, fsck, log), under Bun and Deno.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { UsageError } from "../../src/errors.ts";
import { branchName, commitTree, writeCommitOn } from "../../src/git/commit.ts";
import { deletePerfloopRef, ledgerRef, listPerfloopRefs, listTried, readPerfloopRef, recordTried, writePerfloopRef } from "../../src/git/ledger.ts";
import { materialize, writeChanges } from "../../src/git/materialize.ts";
import { applyChanges, diffTrees, readTreeAt } from "../../src/git/tree.ts";
import type { FileEntry, FileTree, TreeChanges } from "../../src/git/types.ts";
import { assertUntouched, git, lsTree, makeRepo, open, snapshotPerson } from "./git-fixture.ts";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

function fixture(): string {
  const { dir, cleanup } = makeRepo();
  cleanups.push(cleanup);
  return dir;
}

const text = (value: string, mode: FileEntry["mode"] = "100644"): FileEntry => ({ mode, data: new TextEncoder().encode(value) });

function fsckClean(dir: string): void {
  // --strict checks tree entry order and modes too; any complaint lands on stdout or stderr.
  assert.equal(git(dir, "fsck", "--strict", "--no-progress", "--no-dangling").trim(), "");
}

test("readTreeAt reads every file with its mode and bytes, like git ls-tree", async () => {
  const dir = fixture();
  const repo = await open(dir);
  const tree = await readTreeAt(repo, "main");
  const listed = lsTree(dir, "HEAD");
  assert.deepEqual([...tree.keys()].sort(), [...listed.keys()].sort());
  for (const [path, entry] of tree) assert.equal(entry.mode, listed.get(path)?.split(" ")[0], path);
  assert.equal(new TextDecoder().decode(tree.get("link-to-index")?.data), "src/index.js");
});

test("diffTrees and applyChanges are inverse; applyChanges does not modify its input", () => {
  const base: FileTree = new Map([
    ["a.txt", text("a")],
    ["dir/b.txt", text("b")],
    ["dir/sub/c.txt", text("c")],
    ["run.sh", text("#!/bin/sh\n", "100755")],
  ]);
  const next: FileTree = new Map([
    ["a.txt", text("a2")],
    ["dir/sub/c.txt", text("c")],
    ["run.sh", text("#!/bin/sh\n", "100644")],
    ["new/d.txt", text("d")],
  ]);
  const changes = diffTrees(base, next);
  assert.deepEqual([...changes.keys()].sort(), ["a.txt", "dir/b.txt", "new/d.txt", "run.sh"]);
  assert.equal(changes.get("dir/b.txt"), null);
  const copy = new Map(base);
  assert.deepEqual(applyChanges(base, changes), next);
  assert.deepEqual(base, copy);
  assert.equal(diffTrees(next, next).size, 0);
  // A file replacing a directory removes what was under it; a file under a former file replaces it.
  const replaced = applyChanges(base, new Map([["dir", text("now a file")], ["a.txt/inner", text("x")]]));
  assert.deepEqual([...replaced.keys()].sort(), ["a.txt/inner", "dir", "run.sh"]);
});

test("commitTree writes perfloop/<slug> on top of the base without touching HEAD, index or files", async () => {
  const dir = fixture();
  const repo = await open(dir);
  const before = snapshotPerson(dir);
  const base = await readTreeAt(repo, "HEAD");
  const tree = applyChanges(base, new Map<string, FileEntry | null>([
    ["src/index.js", text("export const answer = 1;\n")],
    ["src/nested/deep/data.txt", null],
    ["tools/gen.sh", text("#!/bin/sh\n", "100755")],
    ["bin/run.sh", text("#!/bin/sh\necho run\n", "100644")],
  ]));
  const result = await commitTree(repo, { slug: "demo", base: "HEAD", tree, message: "perfloop: strike 1\n\nkept: h1, h2", timestamp: 1_700_000_000 });
  assert.equal(result.branch, "perfloop/demo");
  assert.equal(result.ref, "refs/heads/perfloop/demo");
  assert.deepEqual(result.changed, ["bin/run.sh", "src/index.js", "src/nested/deep/data.txt", "tools/gen.sh"]);
  assert.equal(git(dir, "rev-parse", "perfloop/demo").trim(), result.commit);
  assert.equal(git(dir, "rev-parse", "perfloop/demo^").trim(), before.headOid);
  assert.equal(git(dir, "rev-parse", "perfloop/demo^{tree}").trim(), result.tree);

  const listed = lsTree(dir, "perfloop/demo");
  assert.deepEqual([...listed.keys()].sort(), [...tree.keys()].sort());
  assert.match(listed.get("tools/gen.sh") ?? "", /^100755 /);
  assert.match(listed.get("bin/run.sh") ?? "", /^100644 /);
  assert.match(listed.get("link-to-index") ?? "", /^120000 /);
  assert.equal(git(dir, "show", "perfloop/demo:src/index.js"), "export const answer = 1;\n");
  // Unchanged subtrees keep the base's tree ids.
  assert.equal(git(dir, "rev-parse", "perfloop/demo:assets").trim(), git(dir, "rev-parse", "HEAD:assets").trim());
  fsckClean(dir);
  assert.equal(git(dir, "log", "-1", "--format=%B", "perfloop/demo"), "perfloop: strike 1\n\nkept: h1, h2\n\n");
  assert.equal(git(dir, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%at", "perfloop/demo").trim(), "perfloop <perfloop@localhost>|perfloop <perfloop@localhost>|1700000000");
  assertUntouched(before, dir, "commitTree");
});

test("commitTree from a side work tree directory, and from changes; the identity comes from the repository config", async () => {
  const dir = fixture();
  git(dir, "config", "user.name", "Ada Lovelace");
  git(dir, "config", "user.email", "ada@example.com");
  const repo = await open(dir);
  const before = snapshotPerson(dir);
  const side = join(dir, ".hex-skills", "optimization", "demo", "worktree");
  await materialize(repo, "HEAD", side);
  await writeChanges(fs, side, new Map([["src/index.js", text("export const answer = 7;\n")], ["README.md", null]]));
  const fromDir = await commitTree(repo, { slug: "demo", base: "main", dir: side, message: "from the side tree" });
  assert.deepEqual(fromDir.changed, ["README.md", "src/index.js"]);
  const listed = lsTree(dir, "perfloop/demo");
  assert.ok(!listed.has("README.md"));
  assert.ok(!listed.has("node_modules"), "the dependency link is not committed");
  assert.deepEqual([...listed.keys()].filter((path) => path.endsWith(".log")), []);
  assert.equal(git(dir, "log", "-1", "--format=%an <%ae>", "perfloop/demo").trim(), "Ada Lovelace <ada@example.com>");

  const changes: TreeChanges = new Map([["src/index.js", text("export const answer = 8;\n")]]);
  const second = await commitTree(repo, { slug: "demo", base: fromDir.commit, changes, message: "cycle 2" });
  assert.equal(git(dir, "rev-parse", "perfloop/demo^").trim(), fromDir.commit);
  assert.equal(git(dir, "show", "perfloop/demo:src/index.js"), "export const answer = 8;\n");
  assert.ok(!lsTree(dir, second.commit).has("README.md"));

  const same = await writeCommitOn(repo, { base: second.commit, dir: side, message: "no-op check" });
  assert.equal(same.tree, fromDir.tree, "the side tree still holds the first version");
  assert.deepEqual(same.changed, ["src/index.js"]);
  fsckClean(dir);
  assertUntouched(before, dir, "commitTree from a directory");
});

test("an unchanged tree commits the base's tree; a bad slug or base is refused", async () => {
  const dir = fixture();
  const repo = await open(dir);
  const result = await commitTree(repo, { slug: "same", base: "HEAD", tree: await readTreeAt(repo, "HEAD"), message: "nothing" });
  assert.deepEqual(result.changed, []);
  assert.equal(result.tree, git(dir, "rev-parse", "HEAD^{tree}").trim());
  await assert.rejects(commitTree(repo, { slug: "bad slug", base: "HEAD", changes: new Map(), message: "x" }), UsageError);
  await assert.rejects(commitTree(repo, { slug: "ok", base: "no-such-base", changes: new Map(), message: "x" }), /unknown ref "no-such-base"/);
  assert.throws(() => branchName("a..b"), UsageError);
  assert.throws(() => branchName("x.lock"), UsageError);
});

test("the ledger: one ref per tried hypothesis under refs/perfloop/<slug>/, listed in order", async () => {
  const dir = fixture();
  const repo = await open(dir);
  const before = snapshotPerson(dir);
  const tries: { n: number; id: string; commit: string }[] = [];
  for (const [n, id] of [[1, "h1"], [2, "knob.workers-4"], [10, "h1"]] as const) {
    const { commit } = await writeCommitOn(repo, { base: "HEAD", changes: new Map([[`try-${n}.txt`, text(id)]]), message: `try ${n}: ${id}` });
    tries.push({ n, id, commit });
    assert.equal(await recordTried(repo, { slug: "demo", n, id, commit }), `refs/perfloop/demo/${n}-${id}`);
  }
  await writePerfloopRef(repo, "other/baseline", tries[0]?.commit ?? "");
  const ledger = await listTried(repo, "demo");
  assert.deepEqual(ledger.map((entry) => [entry.n, entry.id, entry.oid]), tries.map((entry) => [entry.n, entry.id, entry.commit]));
  assert.equal(ledgerRef("demo", 2, "h2"), "refs/perfloop/demo/2-h2");
  assert.deepEqual((await listPerfloopRefs(repo)).map((ref) => ref.name), ["demo/1-h1", "demo/10-h1", "demo/2-knob.workers-4", "other/baseline"]);
  assert.deepEqual(await listTried(repo, "nothing-yet"), []);
  assert.equal(await readPerfloopRef(repo, "demo/2-knob.workers-4"), tries[1]?.commit);
  assert.equal(await readPerfloopRef(repo, "demo/99-none"), undefined);
  // The git CLI sees the same refs, and the commits are reachable (fsck has nothing dangling).
  assert.equal(git(dir, "for-each-ref", "--format=%(refname)", "refs/perfloop/demo/").trim().split("\n").length, 3);
  assert.equal(git(dir, "log", "-1", "--format=%s", "refs/perfloop/demo/10-h1").trim(), "try 10: h1");
  assert.throws(() => ledgerRef("demo", 0, "h1"), UsageError);
  assert.throws(() => ledgerRef("demo", 1, "h/1"), UsageError);
  fsckClean(dir);
  assertUntouched(before, dir, "the ledger");
  // Deleting works on loose and on packed refs (after git pack-refs).
  await deletePerfloopRef(repo, "other/baseline");
  git(dir, "pack-refs", "--all");
  await deletePerfloopRef(repo, "demo/10-h1");
  assert.deepEqual((await listTried(repo, "demo")).map((entry) => entry.n), [1, 2]);
  assert.equal(git(dir, "for-each-ref", "--format=%(refname)", "refs/perfloop/").trim(), "refs/perfloop/demo/1-h1\nrefs/perfloop/demo/2-knob.workers-4");
});

test("commits survive git gc and read back from a packed repository", async () => {
  const dir = fixture();
  const repo = await open(dir);
  const { commit } = await commitTree(repo, { slug: "gc", base: "HEAD", changes: new Map([["x.txt", text("x")]]), message: "x" });
  git(dir, "gc", "-q", "--prune=now");
  const packed = await open(dir);
  const tree = await readTreeAt(packed, "perfloop/gc");
  assert.equal(new TextDecoder().decode(tree.get("x.txt")?.data), "x");
  assert.equal(git(dir, "rev-parse", "perfloop/gc").trim(), commit);
});
