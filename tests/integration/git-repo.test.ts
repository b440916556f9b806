// The person's repository (src/git/repo.ts, resolve.ts): root, dirty check, exclude, identity,
// refs, on real repositories made with the git CLI, under Bun and Deno.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { appendFileSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { ExitCode, UsageError } from "../../src/errors.ts";
import { DEFAULT_IDENTITY, dirtyPaths, ensureExcluded, openRepo, porcelainStatus, readIdentity, requireClean } from "../../src/git/repo.ts";
import { commitExists, resolveCommitish } from "../../src/git/resolve.ts";
import { assertUntouched, git, makeRepo, open, scratchDir, snapshotPerson, write } from "./git-fixture.ts";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

function fixture(): string {
  const { dir, cleanup } = makeRepo();
  cleanups.push(cleanup);
  return dir;
}

function isUsage(pattern: RegExp): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof UsageError, `expected a UsageError, got ${String(error)}`);
    assert.equal(error.exitCode, ExitCode.usage);
    assert.match(error.message, pattern);
    return true;
  };
}

test("openRepo finds the root from a nested directory; outside a repository it is a usage error", async () => {
  const dir = fixture();
  const repo = await openRepo(fs, join(dir, "src", "nested"));
  assert.equal(repo.dir, dir);
  assert.equal(repo.gitdir, join(dir, ".git"));
  const outside = scratchDir("norepo");
  cleanups.push(() => rmSync(outside, { recursive: true, force: true }));
  await assert.rejects(openRepo(fs, outside), isUsage(/not a git repository/));
});

test("a clean tree passes; ignored files and perfloop's own directory do not make it dirty", async () => {
  const dir = fixture();
  const repo = await open(dir);
  write(dir, ".hex-skills/optimization/demo/state.json", "{}\n");
  write(dir, "node_modules/more/x.js", "x\n");
  write(dir, "again.log", "x\n");
  const before = snapshotPerson(dir);
  const check = await requireClean(repo);
  assert.equal(check.base, git(dir, "rev-parse", "HEAD").trim());
  assert.deepEqual(check.dirty, []);
  assert.equal(check.warning, undefined);
  assertUntouched(before, dir, "the dirty check");
});

test("dirty: modified, staged, untracked and deleted files are found; tracked changes are named and refused, allowDirty warns instead", async () => {
  const dir = fixture();
  const repo = await open(dir);
  appendFileSync(join(dir, "README.md"), "edited\n");
  write(dir, "src/staged.js", "staged\n");
  git(dir, "add", "src/staged.js");
  write(dir, "notes.txt", "untracked\n");
  unlinkSync(join(dir, "src/nested/deep/data.txt"));
  const before = snapshotPerson(dir);

  const dirty = await dirtyPaths(repo);
  assert.deepEqual(dirty.map((entry) => `${entry.status} ${entry.path}`).sort(), [
    " D src/nested/deep/data.txt",
    " M README.md",
    "?? notes.txt",
    "A  src/staged.js",
  ]);
  await assert.rejects(requireClean(repo), (error: unknown) => isUsage(/uncommitted changes: .*README\.md/)(error) && !String((error as Error).message).includes("notes.txt"));
  const allowed = await requireClean(repo, { allowDirty: true });
  assert.equal(allowed.base, git(dir, "rev-parse", "HEAD").trim());
  assert.match(allowed.warning ?? "", /base is HEAD \([0-9a-f]{7}\); uncommitted changes are not included/);
  assert.deepEqual(allowed.untracked.files, ["notes.txt"]);
  assertUntouched(before, dir, "the dirty check");
});

test("untracked files alone do not refuse: the check names them once in its notice", async () => {
  const dir = fixture();
  const repo = await open(dir);
  write(dir, "notes.txt", "mine\n");
  write(dir, "scratch/a.txt", "a\n");
  write(dir, "scratch/b/c.txt", "c\n");
  const before = snapshotPerson(dir);
  const check = await requireClean(repo);
  assert.deepEqual(check.dirty, []);
  assert.equal(check.warning, undefined);
  assert.deepEqual(check.untracked, { count: 3, files: ["notes.txt", "scratch/a.txt", "scratch/b/c.txt"], dirs: ["scratch/"] });
  assert.equal(check.notice, "3 untracked files (notes.txt, scratch/) are not included: side trees start from the base commit (commit what the run needs)");
  assertUntouched(before, dir, "the dirty check");
});

test("porcelainStatus matches git status --porcelain for staged-then-modified files", async () => {
  const dir = fixture();
  const repo = await open(dir);
  appendFileSync(join(dir, "README.md"), "one\n");
  git(dir, "add", "README.md");
  appendFileSync(join(dir, "README.md"), "two\n");
  const [entry] = await dirtyPaths(repo);
  assert.equal(`${entry?.status} ${entry?.path}`, git(dir, "status", "--porcelain").trimEnd());
  assert.equal(porcelainStatus(1, 1, 1), "  ");
  assert.equal(porcelainStatus(0, 2, 0), "??");
  assert.equal(porcelainStatus(1, 0, 0), "D ");
});

test("a repository without commits is a usage error", async () => {
  const dir = scratchDir("empty");
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  git(dir, "init", "-q", "-b", "main");
  const repo = await open(dir);
  await assert.rejects(requireClean(repo), isUsage(/no commits yet/));
});

test("ensureExcluded adds .hex-skills/ to .git/info/exclude once, keeping what is there", async () => {
  const dir = fixture();
  const repo = await open(dir);
  const file = join(dir, ".git", "info", "exclude");
  writeFileSync(file, "# mine\n*.tmp");
  assert.equal(await ensureExcluded(repo), true);
  assert.equal(await ensureExcluded(repo), false);
  assert.equal(readFileSync(file, "utf8"), "# mine\n*.tmp\n# perfloop's own files (never committed)\n.hex-skills/\n");
  write(dir, ".hex-skills/x.json", "{}\n");
  assert.equal(git(dir, "status", "--porcelain"), "");
  assert.equal(git(dir, "check-ignore", ".hex-skills/x.json").trim(), ".hex-skills/x.json");
  rmSync(join(dir, ".git", "info"), { recursive: true });
  assert.equal(await ensureExcluded(repo), true);
  assert.equal(readFileSync(file, "utf8"), "# perfloop's own files (never committed)\n.hex-skills/\n");
});

test("identity: perfloop's own unless the repository config has user.name and user.email", async () => {
  const dir = fixture();
  const repo = await open(dir);
  assert.deepEqual(await readIdentity(repo), DEFAULT_IDENTITY);
  assert.deepEqual(DEFAULT_IDENTITY, { name: "perfloop", email: "perfloop@localhost" });
  git(dir, "config", "user.name", "Ada Lovelace");
  git(dir, "config", "user.email", "ada@example.com");
  assert.deepEqual(await readIdentity(repo), { name: "Ada Lovelace", email: "ada@example.com" });
});

test("resolveCommitish: branches, tags (annotated too), HEAD~n, full and short ids; unknown names are usage errors naming them", async () => {
  const dir = fixture();
  const first = git(dir, "rev-parse", "HEAD").trim();
  git(dir, "tag", "v1");
  git(dir, "tag", "-a", "v1-annotated", "-m", "annotated");
  git(dir, "switch", "-q", "-c", "feature/fast");
  write(dir, "src/index.js", "export const answer = 43;\n");
  git(dir, "commit", "-q", "-am", "second");
  const second = git(dir, "rev-parse", "HEAD").trim();
  git(dir, "switch", "-q", "main");
  const repo = await open(dir);

  const cases: [string, string][] = [
    ["HEAD", first], ["main", first], ["refs/heads/main", first], ["feature/fast", second],
    ["v1", first], ["v1-annotated", first], [first, first], [second.slice(0, 7), second],
    [second.toUpperCase().slice(0, 10), second], ["feature/fast~1", first], ["feature/fast^", first], ["feature/fast^0", second],
  ];
  for (const [name, oid] of cases) assert.equal(await resolveCommitish(repo, name), oid, name);

  await assert.rejects(resolveCommitish(repo, "no-such-branch"), isUsage(/unknown ref "no-such-branch"/));
  await assert.rejects(resolveCommitish(repo, "deadbeef"), isUsage(/unknown ref "deadbeef"/));
  await assert.rejects(resolveCommitish(repo, "0".repeat(40)), isUsage(/unknown ref "0{40}"/));
  await assert.rejects(resolveCommitish(repo, "main~5"), isUsage(/past the start of history/));
  await assert.rejects(resolveCommitish(repo, "HEAD^{tree}"), isUsage(/unknown ref/));
  const tree = git(dir, "rev-parse", "HEAD^{tree}").trim();
  await assert.rejects(resolveCommitish(repo, tree), isUsage(/names a tree, not a commit/));
  assert.equal(await commitExists(repo, "feature/fast"), true);
  assert.equal(await commitExists(repo, "nope"), false);
});

test("a packed repository (git gc) reads the same", async () => {
  const dir = fixture();
  git(dir, "tag", "v1");
  git(dir, "gc", "-q");
  const repo = await open(dir);
  assert.equal(await resolveCommitish(repo, "v1"), git(dir, "rev-parse", "HEAD").trim());
  assert.deepEqual(await dirtyPaths(repo), []);
  mkdirSync(join(dir, "empty-dir"));
  assert.deepEqual(await dirtyPaths(repo), [], "an empty directory is not a change");
});
