// Combining hypotheses' changes (src/execute/combine.ts): different files compose, same-file
// changes merge line-wise exactly as `git merge-file -p` does (checked against the git CLI when
// it is installed, and against the expected text embedded here), overlaps, edit vs delete and
// mode clashes are conflicts naming the path and the ids; line ends survive. unifiedDiff's output
// is accepted by `git apply --check`.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { combineChanges, unifiedDiff } from "../../src/execute/combine.ts";
import type { FileEntry, FileMode, FileTree, TreeChanges } from "../../src/git/types.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const entry = (text: string, mode: FileMode = "100644"): FileEntry => ({ mode, data: encoder.encode(text) });
const changes = (files: Record<string, string | FileEntry | null>): TreeChanges =>
  new Map(Object.entries(files).map(([path, value]) => [path, typeof value === "string" ? entry(value) : value]));
const textAt = (tree: FileTree, path: string) => {
  const value = tree.get(path);
  return value ? decoder.decode(value.data) : undefined;
};

const scratch = mkdtempSync(join(tmpdir(), "perfloop-combine-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
let count = 0;

const gitAvailable = spawnSync("git", ["--version"]).status === 0;

/** `git merge-file -p ours base theirs`: the merged text and the number of conflicts. */
function gitMergeFile(ours: string, base: string, theirs: string): { text: string; conflicts: number } {
  const dir = join(scratch, `merge-${++count}`);
  mkdirSync(dir);
  writeFileSync(join(dir, "ours"), ours);
  writeFileSync(join(dir, "base"), base);
  writeFileSync(join(dir, "theirs"), theirs);
  const result = spawnSync("git", ["merge-file", "-p", "ours", "base", "theirs"], { cwd: dir, encoding: "utf8" });
  assert.ok(result.status !== null && result.status >= 0, `git merge-file failed: ${result.stderr}`);
  return { text: result.stdout, conflicts: result.status };
}

/** Merges ours and theirs (two parts) over base, and checks the outcome against git when it is there. */
function mergeTwo(base: string, ours: string, theirs: string) {
  const baseTree: FileTree = new Map([["f.txt", entry(base)]]);
  const combined = combineChanges(baseTree, [
    { id: "A", changes: changes({ "f.txt": ours }) },
    { id: "B", changes: changes({ "f.txt": theirs }) },
  ]);
  if (gitAvailable) {
    const git = gitMergeFile(ours, base, theirs);
    assert.equal(combined.conflicts.length > 0, git.conflicts > 0, "conflict or not, as git merge-file decides");
    if (git.conflicts === 0) assert.equal(textAt(combined.tree, "f.txt"), git.text, "byte for byte what git merge-file -p gives");
  }
  return combined;
}

const BASE = "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n";

describe("same file, line-wise merge", () => {
  test("edits in different places compose", () => {
    const combined = mergeTwo(BASE, BASE.replace("two", "TWO"), BASE.replace("seven", "SEVEN"));
    assert.deepEqual(combined.conflicts, []);
    assert.equal(textAt(combined.tree, "f.txt"), "one\nTWO\nthree\nfour\nfive\nsix\nSEVEN\neight\n");
  });

  test("edits one line apart compose", () => {
    const combined = mergeTwo(BASE, BASE.replace("two", "TWO"), BASE.replace("four", "FOUR"));
    assert.deepEqual(combined.conflicts, []);
    assert.equal(textAt(combined.tree, "f.txt"), "one\nTWO\nthree\nFOUR\nfive\nsix\nseven\neight\n");
  });

  test("an insertion and a deletion elsewhere compose", () => {
    const combined = mergeTwo(BASE, BASE.replace("one\n", "zero\none\n"), BASE.replace("six\n", ""));
    assert.deepEqual(combined.conflicts, []);
    assert.equal(textAt(combined.tree, "f.txt"), "zero\none\ntwo\nthree\nfour\nfive\nseven\neight\n");
  });

  test("the same change on both sides is no conflict", () => {
    const combined = mergeTwo(BASE, BASE.replace("two", "2"), BASE.replace("two", "2"));
    assert.deepEqual(combined.conflicts, []);
  });

  const conflicting: [string, string, string][] = [
    ["adjacent lines", BASE.replace("two", "TWO"), BASE.replace("three", "THREE")],
    ["the same line", BASE.replace("two", "TWO"), BASE.replace("two", "deux")],
    ["inserts at one spot", BASE.replace("two\n", "two\nA\n"), BASE.replace("two\n", "two\nB\n")],
  ];
  for (const [name, ours, theirs] of conflicting) {
    test(`${name} conflict; the first part's version is kept`, () => {
      const combined = mergeTwo(BASE, ours, theirs);
      assert.deepEqual(combined.conflicts, [{ path: "f.txt", ids: ["A", "B"], reason: "overlap" }]);
      assert.equal(textAt(combined.tree, "f.txt"), ours);
    });
  }

  test("a file without a trailing newline stays so", () => {
    const base = "a\nb\nc\nd\ne";
    const combined = mergeTwo(base, "A\nb\nc\nd\ne", "a\nb\nc\nd\nE");
    assert.deepEqual(combined.conflicts, []);
    assert.equal(textAt(combined.tree, "f.txt"), "A\nb\nc\nd\nE");
  });

  test("adding a trailing newline on one side, an edit far away on the other", () => {
    const base = "a\nb\nc\nd\ne";
    const combined = mergeTwo(base, "A\nb\nc\nd\ne", "a\nb\nc\nd\ne\n");
    assert.deepEqual(combined.conflicts, []);
    assert.equal(textAt(combined.tree, "f.txt"), "A\nb\nc\nd\ne\n");
  });

  test("CRLF files keep CRLF", () => {
    const crlf = BASE.replaceAll("\n", "\r\n");
    const combined = mergeTwo(crlf, crlf.replace("two", "TWO"), crlf.replace("seven", "SEVEN"));
    assert.deepEqual(combined.conflicts, []);
    assert.equal(textAt(combined.tree, "f.txt"), "one\r\nTWO\r\nthree\r\nfour\r\nfive\r\nsix\r\nSEVEN\r\neight\r\n");
  });

  test("three parts merge cumulatively; a conflicting third keeps what the first two made", () => {
    const base: FileTree = new Map([["f.txt", entry(BASE)]]);
    const combined = combineChanges(base, [
      { id: "A", changes: changes({ "f.txt": BASE.replace("one", "ONE") }) },
      { id: "B", changes: changes({ "f.txt": BASE.replace("five", "FIVE") }) },
      { id: "C", changes: changes({ "f.txt": BASE.replace("five", "cinq"), "other.txt": "C was here\n" }) },
      { id: "D", changes: changes({ "f.txt": BASE.replace("eight", "EIGHT") }) },
    ]);
    assert.deepEqual(combined.conflicts, [{ path: "f.txt", ids: ["A", "B", "C"], reason: "overlap" }]);
    assert.equal(textAt(combined.tree, "f.txt"), "ONE\ntwo\nthree\nfour\nFIVE\nsix\nseven\nEIGHT\n");
    assert.equal(textAt(combined.tree, "other.txt"), "C was here\n");
  });
});

describe("whole files", () => {
  const base: FileTree = new Map([
    ["a.txt", entry("a\n")],
    ["b.txt", entry("b\n")],
    ["c.txt", entry("c\n")],
    ["run.sh", entry("#!/bin/sh\necho 1\necho 2\necho 3\necho 4\n")],
  ]);

  test("changes to different files compose; the base is not touched", () => {
    const combined = combineChanges(base, [
      { id: "A", changes: changes({ "a.txt": "A\n", "new.txt": "new\n" }) },
      { id: "B", changes: changes({ "b.txt": null }) },
    ]);
    assert.deepEqual(combined.conflicts, []);
    assert.deepEqual([...combined.tree.keys()].sort(), ["a.txt", "c.txt", "new.txt", "run.sh"]);
    assert.equal(textAt(combined.tree, "a.txt"), "A\n");
    assert.equal(textAt(base, "a.txt"), "a\n");
    assert.ok(base.has("b.txt"));
  });

  test("edit against delete conflicts, either way round", () => {
    const editFirst = combineChanges(base, [
      { id: "edit", changes: changes({ "c.txt": "C\n" }) },
      { id: "delete", changes: changes({ "c.txt": null }) },
    ]);
    assert.deepEqual(editFirst.conflicts, [{ path: "c.txt", ids: ["edit", "delete"], reason: "edit-delete" }]);
    assert.equal(textAt(editFirst.tree, "c.txt"), "C\n");
    const deleteFirst = combineChanges(base, [
      { id: "delete", changes: changes({ "c.txt": null }) },
      { id: "edit", changes: changes({ "c.txt": "C\n" }) },
    ]);
    assert.deepEqual(deleteFirst.conflicts, [{ path: "c.txt", ids: ["delete", "edit"], reason: "edit-delete" }]);
    assert.equal(deleteFirst.tree.has("c.txt"), false);
  });

  test("two deletions agree", () => {
    const combined = combineChanges(base, [
      { id: "A", changes: changes({ "c.txt": null }) },
      { id: "B", changes: changes({ "c.txt": null }) },
    ]);
    assert.deepEqual(combined.conflicts, []);
    assert.equal(combined.tree.has("c.txt"), false);
  });

  test("a mode change and a content change merge; two different new modes conflict", () => {
    const merged = combineChanges(base, [
      { id: "chmod", changes: changes({ "run.sh": entry("#!/bin/sh\necho 1\necho 2\necho 3\necho 4\n", "100755") }) },
      { id: "edit", changes: changes({ "run.sh": "#!/bin/sh\necho 1\necho 2\necho 3\necho FOUR\n" }) },
    ]);
    assert.deepEqual(merged.conflicts, []);
    assert.deepEqual(merged.tree.get("run.sh"), entry("#!/bin/sh\necho 1\necho 2\necho 3\necho FOUR\n", "100755"));
    const clash = combineChanges(base, [
      { id: "A", changes: changes({ "tool": entry("x\n", "100755") }) },
      { id: "B", changes: changes({ "tool": entry("x\n", "100644") }) },
    ]);
    assert.deepEqual(clash.conflicts, [{ path: "tool", ids: ["A", "B"], reason: "mode" }]);
    assert.equal(clash.tree.get("tool")?.mode, "100755");
  });

  test("two different versions of a binary file conflict", () => {
    const binary: FileTree = new Map([["img", { mode: "100644", data: new Uint8Array([0, 1, 2]) }]]);
    const combined = combineChanges(binary, [
      { id: "A", changes: new Map([["img", { mode: "100644", data: new Uint8Array([0, 1, 3]) }]]) },
      { id: "B", changes: new Map([["img", { mode: "100644", data: new Uint8Array([0, 1, 4]) }]]) },
    ]);
    assert.deepEqual(combined.conflicts, [{ path: "img", ids: ["A", "B"], reason: "binary" }]);
  });

  test("both adding the same file with different text conflict, as git's add/add does", () => {
    const combined = combineChanges(base, [
      { id: "A", changes: changes({ "n.txt": "one\n" }) },
      { id: "B", changes: changes({ "n.txt": "two\n" }) },
    ]);
    assert.deepEqual(combined.conflicts, [{ path: "n.txt", ids: ["A", "B"], reason: "overlap" }]);
  });
});

describe("unifiedDiff", () => {
  const base: FileTree = new Map([
    ["src/a.js", entry("one\ntwo\nthree\n")],
    ["gone.txt", entry("bye\n")],
    ["tool.sh", entry("#!/bin/sh\n")],
    ["img.png", { mode: "100644", data: new Uint8Array([137, 80, 0, 1]) }],
    ["nonl.txt", entry("x")],
  ]);
  const tree: FileTree = new Map(base);
  tree.set("src/a.js", entry("one\nTWO\nthree\n"));
  tree.delete("gone.txt");
  tree.set("tool.sh", entry("#!/bin/sh\n", "100755"));
  tree.set("img.png", { mode: "100644", data: new Uint8Array([137, 80, 0, 2]) });
  tree.set("nonl.txt", entry("y"));
  tree.set("new.txt", entry("hello\n"));

  const expected = [
    "diff --git a/gone.txt b/gone.txt",
    "deleted file mode 100644",
    "--- a/gone.txt",
    "+++ /dev/null",
    "@@ -1,1 +0,0 @@",
    "-bye",
    "diff --git a/img.png b/img.png",
    "Binary files a/img.png and b/img.png differ",
    "diff --git a/new.txt b/new.txt",
    "new file mode 100644",
    "--- /dev/null",
    "+++ b/new.txt",
    "@@ -0,0 +1,1 @@",
    "+hello",
    "diff --git a/nonl.txt b/nonl.txt",
    "--- a/nonl.txt",
    "+++ b/nonl.txt",
    "@@ -1,1 +1,1 @@",
    "-x",
    "\\ No newline at end of file",
    "+y",
    "\\ No newline at end of file",
    "diff --git a/src/a.js b/src/a.js",
    "--- a/src/a.js",
    "+++ b/src/a.js",
    "@@ -1,3 +1,3 @@",
    " one",
    "-two",
    "+TWO",
    " three",
    "diff --git a/tool.sh b/tool.sh",
    "old mode 100644",
    "new mode 100755",
    "",
  ].join("\n");

  test("git-style headers, files in path order, binary files noted", () => {
    assert.equal(unifiedDiff(base, tree), expected);
    assert.equal(unifiedDiff(base, base), "");
  });

  test("git apply --check accepts the text part", { skip: !gitAvailable && "git is not installed" }, () => {
    const repo = join(scratch, `repo-${++count}`);
    for (const [path, value] of base) {
      if (path === "img.png") continue;
      mkdirSync(dirname(join(repo, path)), { recursive: true });
      writeFileSync(join(repo, path), value.data);
    }
    const textOnly = new Map([...tree].filter(([path]) => path !== "img.png"));
    const textBase = new Map([...base].filter(([path]) => path !== "img.png"));
    writeFileSync(join(scratch, "p.diff"), unifiedDiff(textBase, textOnly));
    spawnSync("git", ["init", "-q"], { cwd: repo });
    const check = spawnSync("git", ["apply", "--check", join(scratch, "p.diff")], { cwd: repo, encoding: "utf8" });
    assert.equal(check.status, 0, check.stderr);
  });
});

test("a part made on the tree of the parts before it replaces their version of a path instead of merging with it", () => {
  const base: FileTree = new Map([["w.sh", entry("a\nb\nc\n")]]);
  const first = changes({ "w.sh": "A\nb\nc\n" });
  // The second edit was made next to the first: a line merge calls it a conflict...
  const next = changes({ "w.sh": "a\nB\nc\n" });
  assert.equal(combineChanges(base, [{ id: "H1", changes: first }, { id: "H2", changes: next }]).conflicts.length, 1);
  // ...rebased onto the first one's result, it is that result with its own edit, and replaces it.
  const rebased = changes({ "w.sh": "A\nB\nc\n" });
  const combined = combineChanges(base, [{ id: "H1", changes: first }, { id: "H2", changes: rebased, replaces: true }]);
  assert.deepEqual(combined.conflicts, []);
  assert.equal(textAt(combined.tree, "w.sh"), "A\nB\nc\n");
});
