// Hypotheses files v1 (docs/hypotheses.md): every validation error as one line naming the
// hypothesis, the field and the fix; defaults; the docs' complete example; ordering; the split
// into uncontested hypotheses and contested groups.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { UsageError } from "../../src/errors.ts";
import {
  type Hypothesis,
  impactScore,
  loadHypotheses,
  orderHypotheses,
  parseHypotheses,
  splitContested,
} from "../../src/research/hypotheses.ts";

const root = mkdtempSync(join(tmpdir(), "perfloop-hypotheses-"));
after(() => rmSync(root, { recursive: true, force: true }));

let repoCount = 0;
/** A fresh directory standing for a repository, with the given files. */
function makeRepo(files: Record<string, string> = {}): string {
  const repo = join(root, `repo-${++repoCount}`);
  mkdirSync(repo, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), content);
  }
  return repo;
}

function writeJson(repo: string, value: unknown): string {
  const file = join(repo, "hypotheses.json");
  writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value));
  return file;
}

const DIFF = "--- a/src/a.js\n+++ b/src/a.js\n@@ -1 +1 @@\n-slow()\n+fast()\n";

function hyp(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, description: `hypothesis ${id}`, change: { kind: "env", set: { [`V_${id.replace(/\W/g, "_")}`]: "1" } }, ...extra };
}

function file(...hypotheses: unknown[]): unknown {
  return { version: 1, hypotheses };
}

async function loadError(input: unknown, repo = makeRepo()): Promise<UsageError> {
  const path = writeJson(repo, input);
  try {
    await loadHypotheses(path, repo);
  } catch (error) {
    assert.ok(error instanceof UsageError, `expected a UsageError, got ${error}`);
    assert.equal(error.exitCode, 2);
    assert.ok(!error.message.includes("\n"), `one line: ${error.message}`);
    assert.ok(error.hint && error.hint.length > 0, "has a hint naming the fix");
    return error;
  }
  assert.fail(`expected ${JSON.stringify(input)} to be refused`);
}

describe("validation errors", () => {
  const cases: [name: string, input: unknown, message: RegExp][] = [
    ["bad JSON", '{"version": 1, "hypotheses": [,]}', /hypotheses\.json is not valid JSON: /],
    ["not an object", "[]", /: the file must be an object with version and hypotheses/],
    ["wrong version", { version: 2, hypotheses: [] }, /: version must be 1 /],
    ["no version", { hypotheses: [] }, /: version is missing/],
    ["hypotheses not an array", { version: 1, hypotheses: {} }, /: hypotheses must be an array of hypotheses/],
    ["entry not an object", file("H1"), /hypothesis #1: entry must be an object/],
    ["missing description", file({ id: "H1", change: { kind: "env", set: { A: "1" } } }), /hypothesis H1: description is missing/],
    ["missing change", file({ id: "H1", description: "d" }), /hypothesis H1: change is missing/],
    ["missing id", file({ description: "d", change: { kind: "env", set: { A: "1" } } }), /hypothesis #1: id is missing/],
    ["bad id", file(hyp("bad id")), /hypothesis #1: id must be 1-64 letters/],
    ["unknown field", file(hyp("H1", { dependecies: [] })), /hypothesis H1: dependecies is not a known field/],
    ["bad fix level", file(hyp("H1", { fix_level: "quick" })), /hypothesis H1: fix_level must be one of: configuration, infrastructure/],
    ["bad complexity", file(hyp("H1", { complexity: "trivial" })), /hypothesis H1: complexity must be one of: low, medium, high/],
    ["impact over 100", file(hyp("H1", { expected_impact: 300 })), /hypothesis H1: expected_impact .*percentage saved, from 0 to 100/],
    ["impact of a wrong type", file(hyp("H1", { expected_impact: true })), /hypothesis H1: expected_impact must be a string such as "3x"/],
    ["bad evidence", file(hyp("H1", { evidence: 3 })), /hypothesis H1: evidence must be a string or an array of strings/],
    ["bad change kind", file(hyp("H1", { change: { kind: "sed" } })), /hypothesis H1: change\.kind must be one of: patch, edit, command, env, branch/],
    ["patch with diff and path", file(hyp("H1", { change: { kind: "patch", diff: DIFF, path: "p.diff" } })), /hypothesis H1: change of kind patch needs exactly one of diff/],
    ["patch with neither", file(hyp("H1", { change: { kind: "patch" } })), /hypothesis H1: change of kind patch needs exactly one of diff/],
    ["edit without search", file(hyp("H1", { change: { kind: "edit", file: "a", replace: "b" } })), /hypothesis H1: change\.search is missing/],
    ["edit with empty search", file(hyp("H1", { change: { kind: "edit", file: "a", search: "", replace: "b" } })), /hypothesis H1: change\.search must be the exact text/],
    ["edit with a stray field", file(hyp("H1", { change: { kind: "edit", file: "a", search: "x", replace: "y", all: true } })), /hypothesis H1: change\.all is not a known field/],
    ["command without run", file(hyp("H1", { change: { kind: "command" } })), /hypothesis H1: change\.run is missing/],
    ["env with a bad name", file(hyp("H1", { change: { kind: "env", set: { "A-B": "1" } } })), /hypothesis H1: change\.set\.A-B names must be environment variable names/],
    ["env with a number", file(hyp("H1", { change: { kind: "env", set: { A: 4 } } })), /hypothesis H1: change\.set\.A values must be strings/],
    ["env setting nothing", file(hyp("H1", { change: { kind: "env", set: {} } })), /hypothesis H1: change\.set must set at least one variable/],
    ["branch ref like an option", file(hyp("H1", { change: { kind: "branch", ref: "--force" } })), /hypothesis H1: change\.ref must not start with '-'/],
    ["duplicate ids", file(hyp("H1"), hyp("H2"), hyp("H1")), /hypothesis H1: id is used twice \(entries 1 and 3\)/],
    ["unknown dependency", file(hyp("H1"), hyp("H2", { dependencies: ["H9"] })), /hypothesis H2: dependencies names unknown id "H9"/],
    ["unknown conflict", file(hyp("H1", { conflicts_with: ["H7"] })), /hypothesis H1: conflicts_with names unknown id "H7"/],
    ["conflict with itself", file(hyp("H1", { conflicts_with: ["H1"] })), /hypothesis H1: conflicts_with names the hypothesis itself/],
    ["depends on and conflicts with", file(hyp("H1"), hyp("H2", { dependencies: ["H1"], conflicts_with: ["H1"] })), /hypothesis H2: conflicts_with names H1, which is also one of its dependencies/],
    ["dependency cycle", file(hyp("H1", { dependencies: ["H3"] }), hyp("H2", { dependencies: ["H1"] }), hyp("H3", { dependencies: ["H2"] })), /hypothesis H1: dependencies form a cycle: H1 -> H3 -> H2 -> H1/],
    ["self dependency", file(hyp("H1", { dependencies: ["H1"] })), /hypothesis H1: dependencies form a cycle: H1 -> H1/],
    ["inline diff that is not a diff", file(hyp("H1", { change: { kind: "patch", diff: "just some words" } })), /hypothesis H1: change\.diff is not a unified diff/],
    ["patch file missing", file(hyp("H1", { change: { kind: "patch", path: "perf/nope.diff" } })), /hypothesis H1: change\.path "perf\/nope\.diff" does not exist/],
    ["edit path with ..", file(hyp("H1", { change: { kind: "edit", file: "../x", search: "a", replace: "b" } })), /hypothesis H1: change\.file "\.\.\/x" leaves the repository/],
    ["edit path absolute", file(hyp("H1", { change: { kind: "edit", file: "/etc/passwd", search: "a", replace: "b" } })), /hypothesis H1: change\.file "\/etc\/passwd" is absolute/],
    ["files_to_modify leaving the tree", file(hyp("H1", { files_to_modify: ["a/../../x"] })), /hypothesis H1: files_to_modify\.0 "a\/\.\.\/\.\.\/x" leaves the repository/],
    ["patch path leaving the tree", file(hyp("H1", { change: { kind: "patch", path: "../outside.diff" } })), /hypothesis H1: change\.path "\.\.\/outside\.diff" leaves the repository/],
    ["inline diff leaving the tree", file(hyp("H1", { change: { kind: "patch", diff: "--- ../x\n+++ ../x\n@@ -1 +1 @@\n-a\n+b\n" } })), /hypothesis H1: change\.diff \(file "\.\.\/x"\) "\.\.\/x" leaves the repository/],
    ["a path inside .git", file(hyp("H1", { change: { kind: "edit", file: ".git/config", search: "a", replace: "b" } })), /hypothesis H1: change\.file "\.git\/config" is inside \.git/],
    ["a Windows path", file(hyp("H1", { files_to_modify: ["C:\\x"] })), /hypothesis H1: files_to_modify\.0 "C:\\\\x" is absolute/],
  ];
  for (const [name, input, message] of cases) {
    test(name, async () => {
      const error = await loadError(input);
      assert.match(error.message, message);
    });
  }

  test("a hypotheses file that does not exist", async () => {
    const repo = makeRepo();
    await assert.rejects(loadHypotheses(join(repo, "missing.json"), repo), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /^hypotheses file .*missing\.json does not exist$/);
      return true;
    });
  });

  test("an edit through a symlink in the repository", async () => {
    const repo = makeRepo({ "real/x.js": "a" });
    symlinkSync("/etc", join(repo, "link"));
    const error = await loadError(file(hyp("H1", { change: { kind: "edit", file: "link/passwd", search: "a", replace: "b" } })), repo);
    assert.match(error.message, /hypothesis H1: change\.file "link\/passwd" goes through the symlink "link" in the repository/);
  });

  test("a patch file through a symlinked directory", async () => {
    const outside = makeRepo({ "h.diff": DIFF });
    const repo = makeRepo({ "src/a.js": "slow()\n" });
    symlinkSync(outside, join(repo, "perf"));
    const error = await loadError(file(hyp("H1", { change: { kind: "patch", path: "perf/h.diff" } })), repo);
    assert.match(error.message, /hypothesis H1: change\.path "perf\/h\.diff" goes through the symlink "perf"/);
  });

  test("a patch file that is itself a symlink", async () => {
    const outside = makeRepo({ "h.diff": DIFF });
    const repo = makeRepo();
    symlinkSync(join(outside, "h.diff"), join(repo, "h.diff"));
    const error = await loadError(file(hyp("H1", { change: { kind: "patch", path: "h.diff" } })), repo);
    assert.match(error.message, /goes through the symlink "h\.diff"/);
  });

  test("a patch whose files go through a symlink", async () => {
    const repo = makeRepo({ "perf/h.diff": DIFF });
    symlinkSync("/tmp", join(repo, "src"));
    const error = await loadError(file(hyp("H1", { change: { kind: "patch", path: "perf/h.diff" } })), repo);
    assert.match(error.message, /hypothesis H1: change\.path \(perf\/h\.diff\) "src\/a\.js" goes through the symlink "src"/);
  });

  test("only the first problem is named, with how many more there are", async () => {
    const error = await loadError(file({ id: "H1" }));
    assert.match(error.message, /hypothesis H1: description is missing \(and 1 more problem\)/);
  });
});

function docsExample(): unknown {
  const docs = readFileSync(new URL("../../docs/hypotheses.md", import.meta.url), "utf8");
  const block = /<!-- example: complete[^>]*-->\s*```json\n([\s\S]*?)```/.exec(docs);
  assert.ok(block, "docs/hypotheses.md has the complete example");
  return JSON.parse(block[1]!);
}

describe("valid files", () => {
  test("the complete example from docs/hypotheses.md parses, with defaults filled in", () => {
    const list = parseHypotheses(docsExample(), "docs/hypotheses.md");
    assert.deepEqual(
      list.map((h) => h.id),
      ["H1", "H2", "H3", "threads-4", "threads-16", "H6"],
    );
    const [h1, h2, h3, threads] = list as [Hypothesis, Hypothesis, Hypothesis, Hypothesis];
    assert.deepEqual(h1.files_to_modify, ["src/parse.js"]);
    assert.deepEqual(h2.files_to_modify, ["src/read.js"]);
    assert.deepEqual(h3.files_to_modify, ["src/parse.js"]);
    assert.deepEqual(h2.evidence, ["readFileSync is called once per line"]);
    assert.equal(h2.fix_level, "application");
    assert.equal(threads.fix_level, "configuration");
    assert.equal(threads.complexity, "medium");
    assert.equal(threads.risk, "medium");
    assert.equal(h3.bottleneck_addressed, null);
    assert.deepEqual(h3.dependencies, []);
    assert.equal(h1.group, null);
    assert.equal(threads.group, "knob:UV_THREADPOOL_SIZE");
  });

  test("the smallest hypothesis gets every default", () => {
    const [h] = parseHypotheses(file({ id: "H1", description: "d", change: { kind: "command", run: "true" } }), "x");
    assert.deepEqual(h, {
      id: "H1",
      description: "d",
      fix_level: "application",
      bottleneck_addressed: null,
      expected_impact: null,
      complexity: "medium",
      risk: "medium",
      evidence: [],
      change: { kind: "command", run: "true" },
      files_to_modify: [],
      dependencies: [],
      conflicts_with: [],
      group: null,
    });
  });

  test("an empty list is valid", async () => {
    const repo = makeRepo();
    assert.deepEqual(await loadHypotheses(writeJson(repo, file()), repo), []);
  });

  test("a patch file is read in and its files become files_to_modify", async () => {
    const repo = makeRepo({ "perf/h1.diff": DIFF, "src/a.js": "slow()\n" });
    const input = file(hyp("H1", { change: { kind: "patch", path: "perf/h1.diff" }, files_to_modify: ["ignored.js"] }));
    const [h] = await loadHypotheses(writeJson(repo, input), repo);
    assert.deepEqual(h!.change, { kind: "patch", path: "perf/h1.diff", diff: DIFF });
    assert.deepEqual(h!.files_to_modify, ["src/a.js"]);
  });

  test("a git diff creating and deleting files names both", () => {
    const diff = [
      "diff --git a/new.txt b/new.txt",
      "new file mode 100644",
      "--- /dev/null",
      "+++ b/new.txt",
      "@@ -0,0 +1 @@",
      "+hello",
      "diff --git a/old.txt b/old.txt",
      "deleted file mode 100644",
      "--- a/old.txt",
      "+++ /dev/null",
      "@@ -1 +0,0 @@",
      "-bye",
      "",
    ].join("\n");
    const [h] = parseHypotheses(file(hyp("H1", { change: { kind: "patch", diff } })), "x");
    assert.deepEqual(h!.files_to_modify, ["new.txt", "old.txt"]);
  });
});

function make(id: string, fields: Partial<Hypothesis> = {}): Hypothesis {
  return {
    id,
    description: id,
    fix_level: "application",
    bottleneck_addressed: null,
    expected_impact: null,
    complexity: "medium",
    risk: "medium",
    evidence: [],
    change: { kind: "command", run: "true" },
    files_to_modify: [],
    dependencies: [],
    conflicts_with: [],
    group: null,
    ...fields,
  };
}

describe("ordering", () => {
  test("impact strings and numbers as the share of the metric saved", () => {
    const cases: [string | number | null, number | null][] = [
      [40, 0.4],
      [0, 0],
      [100, 1],
      ["3x", 1 - 1 / 3],
      ["3x on parse step", 1 - 1 / 3],
      ["x2", 0.5],
      ["1.5×", 1 - 1 / 1.5],
      ["0.8x", 0.2],
      ["-40%", 0.4],
      ["40% faster", 0.4],
      ["saves 12.5 %", 0.125],
      ["high", 0.5],
      ["Large", 0.5],
      ["medium", 0.25],
      ["a small win", 0.1],
      ["negligible", 0.01],
      ["-200ms", null],
      ["max throughput", null],
      ["unknown", null],
      [null, null],
    ];
    for (const [impact, expected] of cases) {
      const score = impactScore(impact);
      if (expected === null) assert.equal(score, null, String(impact));
      else assert.ok(score !== null && Math.abs(score - expected) < 1e-9, `${impact}: ${score} != ${expected}`);
    }
  });

  test("fix level, then impact, then complexity, then risk, then input order", () => {
    const list = [
      make("app-low-impact", { expected_impact: "low" }),
      make("removal", { fix_level: "removal", expected_impact: "10x" }),
      make("app-unknown"),
      make("app-3x-high-risk", { expected_impact: "3x", risk: "high" }),
      make("app-3x-low-risk", { expected_impact: "3x", risk: "low" }),
      make("app-3x-low-complexity", { expected_impact: "3x", complexity: "low", risk: "high" }),
      make("config", { fix_level: "configuration", expected_impact: "low" }),
      make("framework", { fix_level: "framework" }),
      make("infra", { fix_level: "infrastructure" }),
      make("app-66-percent", { expected_impact: 66 }),
      make("app-unknown-2"),
    ];
    assert.deepEqual(
      orderHypotheses(list).map((h) => h.id),
      [
        "config",
        "infra",
        "framework",
        "app-3x-low-complexity",
        "app-3x-low-risk",
        "app-3x-high-risk",
        "app-66-percent",
        "app-low-impact",
        "app-unknown",
        "app-unknown-2",
        "removal",
      ],
    );
  });

  test("a dependency comes first even when it ranks lower", () => {
    const list = [
      make("late", { fix_level: "removal" }),
      make("needs-late", { fix_level: "configuration", dependencies: ["late"] }),
      make("middle", { fix_level: "framework" }),
      make("needs-outside", { fix_level: "configuration", dependencies: ["not-in-list"] }),
    ];
    assert.deepEqual(
      orderHypotheses(list).map((h) => h.id),
      ["needs-outside", "middle", "late", "needs-late"],
    );
  });

  test("the docs example in order", () => {
    const list = parseHypotheses(docsExample(), "docs");
    assert.deepEqual(
      orderHypotheses(list).map((h) => h.id),
      ["threads-4", "threads-16", "H6", "H1", "H2", "H3"],
    );
  });
});

describe("contested split", () => {
  const ids = (list: readonly Hypothesis[]) => list.map((h) => h.id);
  const env = (set: Record<string, string>) => ({ kind: "env" as const, set });

  test("the docs example: a conflict with a dependent, a knob group, one uncontested", () => {
    const split = splitContested(orderHypotheses(parseHypotheses(docsExample(), "docs")));
    assert.deepEqual(ids(split.uncontested), ["H6"]);
    assert.deepEqual(
      split.contested.map((group) => ({ name: group.name, kind: group.kind, members: ids(group.members), dependents: ids(group.dependents) })),
      [
        { name: "knob:UV_THREADPOOL_SIZE", kind: "knob", members: ["threads-4", "threads-16"], dependents: [] },
        { name: "conflict:H1,H3", kind: "conflict", members: ["H1", "H3"], dependents: ["H2"] },
      ],
    );
  });

  test("nothing contested", () => {
    const list = [make("A"), make("B", { dependencies: ["A"] }), make("C", { group: "alone" })];
    assert.deepEqual(splitContested(list), { uncontested: list, contested: [] });
  });

  test("a declared group is one set of alternatives, conflicts join it transitively", () => {
    const list = [
      make("cache", { group: "memo" }),
      make("precompute", { group: "memo" }),
      make("rewrite", { conflicts_with: ["precompute"] }),
      make("other"),
    ];
    const split = splitContested(list);
    assert.deepEqual(ids(split.uncontested), ["other"]);
    assert.equal(split.contested.length, 1);
    assert.equal(split.contested[0]!.name, "memo");
    assert.equal(split.contested[0]!.kind, "alternatives");
    assert.deepEqual(ids(split.contested[0]!.members), ["cache", "precompute", "rewrite"]);
  });

  test("env changes setting one variable to different values contest implicitly; equal values do not", () => {
    const list = [
      make("jobs-2", { change: env({ JOBS: "2" }) }),
      make("jobs-8", { change: env({ JOBS: "8" }) }),
      make("jobs-8-again", { change: env({ JOBS: "8", OTHER: "1" }) }),
      make("gc", { change: env({ GC: "1" }) }),
    ];
    const split = splitContested(list);
    assert.deepEqual(ids(split.uncontested), ["gc"]);
    assert.deepEqual(split.contested.map((g) => [g.name, g.kind, ids(g.members)]), [
      ["conflict:jobs-2,jobs-8,jobs-8-again", "conflict", ["jobs-2", "jobs-8", "jobs-8-again"]],
    ]);
  });

  test("dependents follow transitively; depending on two groups joins them", () => {
    const list = [
      make("A1", { group: "a" }),
      make("A2", { group: "a" }),
      make("B1", { group: "b" }),
      make("B2", { group: "b" }),
      make("base"),
      make("on-A1", { dependencies: ["A1", "base"] }),
      make("on-on-A1", { dependencies: ["on-A1"] }),
      make("on-A2-and-B1", { dependencies: ["A2", "B1"] }),
    ];
    const split = splitContested(list);
    assert.deepEqual(ids(split.uncontested), ["base"]);
    assert.equal(split.contested.length, 1);
    const [group] = split.contested;
    assert.equal(group!.name, "a+b");
    assert.deepEqual(ids(group!.members), ["A1", "A2", "B1", "B2"]);
    assert.deepEqual(ids(group!.dependents), ["on-A1", "on-on-A1", "on-A2-and-B1"]);
  });
});
