/**
 * Real temporary git repositories for the git layer's tests (tests/integration/git-*.test.ts),
 * made with the git CLI, and snapshots of everything a person owns (HEAD, refs of their
 * branches, .git/index bytes, working files) to prove that perfloop left them alone.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { openRepo } from "../../src/git/repo.ts";
import type { GitRepo } from "../../src/git/iso.ts";

/** Commits made by the CLI in fixtures carry this identity; the repository config has none. */
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Fixture Author",
  GIT_AUTHOR_EMAIL: "fixture@example.com",
  GIT_COMMITTER_NAME: "Fixture Author",
  GIT_COMMITTER_EMAIL: "fixture@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  LC_ALL: "C",
};

export function git(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "core.quotepath=off", ...args], { cwd: dir, env: GIT_ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

export function scratchDir(prefix: string): string {
  return fs.realpathSync(mkdtempSync(join(tmpdir(), `perfloop-${prefix}-`)));
}

export function write(dir: string, path: string, content: string | Uint8Array, mode?: number): void {
  const full = join(dir, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
  if (mode !== undefined) chmodSync(full, mode);
}

/** Bytes 0..255, twice: a binary file that any text conversion would break. */
export const BINARY = new Uint8Array(512).map((_, index) => index % 256);

/**
 * A repository with one commit on `main`: nested directories, an executable script, a symlink
 * to a file and one to a directory, a binary file, names with a space and non-ASCII letters,
 * a .gitignore, and an ignored node_modules folder holding a file (not tracked).
 */
export function makeRepo(): { dir: string; cleanup: () => void } {
  const dir = scratchDir("git");
  git(dir, "init", "-q", "-b", "main");
  write(dir, ".gitignore", "node_modules/\n*.log\n__pycache__/\n");
  write(dir, "README.md", "# fixture\n");
  write(dir, "package.json", '{ "name": "fixture", "version": "1.0.0" }\n');
  write(dir, "src/index.js", "export const answer = 42;\n");
  write(dir, "src/nested/deep/data.txt", "line 1\nline 2\n");
  write(dir, "src/nested/with space.txt", "spaced\n");
  write(dir, "docs/naïve.md", "unicode name\n");
  write(dir, "bin/run.sh", "#!/bin/sh\necho run\n", 0o755);
  write(dir, "assets/blob.bin", BINARY);
  symlinkSync("src/index.js", join(dir, "link-to-index"));
  symlinkSync("../src", join(dir, "bin/src-link"));
  write(dir, "node_modules/dep/index.js", "module.exports = 'dep';\n");
  write(dir, "debug.log", "ignored\n");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "initial");
  // Let git settle the index (racily-clean entries) now, so a later read-only git command
  // cannot rewrite it and be mistaken for perfloop's doing.
  git(dir, "status", "--porcelain");
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function open(dir: string): Promise<GitRepo> {
  return openRepo(fs, dir);
}

export interface FileSnapshot {
  kind: "file" | "link" | "dir";
  mode: number;
  data: string;
}

/** Every entry under `dir` (not .git, not .hex-skills), with permission bits and bytes (base64) or link target. */
export function snapshotTree(dir: string, skip: readonly string[] = [".git", ".hex-skills"]): Map<string, FileSnapshot> {
  const result = new Map<string, FileSnapshot>();
  const walk = (prefix: string): void => {
    for (const name of readdirSync(join(dir, prefix)).sort()) {
      const path = prefix === "" ? name : `${prefix}/${name}`;
      if (prefix === "" && skip.includes(name)) continue;
      const full = join(dir, path);
      const stat = lstatSync(full);
      if (stat.isSymbolicLink()) result.set(path, { kind: "link", mode: 0, data: readlinkSync(full) });
      else if (stat.isDirectory()) {
        result.set(path, { kind: "dir", mode: 0, data: "" });
        walk(path);
      } else result.set(path, { kind: "file", mode: stat.mode & 0o777, data: readFileSync(full).toString("base64") });
    }
  };
  walk("");
  return result;
}

export interface PersonSnapshot {
  head: string;
  headOid: string;
  index: string;
  branches: string;
  files: Map<string, FileSnapshot>;
}

/** What the person owns: HEAD (file and commit), branch refs, .git/index bytes, working files. */
export function snapshotPerson(dir: string): PersonSnapshot {
  return {
    head: readFileSync(join(dir, ".git", "HEAD"), "utf8"),
    headOid: git(dir, "rev-parse", "HEAD").trim(),
    index: readFileSync(join(dir, ".git", "index")).toString("base64"),
    branches: git(dir, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/", "refs/tags/")
      .split("\n")
      .filter((line) => !line.startsWith("refs/heads/perfloop/"))
      .join("\n"),
    files: snapshotTree(dir),
  };
}

export function assertUntouched(before: PersonSnapshot, dir: string, what: string): void {
  const after = snapshotPerson(dir);
  assert.equal(after.head, before.head, `${what}: .git/HEAD changed`);
  assert.equal(after.headOid, before.headOid, `${what}: HEAD moved`);
  assert.equal(after.branches, before.branches, `${what}: a branch or tag of the person moved`);
  assert.ok(after.index === before.index, `${what}: .git/index bytes changed`);
  assert.deepEqual(after.files, before.files, `${what}: working files changed`);
}

/** `git ls-tree -r <rev>` as path -> "mode oid". */
export function lsTree(dir: string, rev: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of git(dir, "ls-tree", "-r", "-z", rev).split("\0")) {
    if (line === "") continue;
    const [meta, path] = line.split("\t") as [string, string];
    const [mode, , oid] = meta.split(" ");
    map.set(path, `${mode} ${oid}`);
  }
  return map;
}

/** Runtime of this test process, for the file headers' assertions. */
export function runtimeName(): "bun" | "deno" | "node" {
  if ((globalThis as { Bun?: unknown }).Bun) return "bun";
  if ((globalThis as { Deno?: unknown }).Deno) return "deno";
  return "node";
}
