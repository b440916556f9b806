// A failure of the machine's (docs/runtime.md, "When the disk says no") is one line naming the
// path, what happened and the fix, exit 2: never "internal error", never a half-written run.
// ENAMETOOLONG is the case any user can cause without privileges (a project path near PATH_MAX);
// the full disk is tests/e2e/full-disk.test.ts, EROFS tests/integration/durable-write.test.ts.
// Through the CLI: Bun, Deno and the binary.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cli, removeDir, tempDir, writeManifest, type CliResult } from "../helpers/cli.ts";
import { FIXTURES, git } from "../helpers/repo.ts";

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

/** Linux's PATH_MAX, terminating NUL included: a path of this many characters is refused. */
const PATH_MAX = 4096;
const COMPONENT = 200;

/** A directory whose absolute path is `length` characters long (components of COMPONENT characters). */
function deepDir(length: number): string {
  const base = tempDir("perfloop-deep-");
  dirs.push(base);
  let path = base;
  while (path.length < length) {
    const room = length - path.length - 1;
    // Never leave a remainder of 1: a component needs its "/" and at least one character.
    const size = room <= COMPONENT ? room : room === COMPONENT + 1 ? COMPONENT - 1 : COMPONENT;
    path = join(path, "d".repeat(size));
  }
  mkdirSync(path, { recursive: true });
  assert.equal(path.length, length);
  return path;
}

const describe = (result: CliResult) => `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
const FIX = "use a shorter --slug, or a project path closer to /, then run the command again";

test("perfloop runtime start where a run's files would pass PATH_MAX: one JSON line naming the directory and the fix, no half run", () => {
  // Room for .hex-skills/optimization/runtime/.lock and active/ln-810/s.json, none for runs/<run id>/.
  const dir = deepDir(PATH_MAX - 60);
  const manifest = writeManifest(tempDir(), "s");
  const result = cli(["runtime", "start", "--project-root", dir, "--slug", "s", "--manifest-file", manifest]);
  assert.equal(result.code, 2, describe(result));
  assert.equal(result.stdout, "");
  const lines = result.stderr.trim().split("\n");
  assert.equal(lines.length, 1, result.stderr);
  const body = JSON.parse(lines[0]!);
  assert.match(body.error, /^cannot create the directory \.hex-skills\/optimization\/runtime\/runs\/ln-810-s-\d+-[0-9a-f]{8}: file name too long \(ENAMETOOLONG\)$/);
  assert.equal(body.hint, FIX);
  assert.equal(body.ok, false);
  assert.deepEqual(readdirSync(join(dir, ".hex-skills", "optimization", "runtime")).sort(), ["runs"], "no lock left, no pointer, no run");
  assert.deepEqual(readdirSync(join(dir, ".hex-skills", "optimization", "runtime", "runs")), []);
});

test("perfloop run where its files would pass PATH_MAX: one line naming the file and the fix, exit 2", { timeout: 60_000 }, () => {
  const dir = deepDir(PATH_MAX - 120);
  cpSync(join(FIXTURES, "sum-loop"), dir, { recursive: true });
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "base");
  // The longest slug there is (src/runtime/slug.ts): its run directory passes PATH_MAX.
  const slug = "s".repeat(64);
  const result = cli(["run", "sh work.sh", "--test", "sh test.sh", "--slug", slug, "--yes", "--project-root", dir]);
  assert.equal(result.code, 2, describe(result));
  const errors = result.stderr.trim().split("\n").filter((line) => line.startsWith("perfloop:"));
  assert.equal(errors.length, 1, result.stderr);
  assert.match(errors[0]!, new RegExp(`^perfloop: cannot (read|write|create the directory) \\.hex-skills/optimization/[^ ]*${slug}[^ ]*: file name too long \\(ENAMETOOLONG\\) \\(${FIX.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\)$`));
  assert.doesNotMatch(result.stderr, /internal error/);
});
