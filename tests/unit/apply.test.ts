// Applying one hypothesis to a base tree (src/execute/apply.ts): every change kind, patches with
// moved context, patches and edits that do not fit, creation and deletion, hostile paths, and a
// command run for real with `sh -c` through the platform's spawn.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { type ApplyContext, applyHypothesis, HypothesisApplyError } from "../../src/execute/apply.ts";
import type { FileEntry, FileMode, FileTree } from "../../src/git/types.ts";
import { detectPlatform } from "../../src/platform/index.ts";
import type { Change } from "../../src/research/hypotheses.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function entry(text: string, mode: FileMode = "100644"): FileEntry {
  return { mode, data: encoder.encode(text) };
}

function tree(files: Record<string, string | FileEntry>): FileTree {
  return new Map(Object.entries(files).map(([path, value]) => [path, typeof value === "string" ? entry(value) : value]));
}

function textOf(value: FileEntry | null | undefined): string | null | undefined {
  return value ? decoder.decode(value.data) : value;
}

async function apply(base: FileTree, change: Change, ctx: ApplyContext = {}) {
  return await applyHypothesis(base, { id: "H1", change }, ctx);
}

async function refused(base: FileTree, change: Change, message: RegExp, ctx: ApplyContext = {}): Promise<HypothesisApplyError> {
  try {
    await apply(base, change, ctx);
  } catch (error) {
    assert.ok(error instanceof HypothesisApplyError, `expected a HypothesisApplyError, got ${error}`);
    assert.match(error.message, message);
    assert.ok(!error.message.includes("\n"), `one line: ${error.message}`);
    assert.equal(error.hypothesis, "H1");
    return error;
  }
  assert.fail(`expected ${JSON.stringify(change)} to be refused`);
}

const lines = (count: number, prefix = "line") => Array.from({ length: count }, (_, index) => `${prefix} ${index + 1}\n`).join("");

describe("patch", () => {
  const base = tree({ "src/a.js": lines(20), "src/b.js": "keep\n", "old.txt": "bye\n" });

  test("a git diff changing one line", async () => {
    const diff = "--- a/src/a.js\n+++ b/src/a.js\n@@ -9,3 +9,3 @@\n line 9\n-line 10\n+LINE TEN\n line 11\n";
    const applied = await apply(base, { kind: "patch", diff });
    assert.deepEqual(applied.files, ["src/a.js"]);
    assert.equal(textOf(applied.changes.get("src/a.js")), lines(20).replace("line 10\n", "LINE TEN\n"));
    assert.deepEqual(applied.env, {});
    assert.equal(
      applied.diff,
      "diff --git a/src/a.js b/src/a.js\n--- a/src/a.js\n+++ b/src/a.js\n@@ -7,7 +7,7 @@\n line 7\n line 8\n line 9\n-line 10\n+LINE TEN\n line 11\n line 12\n line 13\n",
    );
  });

  test("context moved down by several lines still applies", async () => {
    const moved = tree({ "src/a.js": lines(6, "new") + lines(20) });
    const diff = "--- a/src/a.js\n+++ b/src/a.js\n@@ -9,3 +9,3 @@\n line 9\n-line 10\n+LINE TEN\n line 11\n";
    const applied = await apply(moved, { kind: "patch", diff });
    assert.equal(textOf(applied.changes.get("src/a.js")), lines(6, "new") + lines(20).replace("line 10\n", "LINE TEN\n"));
  });

  test("one changed context line is tolerated (fuzz 1)", async () => {
    const changed = tree({ "src/a.js": lines(20).replace("line 8\n", "line eight\n") });
    const diff = "--- a/src/a.js\n+++ b/src/a.js\n@@ -8,5 +8,5 @@\n line 8\n line 9\n-line 10\n+LINE TEN\n line 11\n line 12\n";
    const applied = await apply(changed, { kind: "patch", diff });
    assert.match(textOf(applied.changes.get("src/a.js"))!, /line eight\nline 9\nLINE TEN\nline 11\n/);
  });

  test("a patch that does not apply names the hypothesis, the file and the hunk", async () => {
    const diff = [
      "--- a/src/a.js",
      "+++ b/src/a.js",
      "@@ -2,1 +2,1 @@",
      "-line 2",
      "+LINE 2",
      "@@ -15,3 +15,3 @@",
      " line 15",
      "-line sixteen",
      "+LINE 16",
      " line 17",
      "",
    ].join("\n");
    const error = await refused(
      base,
      { kind: "patch", diff },
      /^hypothesis H1: patch does not apply to src\/a\.js: hunk 2 of 2 \(@@ -15,3 \+15,3 @@\) does not fit \(the file has no line "line sixteen"\)$/,
    );
    assert.deepEqual(error.data, { hypothesis: "H1", file: "src/a.js", hunk: 2 });
    assert.match(error.hint!, /regenerate the patch/);
  });

  test("creation, deletion and a mode change in one git diff", async () => {
    const diff = [
      "diff --git a/new/file.txt b/new/file.txt",
      "new file mode 100755",
      "--- /dev/null",
      "+++ b/new/file.txt",
      "@@ -0,0 +1,2 @@",
      "+#!/bin/sh",
      "+echo hi",
      "diff --git a/old.txt b/old.txt",
      "deleted file mode 100644",
      "--- a/old.txt",
      "+++ /dev/null",
      "@@ -1 +0,0 @@",
      "-bye",
      "diff --git a/src/b.js b/src/b.js",
      "old mode 100644",
      "new mode 100755",
      "",
    ].join("\n");
    const applied = await apply(base, { kind: "patch", diff });
    assert.deepEqual(applied.files, ["new/file.txt", "old.txt", "src/b.js"]);
    assert.deepEqual(applied.changes.get("new/file.txt"), entry("#!/bin/sh\necho hi\n", "100755"));
    assert.equal(applied.changes.get("old.txt"), null);
    assert.deepEqual(applied.changes.get("src/b.js"), entry("keep\n", "100755"));
    assert.match(applied.diff, /diff --git a\/new\/file\.txt b\/new\/file\.txt\nnew file mode 100755\n--- \/dev\/null\n\+\+\+ b\/new\/file\.txt\n/);
    assert.match(applied.diff, /diff --git a\/old\.txt b\/old\.txt\ndeleted file mode 100644\n--- a\/old\.txt\n\+\+\+ \/dev\/null\n@@ -1,1 \+0,0 @@\n-bye\n/);
    assert.match(applied.diff, /diff --git a\/src\/b\.js b\/src\/b\.js\nold mode 100644\nnew mode 100755\n/);
  });

  test("a plain diff -u without a/ b/ prefixes, creating a file", async () => {
    const diff = "--- /dev/null\n+++ notes.md\n@@ -0,0 +1 @@\n+# notes\n";
    const applied = await apply(base, { kind: "patch", diff });
    assert.equal(textOf(applied.changes.get("notes.md")), "# notes\n");
  });

  test("an LF patch applies to a CRLF file and keeps CRLF", async () => {
    const crlf = tree({ "w.txt": "one\r\ntwo\r\nthree\r\n" });
    const diff = "--- a/w.txt\n+++ b/w.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n";
    const applied = await apply(crlf, { kind: "patch", diff });
    assert.equal(textOf(applied.changes.get("w.txt")), "one\r\nTWO\r\nthree\r\n");
  });

  test("creating a file that exists, changing or deleting one that does not, a stale deletion", async () => {
    await refused(base, { kind: "patch", diff: "--- /dev/null\n+++ b/old.txt\n@@ -0,0 +1 @@\n+x\n" }, /patch creates old\.txt, which already exists/);
    await refused(base, { kind: "patch", diff: "--- a/nope.js\n+++ b/nope.js\n@@ -1 +1 @@\n-a\n+b\n" }, /patch changes nope\.js, which does not exist/);
    await refused(base, { kind: "patch", diff: "--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-hello\n" }, /patch does not apply to old\.txt: hunk 1 of 1/);
  });

  test("an unparseable patch, a binary patch", async () => {
    await refused(base, { kind: "patch", diff: "nothing here" }, /patch is not a unified diff/);
    const binary = "diff --git a/img.png b/img.png\nindex 1..2 100644\nBinary files a/img.png and b/img.png differ\n";
    await refused(tree({ "img.png": "x" }), { kind: "patch", diff: binary }, /patch changes the binary file img\.png/);
  });

  test("a patch file that was never read in", async () => {
    await refused(base, { kind: "patch", path: "perf/h1.diff" }, /patch file perf\/h1\.diff was not read/);
  });

  describe("hostile paths are refused", () => {
    const cases: [string, RegExp][] = [
      ["--- a/../x\n+++ b/../x\n@@ -0,0 +1 @@\n+x\n", /patch names "\.\.\/x", which leaves the repository/],
      ["--- /dev/null\n+++ /etc/passwd\n@@ -0,0 +1 @@\n+root::0:0::/:/bin/sh\n", /patch names "\/etc\/passwd", which is absolute/],
      ["--- /dev/null\n+++ b/a/../../x\n@@ -0,0 +1 @@\n+x\n", /patch names "a\/\.\.\/\.\.\/x", which leaves the repository/],
      ["--- /dev/null\n+++ b/.git/hooks/pre-commit\n@@ -0,0 +1 @@\n+x\n", /patch names "\.git\/hooks\/pre-commit", which is inside \.git/],
      ["--- /dev/null\n+++ b/link/evil.js\n@@ -0,0 +1 @@\n+x\n", /changes link\/evil\.js through the symlink link/],
      ["--- /dev/null\n+++ b/src/b.js/inner\n@@ -0,0 +1 @@\n+x\n", /changes src\/b\.js\/inner, but src\/b\.js is a file/],
      ["--- /dev/null\n+++ b/src\n@@ -0,0 +1 @@\n+x\n", /changes src, but it is a directory/],
    ];
    const withLink = new Map(base).set("link", entry("../../outside", "120000"));
    for (const [diff, message] of cases) {
      test(diff.split("\n")[1]!, async () => {
        await refused(withLink, { kind: "patch", diff }, message);
      });
    }
  });
});

describe("edit", () => {
  const base = tree({ "src/a.js": "const a = 1;\nconst b = 2;\nconst a2 = 1;\n", "w.txt": "one\r\ntwo\r\nthree\r\n" });

  test("exact text found once is replaced", async () => {
    const applied = await apply(base, { kind: "edit", file: "src/a.js", search: "const b = 2;", replace: "const b = $& + 3;" });
    assert.equal(textOf(applied.changes.get("src/a.js")), "const a = 1;\nconst b = $& + 3;\nconst a2 = 1;\n");
    assert.deepEqual(applied.files, ["src/a.js"]);
    assert.match(applied.diff, /^diff --git a\/src\/a\.js b\/src\/a\.js\n/);
  });

  test("no match, and two matches, say which", async () => {
    const none = await refused(base, { kind: "edit", file: "src/a.js", search: "const c", replace: "x" }, /^hypothesis H1: edit of src\/a\.js: the search text is not in the file$/);
    assert.equal(none.data?.matches, 0);
    const two = await refused(base, { kind: "edit", file: "src/a.js", search: "= 1;", replace: "x" }, /^hypothesis H1: edit of src\/a\.js: the search text occurs 2 times \(lines 1, 3\)$/);
    assert.equal(two.data?.matches, 2);
    assert.match(two.hint!, /add surrounding lines/);
  });

  test("a search written with LF matches a CRLF file, and the replacement gets CRLF", async () => {
    const applied = await apply(base, { kind: "edit", file: "w.txt", search: "one\ntwo\n", replace: "1\n2\n" });
    assert.equal(textOf(applied.changes.get("w.txt")), "1\r\n2\r\nthree\r\n");
  });

  test("a missing file, a binary file, a symlink, hostile paths", async () => {
    const more = new Map(base).set("bin", { mode: "100644", data: new Uint8Array([0, 1, 2]) }).set("lnk", entry("src", "120000"));
    await refused(more, { kind: "edit", file: "nope.js", search: "a", replace: "b" }, /edit of nope\.js: the file does not exist/);
    await refused(more, { kind: "edit", file: "bin", search: "a", replace: "b" }, /edit of bin: it is a binary file/);
    await refused(more, { kind: "edit", file: "lnk", search: "a", replace: "b" }, /edit of lnk: lnk is a symlink/);
    await refused(more, { kind: "edit", file: "lnk/a.js", search: "a", replace: "b" }, /edit of lnk\/a\.js: lnk is a symlink/);
    await refused(more, { kind: "edit", file: "../x", search: "a", replace: "b" }, /edit of "\.\.\/x": the path leaves the repository/);
    await refused(more, { kind: "edit", file: "/etc/passwd", search: "a", replace: "b" }, /edit of "\/etc\/passwd": the path is absolute/);
    await refused(more, { kind: "edit", file: "a/../../x", search: "a", replace: "b" }, /edit of "a\/\.\.\/\.\.\/x": the path leaves the repository/);
  });
});

describe("env and branch", () => {
  const base = tree({ "a.txt": "a\n", "gone.txt": "bye\n", "same.txt": "same\n" });

  test("env changes nothing in the tree", async () => {
    const applied = await apply(base, { kind: "env", set: { UV_THREADPOOL_SIZE: "8" } });
    assert.deepEqual(applied, { changes: new Map(), diff: "", env: { UV_THREADPOOL_SIZE: "8" }, files: [] });
  });

  test("branch: the difference between the base and the branch's tree", async () => {
    const refs: string[] = [];
    const ctx: ApplyContext = {
      readTreeAt: async (ref) => {
        refs.push(ref);
        return tree({ "a.txt": "A\n", "new.txt": "new\n", "same.txt": "same\n" });
      },
    };
    const applied = await apply(base, { kind: "branch", ref: "try-cache" }, ctx);
    assert.deepEqual(refs, ["try-cache"]);
    assert.deepEqual(applied.files, ["a.txt", "gone.txt", "new.txt"]);
    assert.equal(applied.changes.get("gone.txt"), null);
    assert.equal(textOf(applied.changes.get("new.txt")), "new\n");
    assert.match(applied.diff, /deleted file mode 100644/);
  });

  test("branch and command need their callbacks", async () => {
    await assert.rejects(apply(base, { kind: "branch", ref: "x" }), /needs ctx\.readTreeAt/);
    await assert.rejects(apply(base, { kind: "command", run: "true" }), /needs ctx\.workDir/);
  });
});

const scratch = mkdtempSync(join(tmpdir(), "perfloop-apply-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirCount = 0;

/** Writes a tree into a fresh directory, as the executor's side work tree would hold it. */
function materialize(files: FileTree): string {
  const dir = join(scratch, `tree-${++dirCount}`);
  mkdirSync(dir);
  for (const [path, value] of files) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    if (value.mode === "120000") symlinkSync(decoder.decode(value.data), full);
    else {
      writeFileSync(full, value.data);
      if (value.mode === "100755") chmodSync(full, 0o755);
    }
  }
  return dir;
}

describe("command", () => {
  const base = tree({ "src/a.js": "slow()\n", "old.txt": "bye\n", "run.sh": "#!/bin/sh\n", "keep.txt": "keep\n" });

  test("what the command changed in the directory, with a fake runner", async () => {
    const dir = materialize(base);
    mkdirSync(join(dir, ".git"));
    writeFileSync(join(dir, ".git", "HEAD"), "ref: refs/heads/main\n");
    mkdirSync(join(dir, "node_modules"));
    writeFileSync(join(dir, "node_modules", "dep.js"), "dep\n");
    const calls: [string, string][] = [];
    const ctx: ApplyContext = {
      workDir: dir,
      ignore: (path) => path === "node_modules",
      run: async (command, cwd) => {
        calls.push([command, cwd]);
        writeFileSync(join(cwd, "src/a.js"), "fast()\n");
        writeFileSync(join(cwd, "src/new.js"), "new\n");
        unlinkSync(join(cwd, "old.txt"));
        chmodSync(join(cwd, "run.sh"), 0o755);
        symlinkSync("src/a.js", join(cwd, "alias.js"));
        writeFileSync(join(cwd, ".git", "HEAD"), "changed\n");
        writeFileSync(join(cwd, "node_modules", "dep.js"), "changed\n");
        writeFileSync(join(cwd, "keep.txt"), "keep\n");
        return { exitCode: 0, stderrTail: "" };
      },
    };
    const applied = await apply(base, { kind: "command", run: "npx codemod" }, ctx);
    assert.deepEqual(calls, [["npx codemod", dir]]);
    assert.deepEqual(applied.files, ["alias.js", "old.txt", "run.sh", "src/a.js", "src/new.js"]);
    assert.deepEqual(applied.changes.get("alias.js"), entry("src/a.js", "120000"));
    assert.equal(applied.changes.get("old.txt"), null);
    assert.deepEqual(applied.changes.get("run.sh"), entry("#!/bin/sh\n", "100755"));
    assert.equal(textOf(applied.changes.get("src/a.js")), "fast()\n");
    assert.match(applied.diff, /diff --git a\/alias\.js b\/alias\.js\nnew file mode 120000\n/);
  });

  test("a failing command is an error with its exit code and the last line of stderr", async () => {
    const ctx: ApplyContext = { workDir: materialize(base), run: async () => ({ exitCode: 3, stderrTail: "warming up\nerror: no such file\n" }) };
    const error = await refused(base, { kind: "command", run: "codemod ." }, /^hypothesis H1: command "codemod \." exited with 3: error: no such file$/, ctx);
    assert.equal(error.data?.exitCode, 3);
  });

  test("a real `sh -c` run through the platform's spawn", async () => {
    const platform = detectPlatform();
    const dir = materialize(base);
    const ctx: ApplyContext = {
      workDir: dir,
      run: async (command, cwd) => {
        const result = await platform.spawn({ shell: command, cwd, env: { ...platform.env }, timeoutMs: 30_000, maxOutputBytes: 64 * 1024 });
        return { exitCode: result.exitCode, stderrTail: result.stderr };
      },
    };
    const command = "printf 'fast()\\n' > src/a.js && mkdir -p lib && printf 'x' > lib/x.js && rm old.txt && chmod +x run.sh";
    const applied = await apply(base, { kind: "command", run: command }, ctx);
    assert.deepEqual(applied.files, ["lib/x.js", "old.txt", "run.sh", "src/a.js"]);
    assert.equal(textOf(applied.changes.get("src/a.js")), "fast()\n");
    assert.deepEqual(applied.changes.get("lib/x.js"), entry("x"));
    assert.equal(applied.changes.get("run.sh")?.mode, "100755");
    assert.equal(readFileSync(join(dir, "src/a.js"), "utf8"), "fast()\n");
    assert.match(applied.diff, /lib\/x\.js\nnew file mode 100644\n--- \/dev\/null\n\+\+\+ b\/lib\/x\.js\n@@ -0,0 \+1,1 @@\n\+x\n\\ No newline at end of file\n/);

    const failing = { ...ctx, workDir: materialize(base) };
    await refused(base, { kind: "command", run: "echo broken >&2; exit 7" }, /command "echo broken >&2; exit 7" exited with 7: broken$/, failing);
  });
});
