// Every command that makes .hex-skills keeps it out of `git status` (src/runtime/git-exclude.ts,
// called by src/runtime/state-dirs.ts): real repositories made with the git CLI, a linked work
// tree, a submodule-style `.git` file, and a directory outside any repository.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, test } from "node:test";
import { writeJsonAtomic } from "../../src/runtime/atomic-fs.ts";
import { excludeGitDir, excludeStateDir } from "../../src/runtime/git-exclude.ts";
import { ensureStateDir } from "../../src/runtime/state-dirs.ts";
import { removeDir, tempDir } from "../helpers/cli.ts";

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

const GIT_ENV = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" };

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, ...GIT_ENV } });
  assert.equal(result.status, 0, `git ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/** A repository with one committed file. */
function repo(): string {
  const dir = tempDir("perfloop-exclude-");
  dirs.push(dir);
  git(dir, "init", "-q", "-b", "main");
  writeFileSync(join(dir, "a.txt"), "a\n");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "base");
  return dir;
}

const LINE = /^\.hex-skills\/$/m;

test("the first state file of a fresh repository adds .hex-skills/ to .git/info/exclude: git status stays empty", () => {
  const dir = repo();
  const tracked = git(dir, "ls-files", "-s");
  writeJsonAtomic(join(dir, ".hex-skills", "runtime-artifacts", "runs", "r1", "optimization-profile", "x.json"), { a: 1 }, 7);
  assert.match(readFileSync(join(dir, ".git", "info", "exclude"), "utf8"), LINE);
  assert.equal(git(dir, "status", "--porcelain", "--untracked-files=all"), "");
  assert.equal(git(dir, "ls-files", "-s"), tracked, "the index is as it was");
  // Once: more state, and a second project directory of the same repository, add nothing.
  const once = readFileSync(join(dir, ".git", "info", "exclude"), "utf8");
  ensureStateDir(dir, ".hex-skills/optimization/sum");
  mkdirSync(join(dir, "sub"));
  ensureStateDir(join(dir, "sub"), ".hex-skills/optimization");
  assert.equal(readFileSync(join(dir, ".git", "info", "exclude"), "utf8"), once);
  assert.equal(git(dir, "status", "--porcelain", "--untracked-files=all"), "", "sub/.hex-skills is excluded by the same line");
});

test("a project in a subdirectory, a linked work tree and a `.git` file find the git directory whose info/exclude git reads", () => {
  const dir = repo();
  mkdirSync(join(dir, "pkg", "deep"), { recursive: true });
  assert.equal(excludeGitDir(join(dir, "pkg", "deep")), join(dir, ".git"));
  // `git worktree add`: .git is a file naming .git/worktrees/<name>, whose commondir leads back.
  const linked = join(dir, "..", `${dir.split("/").at(-1)}-linked`);
  dirs.push(linked);
  git(dir, "worktree", "add", "-q", linked);
  assert.equal(excludeGitDir(linked), join(dir, ".git"));
  assert.equal(excludeStateDir(linked), true);
  assert.match(readFileSync(join(dir, ".git", "info", "exclude"), "utf8"), LINE);
  writeFileSync(join(linked, ".hex-skills-probe"), "");
  mkdirSync(join(linked, ".hex-skills"));
  writeFileSync(join(linked, ".hex-skills", "x"), "");
  assert.equal(git(linked, "status", "--porcelain"), "?? .hex-skills-probe\n", "git itself reads the line in the linked tree");
  // A submodule's `.git` file names its git directory directly (no commondir).
  const sub = tempDir("perfloop-exclude-sub-");
  dirs.push(sub);
  writeFileSync(join(sub, ".git"), `gitdir: ${join(dir, ".git")}\n`);
  assert.equal(excludeGitDir(sub), join(dir, ".git"));
});

test("outside any repository nothing is added and the state is written all the same", () => {
  const dir = tempDir("perfloop-exclude-none-");
  dirs.push(dir);
  if (excludeGitDir(dir) !== null) return; // the temp directory is inside a repository on this machine
  assert.equal(excludeStateDir(dir), false);
  ensureStateDir(dir, ".hex-skills/optimization");
  assert.equal(existsSync(join(dir, ".hex-skills", "optimization")), true);
  assert.equal(existsSync(join(dir, ".git")), false);
});

test("a git directory that refuses the line does not stop the state from being written", () => {
  const dir = repo();
  // A file where info/ belongs: the append fails (for root too) and is passed over.
  removeDir(join(dir, ".git", "info"));
  writeFileSync(join(dir, ".git", "info"), "");
  assert.equal(excludeStateDir(dir), false);
  ensureStateDir(dir, ".hex-skills/optimization");
  assert.equal(existsSync(join(dir, ".hex-skills", "optimization")), true);
  assert.equal(readFileSync(join(dir, ".git", "info"), "utf8"), "");
});
