// Untracked files in the person's tree (src/git/untracked.ts): the notice a run gives once, and
// which untracked paths a failure in a side tree names.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PerfloopError, UsageError } from "../../src/errors.ts";
import {
  collectUntracked,
  explainUntracked,
  mentionedUntracked,
  nameUntrackedIn,
  NO_UNTRACKED,
  readUntracked,
  untrackedEntries,
  untrackedNotice,
  withoutInputs,
} from "../../src/git/untracked.ts";

const ROOT = "/tmp/perfloop-preflight-123-abc/tree";

test("the notice: how many, up to 3 named (directories as git status shows them), and why", () => {
  assert.equal(untrackedNotice(NO_UNTRACKED), null);
  assert.equal(
    untrackedNotice(collectUntracked(["notes.txt"], ["src/index.js"])),
    "1 untracked file (notes.txt) is not included: side trees start from the base commit (commit what the run needs)",
  );
  const many = collectUntracked(["out.txt", "notes.txt", "scratch/a.txt", "scratch/old/b.txt", "src/local.js", "zz.log"], ["src/index.js", "README.md"]);
  assert.deepEqual(many.dirs, ["scratch/"], "only the top-most directory that holds nothing tracked");
  assert.deepEqual(untrackedEntries(many), ["notes.txt", "out.txt", "scratch/", "src/local.js", "zz.log"]);
  assert.equal(
    untrackedNotice(many),
    "6 untracked files (notes.txt, out.txt, scratch/ and 2 more) are not included: side trees start from the base commit (commit what the run needs)",
  );
});

test("files in a dependency folder are not counted: side trees link those folders in", () => {
  const found = collectUntracked(["node_modules/x/index.js", "packages/ui/node_modules/y.js", ".venv/bin/python", "data.json"], ["package.json"]);
  assert.deepEqual(found, { count: 1, files: ["data.json"], dirs: [] });
});

test("node's ENOENT names a relative path: the untracked file at the command's directory", () => {
  const out = "node:fs:573\n  return binding.open(\n\nError: ENOENT: no such file or directory, open 'data.json'\n    at Object.openSync (node:fs:573:18)";
  assert.deepEqual(mentionedUntracked(out, ["data.json", "notes.txt"]), ["data.json"]);
  // From a subdirectory of the repository: "data.json" there is "app/data.json".
  assert.deepEqual(mentionedUntracked(out, ["app/data.json", "data.json"], { subdir: "app" }), ["app/data.json", "data.json"]);
  assert.deepEqual(mentionedUntracked("ENOENT: no such file or directory, open '../fixtures/data.json'", ["fixtures/data.json"], { subdir: "app" }), ["fixtures/data.json"]);
});

test("absolute paths: under the side tree they are repository paths; elsewhere they must end in the path", () => {
  const out = `Error: ENOENT: no such file or directory, open '${ROOT}/config/data.json'`;
  assert.deepEqual(mentionedUntracked(out, ["config/data.json", "data.json", "other/data.json"], { root: ROOT }), ["config/data.json"]);
  // Without the root (a resolved /tmp, another tool's path): the suffix decides.
  assert.deepEqual(mentionedUntracked(out, ["config/data.json", "data.json", "other/data.json"]), ["config/data.json", "data.json"]);
  assert.deepEqual(mentionedUntracked(`cat: ${ROOT}/x/notes.txt: No such file or directory`, ["notes.txt"], { root: ROOT }), []);
});

test("module names without their extension: node, bun, ESM, python", () => {
  const untracked = ["local-config.js", "local_config.py", "data.json"];
  assert.deepEqual(mentionedUntracked("Error: Cannot find module './local-config'\nRequire stack:\n- /tmp/x/tree/index.js", untracked), ["local-config.js"]);
  assert.deepEqual(mentionedUntracked("error: Cannot find module './local-config' from '/tmp/x/tree/index.js'", untracked), ["local-config.js"]);
  assert.deepEqual(mentionedUntracked(`Error [ERR_MODULE_NOT_FOUND]: Cannot find module '${ROOT}/lib/local-config' imported from ${ROOT}/index.mjs`, ["lib/local-config.js", "local-config.js"], { root: ROOT }), ["lib/local-config.js"]);
  assert.deepEqual(mentionedUntracked("ModuleNotFoundError: No module named 'local_config'", untracked), ["local_config.py"]);
  assert.deepEqual(mentionedUntracked("src/index.ts:1:20 - error TS2307: Cannot find module '../src/local-config' or its corresponding type declarations.", ["src/local-config.ts"]), ["src/local-config.ts"]);
});

test("shells, python, go: the other ways of saying a file is missing", () => {
  assert.deepEqual(mentionedUntracked("cat: data.json: No such file or directory", ["data.json"]), ["data.json"]);
  assert.deepEqual(mentionedUntracked("sh: 1: ./prepare.sh: not found", ["prepare.sh"]), ["prepare.sh"]);
  assert.deepEqual(mentionedUntracked("FileNotFoundError: [Errno 2] No such file or directory: 'data.json'", ["data.json"]), ["data.json"]);
  assert.deepEqual(mentionedUntracked("panic: open testdata/big.csv: no such file or directory", ["testdata/big.csv"]), ["testdata/big.csv"]);
});

test("an untracked directory is named when the path is it or lies in it", () => {
  assert.deepEqual(mentionedUntracked("Error: ENOENT: no such file or directory, scandir 'fixtures'", ["fixtures/", "fixtures/a.json"]), ["fixtures/"]);
  assert.deepEqual(mentionedUntracked(`ENOENT: no such file or directory, open '${ROOT}/fixtures/a.json'`, ["fixtures/", "fixtures/a.json"], { root: ROOT }), ["fixtures/", "fixtures/a.json"]);
});

test("nothing is named without a sign that something is missing, nor for a word that only looks like a name", () => {
  assert.deepEqual(mentionedUntracked("AssertionError: data.json has 3 rows, expected 4", ["data.json"]), []);
  // "data" alone is a word, not the module data.json.
  assert.deepEqual(mentionedUntracked("Error: ENOENT: reading data failed, file not found", ["data.json"]), []);
  assert.deepEqual(mentionedUntracked("Error: ENOENT: no such file or directory, open 'input.json'", ["notes.txt", "out.txt"]), []);
  assert.deepEqual(mentionedUntracked("anything", []), []);
});

test("the sentence names the file (or files) and the way out", () => {
  assert.equal(
    explainUntracked(["data.json"]),
    "data.json is untracked in your tree, so the side tree (made from the base commit) does not have it: commit it, or pass what it holds another way",
  );
  assert.match(explainUntracked(["a.json", "b.json"]), /^a\.json and b\.json are untracked in your tree, so the side tree \(made from the base commit\) does not have them: commit them/);
  assert.match(explainUntracked(["a", "b", "c", "d"]), /^a, b, c and 1 more are untracked/);
});

test("nameUntrackedIn adds the sentence to a failure that names an untracked path, and leaves others alone", () => {
  const untracked = collectUntracked(["data.json", "notes.txt"], ["read.js"]);
  const probe = new UsageError("the target `node read.js` fails (exit 1) on the base commit: Error: ENOENT: no such file or directory, open 'data.json'", "check the command");
  assert.deepEqual(nameUntrackedIn(probe, untracked), ["data.json"]);
  assert.equal(
    probe.message,
    "the target `node read.js` fails (exit 1) on the base commit: Error: ENOENT: no such file or directory, open 'data.json'; data.json is untracked in your tree, so the side tree (made from the base commit) does not have it: commit it, or pass what it holds another way",
  );
  assert.ok(probe instanceof UsageError, "the error keeps its class");
  // A multi-line message (the test command's) gets the sentence on a line of its own; the tail in data is read too.
  const tests = new PerfloopError("test_command_failed", "the test command `npm test` fails with exit code 1 on the unmodified code; the last lines of its output:\n  | boom\nfix the tests or pass --test", { data: { output_tail: ["Error: Cannot find module './local-config'"] } });
  assert.deepEqual(nameUntrackedIn(tests, collectUntracked(["local-config.js"], [])), ["local-config.js"]);
  assert.match(tests.message, /\nfix the tests or pass --test\nlocal-config\.js is untracked in your tree/);
  assert.deepEqual(tests.data?.untracked_missing, ["local-config.js"]);
  const other = new UsageError("the target fails: Error: ENOENT: no such file or directory, open 'input.json'");
  assert.deepEqual(nameUntrackedIn(other, untracked), []);
  assert.equal(other.message, "the target fails: Error: ENOENT: no such file or directory, open 'input.json'");
  assert.deepEqual(nameUntrackedIn(new Error("ENOENT data.json"), untracked), [], "only perfloop's own errors");
  // A file inside a named untracked directory is not named twice.
  const inDir = new UsageError(`ENOENT: no such file or directory, open '${ROOT}/fixtures/a.json'`);
  assert.deepEqual(nameUntrackedIn(inDir, collectUntracked(["fixtures/a.json"], ["index.js"]), { root: ROOT }), ["fixtures/"]);
});

test("readUntracked reads a checkpoint's record back; anything malformed is none", () => {
  const stored = collectUntracked(["a.txt", "d/b.txt"], ["x.js"]);
  assert.deepEqual(readUntracked(JSON.parse(JSON.stringify(stored))), stored);
  assert.deepEqual(readUntracked(undefined), NO_UNTRACKED);
  assert.deepEqual(readUntracked({ files: ["a", 3] }), { count: 1, files: ["a"], dirs: [] });
});

test("the run's own inputs (the hypotheses file, its patches) are not named: they are read from the person's tree", () => {
  const all = collectUntracked(["perf/h.json", "perf/fix.patch", "notes.txt", "scratch/a"], ["src/x.js"]);
  assert.deepEqual(all.dirs, ["perf/", "scratch/"]);
  const left = withoutInputs(all, new Set(["perf/h.json", "perf/fix.patch"]));
  assert.deepEqual(left, { count: 2, files: ["notes.txt", "scratch/a"], dirs: ["scratch/"] });
  assert.equal(untrackedNotice(withoutInputs(collectUntracked(["h.json"], []), new Set(["h.json"]))), null);
});
