// The person's own candidates (src/research/own-candidates.ts): --try-branch and --try-commit as
// branch hypotheses, their ids, descriptions and notes, and the refs refused. Every hypothesis goes
// through parseHypotheses to prove it is valid.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { UsageError } from "../../src/errors.ts";
import { parseHypotheses } from "../../src/research/hypotheses.ts";
import { type OwnCandidateInput, ownCandidates } from "../../src/research/own-candidates.ts";

const SHA = "0123456789abcdef0123456789abcdef01234567";

function parsed(input: OwnCandidateInput) {
  return parseHypotheses({ version: 1, hypotheses: ownCandidates(input).hypotheses }, "--try-branch");
}

describe("ownCandidates", () => {
  const cases: [name: string, input: OwnCandidateInput, ids: string[], refs: string[]][] = [
    ["nothing given", {}, [], []],
    ["one branch", { branches: ["try-streaming"] }, ["branch-try-streaming"], ["try-streaming"]],
    ["branches keep their order", { branches: ["b", "a"] }, ["branch-b", "branch-a"], ["b", "a"]],
    ["a branch with a slash", { branches: ["feature/cache"] }, ["branch-feature-cache-"], ["feature/cache"]],
    ["a tag or HEAD~1 is a ref too", { branches: ["v1.2.0", "HEAD~1"] }, ["branch-v1.2.0", "branch-HEAD-1-"], ["v1.2.0", "HEAD~1"]],
    ["an abbreviated commit", { commits: ["abc1234"] }, ["commit-abc1234"], ["abc1234"]],
    ["a commit in capitals", { commits: ["ABCDEF12"] }, ["commit-abcdef12"], ["ABCDEF12"]],
    ["a resolved commit: 12 digits, the full id as the ref", { commits: [{ ref: "HEAD~2", commit: SHA }] }, ["commit-0123456789ab"], [SHA]],
    ["an unresolved relative rev", { commits: ["main~3"] }, ["commit-main-3-"], ["main~3"]],
    ["branches then commits", { commits: [SHA], branches: ["x"] }, ["branch-x", "commit-0123456789ab"], ["x", SHA]],
  ];
  for (const [name, input, ids, refs] of cases) {
    test(name, () => {
      const list = parsed(input);
      assert.equal(list.length, ids.length);
      list.forEach((h, index) => {
        const id = ids[index]!;
        if (id.endsWith("-")) assert.match(h.id, new RegExp(`^${id.replace(/[.]/g, "\\.")}[0-9a-f]{8}$`));
        else assert.equal(h.id, id);
        assert.deepEqual(h.change, { kind: "branch", ref: refs[index] });
        assert.equal(h.fix_level, "application");
        assert.equal(h.expected_impact, null);
        assert.match(h.evidence[0]!, /^the person's own candidate \(--try-(?:branch|commit) /);
      });
    });
  }

  test("the description says the whole tree is tried, not the diff from the merge base", () => {
    const [branch, commit] = parsed({ branches: ["try-cache"], commits: [{ ref: "HEAD~2", commit: SHA }] });
    assert.match(branch!.description, /^The branch try-cache as it stands: every file where its tree differs from the base's takes the branch's version/);
    assert.match(branch!.description, /not from their merge base/);
    assert.match(commit!.description, /^The tree of commit 0123456789ab \(HEAD~2\):/);
    assert.match(commit!.description, /not a cherry-pick/);
  });

  test("files the caller listed become files_to_modify, sorted", () => {
    const [h] = parsed({ branches: [{ ref: "x", files: ["src/b.js", "src/a.js"] }] });
    assert.deepEqual(h!.files_to_modify, ["src/a.js", "src/b.js"]);
  });

  test("a ref behind the base gets a note: its whole tree reverts the base's newer commits", () => {
    const result = ownCandidates({ branches: [{ ref: "old", behind: 3 }, { ref: "fresh", behind: 0 }], commits: [{ ref: SHA, commit: SHA, behind: 1 }] }, "main");
    assert.equal(result.notes.length, 2);
    assert.match(result.notes[0]!, /^--try-branch old is 3 commits behind main: .*reverts those 3 commits; .*git rebase main old/);
    assert.match(ownCandidates({ branches: [{ ref: "old", behind: 2 }] }).notes[0]!, /behind the base: .*git rebase <base> old/);
    assert.match(result.notes[1]!, /^--try-commit 0123456789abcdef0123456789abcdef01234567 is 1 commit behind main/);
    assert.deepEqual(ownCandidates({ branches: ["x"] }).notes, []);
  });

  const refused: [name: string, input: OwnCandidateInput, message: RegExp, hint: RegExp][] = [
    ["an empty ref", { branches: [""] }, /^--try-branch "" is empty/, /name a branch/],
    ["a leading '-'", { branches: ["-rf"] }, /^--try-branch "-rf" starts with '-'/, /never starts with '-'/],
    ["a blank", { branches: ["my branch"] }, /holds a blank or a control character/, /git ref names have none/],
    ["a newline", { commits: ["abc\n123"] }, /^--try-commit "abc\\n123" holds a blank/, /git ref names/],
    ["too long", { branches: ["x".repeat(300)] }, /longer than 255 characters/, /name a branch/],
    ["the same branch twice", { branches: ["a", "a"] }, /^--try-branch "a" names the same candidate as --try-branch a/, /once/],
    ["two revs of one commit", { commits: [{ ref: "HEAD", commit: SHA }, { ref: "main", commit: SHA }] }, /^--try-commit "main" names the same candidate as --try-commit HEAD/, /once/],
    ["a resolution that is not a full id", { commits: [{ ref: "HEAD", commit: "abc" }] }, /not a full commit id/, /40 hex digits/],
  ];
  for (const [name, input, message, hint] of refused) {
    test(`refused: ${name}`, () => {
      assert.throws(
        () => ownCandidates(input),
        (error: unknown) => {
          assert.ok(error instanceof UsageError);
          assert.match(error.message, message);
          assert.match(error.hint ?? "", hint);
          assert.ok(!error.message.includes("\n"), "one line");
          return true;
        },
      );
    });
  }
});
