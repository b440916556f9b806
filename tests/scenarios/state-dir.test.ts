// perfloop's state stays inside the repository (docs/runtime.md, "Where the state lives"): a
// `.hex-skills` (or one of perfloop's directories below it) that is a symbolic link or not a
// directory, and a `.hex-skills` tracked by git or committed as a link, are refused with one line
// (exit 2) before anything is written or deleted, there or where the link points. Through the
// CLI: Bun, Deno and the binary.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cli, removeDir, snapshotTree, tempDir, writeManifest, type CliResult } from "../helpers/cli.ts";
import { fixtureRepo, git } from "../helpers/repo.ts";

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

const RUN = ["run", "sh work.sh", "--test", "sh test.sh", "--slug", "sum", "--yes"];
const describe = (result: CliResult) => `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;

/** A directory outside the repository, with one file perfloop must neither change nor delete. */
function outside(): string {
  const dir = tempDir("perfloop-outside-");
  dirs.push(dir);
  writeFileSync(join(dir, "keep.txt"), "mine\n");
  return dir;
}

/**
 * Exit 2 and one error line on stderr matching `pattern` (execute's progress lines may come
 * before it), no stack trace, no internal error.
 */
function refusedLine(result: CliResult, pattern: RegExp, what: string): void {
  assert.equal(result.code, 2, `${what}: ${describe(result)}`);
  const lines = result.stderr.trim().split("\n").filter((line) => line.startsWith("perfloop:"));
  assert.equal(lines.length, 1, `${what}: one line: ${result.stderr}`);
  assert.match(lines[0]!, pattern, what);
  assert.doesNotMatch(result.stderr, /internal error|\n\s+at /, what);
}

test("perfloop run with .hex-skills a symbolic link out of the repository: refused, nothing written there", () => {
  const dir = fixtureRepo(dirs, "sum-loop");
  const away = outside();
  symlinkSync(away, join(dir, ".hex-skills"));
  const before = snapshotTree(away);
  const result = cli(RUN, { cwd: dir });
  refusedLine(result, /^perfloop: \.hex-skills is a symbolic link \(to .+\): perfloop keeps its state inside the repository and never writes through a link \(remove the link \(rm \.hex-skills\), then run the command again/, "run");
  assert.deepEqual(snapshotTree(away), before, "nothing written or deleted where the link points");
});

test("the runtime verbs refuse a .hex-skills/optimization that is a link, and one that is a file", () => {
  const dir = tempDir();
  dirs.push(dir);
  const away = outside();
  mkdirSync(join(dir, ".hex-skills"));
  symlinkSync(away, join(dir, ".hex-skills", "optimization"));
  const manifest = writeManifest(dir, "agent");
  const start = (): CliResult => cli(["runtime", "start", "--project-root", dir, "--slug", "agent", "--manifest-file", manifest], { cwd: dir });
  let result = start();
  assert.equal(result.code, 2, describe(result));
  assert.match(JSON.parse(result.stderr.trim()).error, /^\.hex-skills\/optimization is a symbolic link \(to .+\): perfloop keeps its state inside the repository/);
  assert.deepEqual(readdirSync(away), ["keep.txt"]);

  removeDir(join(dir, ".hex-skills"));
  mkdirSync(join(dir, ".hex-skills", "optimization"), { recursive: true });
  writeFileSync(join(dir, ".hex-skills", "optimization", "runtime"), "not a directory\n");
  result = start();
  assert.equal(result.code, 2, describe(result));
  assert.match(JSON.parse(result.stderr.trim()).error, /^\.hex-skills\/optimization\/runtime is not a directory/);
});

test("a link deeper down (the slug's directory) is refused before the run writes into it", () => {
  const dir = fixtureRepo(dirs, "sum-loop");
  const away = outside();
  writeFileSync(join(dir, ".git", "info", "exclude"), ".hex-skills/\n");
  mkdirSync(join(dir, ".hex-skills", "optimization"), { recursive: true });
  symlinkSync(away, join(dir, ".hex-skills", "optimization", "sum"));
  const before = snapshotTree(away);
  const result = cli(RUN, { cwd: dir });
  refusedLine(result, /^perfloop: \.hex-skills\/optimization\/sum is a symbolic link/, "run");
  assert.deepEqual(snapshotTree(away), before);
});

test("a .hex-skills committed as a symbolic link is refused, naming the fix in git", () => {
  const dir = fixtureRepo(dirs, "sum-loop");
  const away = outside();
  symlinkSync(away, join(dir, ".hex-skills"));
  writeFileSync(join(dir, "h.json"), JSON.stringify({ version: 1, hypotheses: [{ id: "H1", description: "d", change: { kind: "env", set: { X: "1" } } }] }));
  git(dir, "add", ".hex-skills", "h.json");
  git(dir, "commit", "-qm", "state elsewhere");
  const before = snapshotTree(away);
  for (const args of [RUN, ["execute", "sh work.sh", "--hypotheses", "h.json", "--test", "sh test.sh"]]) {
    const result = cli(args, { cwd: dir });
    refusedLine(result, /^perfloop: \.hex-skills is committed to the repository as a symbolic link \(to .+\): .*\(remove it from the repository \(git rm \.hex-skills && git commit/, args[0]!);
  }
  assert.deepEqual(snapshotTree(away), before);
});

test("a .hex-skills tracked by git is refused: perfloop never changes committed files", () => {
  const dir = fixtureRepo(dirs, "sum-loop");
  mkdirSync(join(dir, ".hex-skills", "optimization", "sum"), { recursive: true });
  writeFileSync(join(dir, ".hex-skills", "optimization", "sum", "context.md"), "# committed by mistake\n");
  git(dir, "add", ".hex-skills");
  git(dir, "commit", "-qm", "oops");
  const before = snapshotTree(dir);
  const result = cli(RUN, { cwd: dir });
  refusedLine(result, /^perfloop: \.hex-skills is tracked by git \(\.hex-skills\/optimization\/sum\/context\.md\): .*\(untrack it \(git rm -r --cached \.hex-skills/, "run");
  const after = snapshotTree(dir);
  for (const path of Object.keys(after)) if (!path.startsWith("/.git/")) assert.equal(after[path], before[path], `${path} unchanged`);
});
