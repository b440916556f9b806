/**
 * Git repositories for the end-to-end and scenario tests: a fixture committed on `main` with the
 * git CLI, and the person's state (HEAD, branch, index, files) to compare byte for byte.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { REPO_ROOT, snapshotTree, tempDir } from "./cli.ts";

const GIT_ENV = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" };

export const FIXTURES = join(REPO_ROOT, "tests", "fixtures");

export function git(cwd: string, ...args: string[]): string {
  const result = spawnSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, ...GIT_ENV } });
  assert.equal(result.status, 0, `git ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/** A new git repository holding tests/fixtures/<name>, one commit on `main`; its directory is added to `dirs`. */
export function fixtureRepo(dirs: string[], name: string): string {
  const dir = tempDir(`perfloop-${name}-`);
  dirs.push(dir);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "base");
  return dir;
}

/** HEAD, the branch, the index bytes and every file outside .git and .hex-skills. */
export function personState(dir: string): Record<string, string> {
  const files = snapshotTree(dir);
  const mine = Object.fromEntries(Object.entries(files).filter(([path]) => !path.startsWith("/.git/") && !path.startsWith("/.hex-skills/")));
  return { ...mine, HEAD: git(dir, "rev-parse", "HEAD"), branch: git(dir, "symbolic-ref", "HEAD"), index: readFileSync(join(dir, ".git", "index")).toString("base64") };
}
