// Merging perfloop's branch into the person's branch (src/git/merge.ts) on real repositories:
// fast-forward and clean 3-way leave `git status --porcelain` empty; a conflict, a dirty tree or
// a detached HEAD change nothing. Under Bun and Deno.
import assert from "node:assert/strict";
import { appendFileSync, existsSync, lstatSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { PerfloopError, UsageError } from "../../src/errors.ts";
import { commitTree } from "../../src/git/commit.ts";
import { mergeIntoCurrent } from "../../src/git/merge.ts";
import { materialize } from "../../src/git/materialize.ts";
import { ensureExcluded } from "../../src/git/repo.ts";
import type { FileEntry, TreeChanges } from "../../src/git/types.ts";
import { assertUntouched, git, makeRepo, open, snapshotPerson, write } from "./git-fixture.ts";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

const text = (value: string, mode: FileEntry["mode"] = "100644"): FileEntry => ({ mode, data: new TextEncoder().encode(value) });

/** A fixture with perfloop's branch `perfloop/demo` made from `changes` on top of HEAD, and a side tree present. */
async function withBranch(changes: TreeChanges) {
  const { dir, cleanup } = makeRepo();
  cleanups.push(cleanup);
  const repo = await open(dir);
  await ensureExcluded(repo);
  await materialize(repo, "HEAD", join(dir, ".hex-skills", "optimization", "demo", "worktree"));
  const branch = await commitTree(repo, { slug: "demo", base: "HEAD", changes, message: "perfloop: demo" });
  return { dir, repo, branch };
}

function porcelain(dir: string): string {
  return git(dir, "status", "--porcelain", "--untracked-files=all");
}

test("fast-forward: HEAD, index and files follow; git status is empty and git log shows the commit", async () => {
  const { dir, repo, branch } = await withBranch(new Map<string, FileEntry | null>([
    ["src/index.js", text("export const answer = 1;\n")],
    ["src/nested/deep/data.txt", null],
    ["tools/gen.sh", text("#!/bin/sh\necho gen\n", "100755")],
    ["tools/link", text("gen.sh", "120000")],
  ]));
  const outcome = await mergeIntoCurrent(repo, { from: branch.branch });
  assert.equal(outcome.kind, "fast-forward");
  assert.equal(outcome.into, "main");
  assert.equal(outcome.after, branch.commit);
  assert.equal(git(dir, "rev-parse", "HEAD").trim(), branch.commit);
  assert.equal(git(dir, "symbolic-ref", "HEAD").trim(), "refs/heads/main");
  assert.equal(porcelain(dir), "");
  assert.equal(git(dir, "log", "--format=%s", "-2"), "perfloop: demo\ninitial\n");
  assert.equal(readFileSync(join(dir, "src/index.js"), "utf8"), "export const answer = 1;\n");
  assert.ok(!existsSync(join(dir, "src/nested/deep/data.txt")));
  assert.ok((lstatSync(join(dir, "tools/gen.sh")).mode & 0o100) !== 0, "a new executable is executable");
  assert.equal(readlinkSync(join(dir, "tools/link")), "gen.sh");
  assert.ok(existsSync(join(dir, "node_modules/dep/index.js")), "ignored files stay");
  assert.equal(git(dir, "diff", "--stat", "HEAD"), "");
});

test("clean 3-way merge after the person committed something else: a merge commit, git status empty", async () => {
  const { dir, repo, branch } = await withBranch(new Map([["src/index.js", text("export const answer = 1;\n")]]));
  appendFileSync(join(dir, "README.md"), "the person's own change\n");
  git(dir, "commit", "-q", "-am", "person's work");
  const personHead = git(dir, "rev-parse", "HEAD").trim();
  const outcome = await mergeIntoCurrent(repo, { from: branch.branch, message: "Merge perfloop/demo: -30% wall time" });
  assert.equal(outcome.kind, "merge-commit");
  assert.equal(outcome.before, personHead);
  assert.equal(porcelain(dir), "");
  const parents = git(dir, "log", "-1", "--format=%P").trim().split(" ");
  assert.deepEqual(parents, [personHead, branch.commit]);
  assert.equal(git(dir, "log", "-1", "--format=%s").trim(), "Merge perfloop/demo: -30% wall time");
  assert.equal(readFileSync(join(dir, "src/index.js"), "utf8"), "export const answer = 1;\n");
  assert.match(readFileSync(join(dir, "README.md"), "utf8"), /the person's own change/);
  assert.equal(git(dir, "log", "-1", "--format=%an <%ae>").trim(), "perfloop <perfloop@localhost>");
});

test("a conflict changes nothing and names the file", async () => {
  const { dir, repo, branch } = await withBranch(new Map([["src/index.js", text("export const answer = 1;\n")]]));
  write(dir, "src/index.js", "export const answer = 2;\n");
  git(dir, "commit", "-q", "-am", "person's conflicting work");
  git(dir, "status", "--porcelain");
  const before = snapshotPerson(dir);
  await assert.rejects(mergeIntoCurrent(repo, { from: branch.branch }), (error: unknown) => {
    assert.ok(error instanceof PerfloopError);
    assert.equal(error.code, "merge_conflict");
    assert.match(error.message, /conflict in src\/index\.js; nothing was changed/);
    assert.deepEqual(error.data?.files, ["src/index.js"]);
    return true;
  });
  assertUntouched(before, dir, "a conflicting merge");
  assert.equal(porcelain(dir), "");
});

test("a dirty tree or a detached HEAD is refused before anything changes; merging twice is a no-op", async () => {
  const { dir, repo, branch } = await withBranch(new Map([["src/index.js", text("export const answer = 1;\n")]]));
  appendFileSync(join(dir, "README.md"), "uncommitted\n");
  const dirty = snapshotPerson(dir);
  await assert.rejects(mergeIntoCurrent(repo, { from: branch.branch }), (error: unknown) => error instanceof UsageError && /uncommitted changes \(README\.md\)/.test(error.message));
  assertUntouched(dirty, dir, "a refused merge");
  git(dir, "checkout", "-q", "README.md");
  git(dir, "checkout", "-q", "--detach");
  await assert.rejects(mergeIntoCurrent(repo, { from: branch.branch }), (error: unknown) => error instanceof UsageError && /detached/.test(error.message));
  git(dir, "checkout", "-q", "main");
  await assert.rejects(mergeIntoCurrent(repo, { from: "perfloop/none" }), /unknown ref "perfloop\/none"/);
  assert.equal((await mergeIntoCurrent(repo, { from: branch.branch })).kind, "fast-forward");
  const again = await mergeIntoCurrent(repo, { from: branch.branch });
  assert.equal(again.kind, "already-merged");
  assert.equal(porcelain(dir), "");
});

test("an untracked file does not stop a merge, unless the merge would write the same path", async () => {
  const { dir, repo, branch } = await withBranch(new Map([["src/new.js", text("export const added = 1;\n")]]));
  appendFileSync(join(dir, "notes.txt"), "mine, untracked\n");
  appendFileSync(join(dir, "src", "new.js"), "mine too\n");
  const before = snapshotPerson(dir);
  await assert.rejects(mergeIntoCurrent(repo, { from: branch.branch }), (error: unknown) => error instanceof UsageError && /uncommitted changes \(src\/new\.js\)/.test(error.message));
  assertUntouched(before, dir, "a merge that would overwrite an untracked file");
  git(dir, "clean", "-q", "-f", "src/new.js");
  const merged = await mergeIntoCurrent(repo, { from: branch.branch });
  assert.equal(merged.kind, "fast-forward");
  assert.equal(readFileSync(join(dir, "notes.txt"), "utf8"), "mine, untracked\n");
  assert.equal(porcelain(dir), "?? notes.txt\n");
});
