// The plan validator's checks (phase 7): V1..V8 each, the verdict, what can still be executed,
// dependency chains on a hypothesis that does not apply, and removals with and without an
// optimizing twin. Hypotheses go through parseHypotheses so their defaults are filled in.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseHypotheses } from "../../src/research/hypotheses.ts";
import { checkFeasibility, type FeasibilityInput } from "../../src/validate/feasibility.ts";

/** An edit of `file` (fix level application unless told), with evidence. */
function edit(id: string, file: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, description: `hypothesis ${id}`, evidence: [`${id} is hot`], change: { kind: "edit", file, search: "slow()", replace: "fast()" }, ...extra };
}

/** An env knob (fix level configuration, no files), with evidence. */
function knob(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, description: `knob ${id}`, evidence: [`${id} helps`], change: { kind: "env", set: { [`KNOB_${id}`]: "1" } }, ...extra };
}

const BASE_FILES = new Set(["src/a.ts", "src/b.ts", "src/c.ts", "src/hot.ts"]);

function input(hypotheses: Record<string, unknown>[], overrides: Partial<FeasibilityInput> = {}): FeasibilityInput {
  return {
    hypotheses: parseHypotheses({ version: 1, hypotheses }, "test"),
    failed: new Map(),
    changedFiles: new Map(),
    overlaps: [],
    inBase: (path) => BASE_FILES.has(path),
    reordered: null,
    confirmedSuspicions: [],
    ...overrides,
  };
}

const checks = (result: ReturnType<typeof checkFeasibility>) => result.findings.map((f) => `${f.check}:${f.severity}:${f.hypothesis ?? "-"}`);

describe("each check", () => {
  const cases: { name: string; input: FeasibilityInput; verdict: string; findings: string[]; message?: RegExp }[] = [
    { name: "nothing to say: GO", input: input([edit("A", "src/a.ts"), knob("K")]), verdict: "GO", findings: [] },
    {
      name: "V1: a change that does not apply",
      input: input([edit("A", "src/a.ts"), edit("B", "src/b.ts")], { failed: new Map([["A", "the search text is not in src/a.ts"]]) }),
      verdict: "NO_GO",
      findings: ["V1:high:A"],
      message: /^A does not apply to the base: the search text is not in src\/a\.ts$/,
    },
    {
      name: "V2: depends on one that does not apply",
      input: input([edit("A", "src/a.ts"), edit("B", "src/b.ts", { dependencies: ["A"] })], { failed: new Map([["A", "patch failed"]]) }),
      verdict: "NO_GO",
      findings: ["V1:high:A", "V2:high:B"],
    },
    {
      name: "V3: a removal with no twin",
      input: input([edit("R", "src/a.ts", { fix_level: "removal", bottleneck_addressed: "1.2" }), edit("B", "src/b.ts", { bottleneck_addressed: "2" })]),
      verdict: "NO_GO",
      findings: ["V3:high:R"],
      message: /^R removes something \(fix_level removal\) and no application- or configuration-level hypothesis optimizes the same thing instead/,
    },
    {
      name: "V4: two uncontested hypotheses change the same lines",
      input: input([edit("A", "src/a.ts"), edit("B", "src/a.ts")], { overlaps: [{ path: "src/a.ts", ids: ["A", "B"], reason: "lines 3-5 overlap" }] }),
      verdict: "GO_WITH_CONCERNS",
      findings: ["V4:medium:B"],
      message: /^A and B both change src\/a\.ts \(lines 3-5 overlap\): only A is tried in the strike, then B on top of what it keeps; list them in each other's conflicts_with to A\/B them instead$/,
    },
    {
      name: "V5: a file not in the base",
      input: input([knob("K", { files_to_modify: ["config/missing.yml"] })]),
      verdict: "GO_WITH_CONCERNS",
      findings: ["V5:medium:K"],
      message: /^K lists config\/missing\.yml in files_to_modify, which is not in the base commit$/,
    },
    {
      name: "V5 not: a file the change creates",
      input: input([knob("K", { files_to_modify: ["config/new.yml"] })], { changedFiles: new Map([["K", ["config/new.yml"]]]) }),
      verdict: "GO",
      findings: [],
    },
    {
      name: "V6: no evidence",
      input: input([edit("A", "src/a.ts", { evidence: [] })]),
      verdict: "GO_WITH_CONCERNS",
      findings: ["V6:low:A"],
      message: /^A gives no evidence \(why it should help\)$/,
    },
    {
      name: "V6: an empty evidence string counts as none",
      input: input([edit("A", "src/a.ts", { evidence: "" })]),
      verdict: "GO_WITH_CONCERNS",
      findings: ["V6:low:A"],
    },
    {
      name: "V7: research reordered",
      input: input([edit("A", "src/a.ts")], { reordered: "moved K before A (configuration before application)" }),
      verdict: "GO_WITH_CONCERNS",
      findings: ["V7:low:-"],
      message: /^moved K before A \(configuration before application\)$/,
    },
    {
      name: "V8: a confirmed suspicion nothing touches",
      input: input([edit("A", "src/a.ts")], { confirmedSuspicions: [{ location: "src/hot.ts:12", category: "n+1", function: "load" }] }),
      verdict: "GO_WITH_CONCERNS",
      findings: ["V8:low:-"],
      message: /^confirmed suspicion at src\/hot\.ts:12 \(n\+1 in load\) is not addressed by any hypothesis$/,
    },
    {
      name: "V8 not: the file is touched (line and column stripped)",
      input: input([edit("A", "src/hot.ts")], { confirmedSuspicions: [{ location: "src/hot.ts:12:5", category: "n+1", function: "load" }] }),
      verdict: "GO",
      findings: [],
    },
    {
      name: "V8 not: touched by a file the applied change reports",
      input: input([knob("K")], { changedFiles: new Map([["K", ["src/hot.ts"]]]), confirmedSuspicions: [{ location: "src/hot.ts:3", category: "sync-io", function: "read" }] }),
      verdict: "GO",
      findings: [],
    },
    {
      name: "medium and low together: GO_WITH_CONCERNS",
      input: input([edit("A", "src/a.ts", { evidence: [] }), knob("K", { files_to_modify: ["gone.txt"] })]),
      verdict: "GO_WITH_CONCERNS",
      findings: ["V6:low:A", "V5:medium:K"],
    },
    {
      name: "an invalid hypothesis gets no V5 or V6",
      input: input([edit("A", "src/missing.ts", { evidence: [] })], { failed: new Map([["A", "src/missing.ts does not exist"]]) }),
      verdict: "NO_GO",
      findings: ["V1:high:A"],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const result = checkFeasibility(c.input);
      assert.equal(result.verdict, c.verdict);
      assert.deepEqual(checks(result), c.findings);
      if (c.message) assert.match(result.findings.at(-1)!.message, c.message);
    });
  }
});

describe("executable and invalid", () => {
  test("all apply: every id is executable, in order", () => {
    const result = checkFeasibility(input([edit("A", "src/a.ts"), edit("B", "src/b.ts"), knob("K")]));
    assert.deepEqual(result.executable, ["A", "B", "K"]);
    assert.deepEqual(result.invalid, []);
  });

  const chain = [edit("A", "src/a.ts"), edit("B", "src/b.ts", { dependencies: ["A"] }), edit("C", "src/c.ts", { dependencies: ["B"] }), knob("K")];
  const expectedInvalid = [
    { id: "A", reason: "does not apply to the base: the patch does not apply" },
    { id: "B", reason: "depends on A, which cannot be applied" },
    { id: "C", reason: "depends on B, which cannot be applied" },
  ];
  for (const [name, list] of [["listed in dependency order", chain], ["listed in reverse order", [...chain].reverse()]] as const) {
    test(`A fails, B depends on A, C on B: all three invalid (${name})`, () => {
      const result = checkFeasibility(input([...list], { failed: new Map([["A", "the patch does not apply"]]) }));
      assert.equal(result.verdict, "NO_GO");
      assert.deepEqual(result.executable, ["K"]);
      assert.deepEqual(
        [...result.invalid].sort((x, y) => x.id.localeCompare(y.id)),
        expectedInvalid,
      );
      assert.deepEqual(result.findings.map((f) => `${f.check}:${f.hypothesis}`).sort(), ["V1:A", "V2:B", "V2:C"]);
      assert.match(result.findings.find((f) => f.hypothesis === "C")!.message, /^C depends on B, which cannot be applied$/);
    });
  }

  test("listed in dependency order, invalid keeps the order it was found in", () => {
    const result = checkFeasibility(input(chain, { failed: new Map([["A", "the patch does not apply"]]) }));
    assert.deepEqual(result.invalid, expectedInvalid);
  });

  test("a dependency that applies does not invalidate", () => {
    const result = checkFeasibility(input(chain, { failed: new Map([["C", "no such text"]]) }));
    assert.deepEqual(result.executable, ["A", "B", "K"]);
    assert.deepEqual(result.invalid, [{ id: "C", reason: "does not apply to the base: no such text" }]);
  });

  test("NO_GO still lists the executable ones (for a waived gate)", () => {
    const result = checkFeasibility(input([edit("R", "src/a.ts", { fix_level: "removal" }), edit("B", "src/b.ts")]));
    assert.equal(result.verdict, "NO_GO");
    assert.deepEqual(result.executable, ["R", "B"]);
    assert.deepEqual(result.invalid, []);
  });
});

describe("a removal and its twin", () => {
  const cases: { name: string; hypotheses: Record<string, unknown>[]; changedFiles?: Map<string, string[]>; v3: boolean }[] = [
    {
      name: "twin by bottleneck_addressed (different files)",
      hypotheses: [edit("R", "src/a.ts", { fix_level: "removal", bottleneck_addressed: "1.2" }), edit("T", "src/b.ts", { bottleneck_addressed: "1.2" })],
      v3: false,
    },
    {
      name: "twin by bottleneck_addressed, a configuration knob",
      hypotheses: [edit("R", "src/a.ts", { fix_level: "removal", bottleneck_addressed: "cache" }), knob("K", { bottleneck_addressed: "cache" })],
      v3: false,
    },
    {
      name: "twin by a shared file (different bottlenecks)",
      hypotheses: [edit("R", "src/a.ts", { fix_level: "removal", bottleneck_addressed: "1" }), edit("T", "src/a.ts", { bottleneck_addressed: "2" })],
      v3: false,
    },
    {
      name: "twin by a file the applied twin changes",
      hypotheses: [edit("R", "src/a.ts", { fix_level: "removal" }), knob("K")],
      changedFiles: new Map([["K", ["src/a.ts"]]]),
      v3: false,
    },
    {
      name: "no twin: other files, other bottleneck",
      hypotheses: [edit("R", "src/a.ts", { fix_level: "removal", bottleneck_addressed: "1" }), edit("T", "src/b.ts", { bottleneck_addressed: "2" })],
      v3: true,
    },
    {
      name: "no twin: both bottlenecks null do not match",
      hypotheses: [edit("R", "src/a.ts", { fix_level: "removal" }), edit("T", "src/b.ts")],
      v3: true,
    },
    {
      name: "no twin: same file, but a framework-level change",
      hypotheses: [edit("R", "src/a.ts", { fix_level: "removal" }), edit("F", "src/a.ts", { fix_level: "framework" })],
      v3: true,
    },
    {
      name: "no twin: same bottleneck, but infrastructure",
      hypotheses: [edit("R", "src/a.ts", { fix_level: "removal", bottleneck_addressed: "1" }), edit("I", "src/b.ts", { fix_level: "infrastructure", bottleneck_addressed: "1" })],
      v3: true,
    },
    {
      name: "no twin: another removal on the same file",
      hypotheses: [edit("R", "src/a.ts", { fix_level: "removal" }), edit("S", "src/a.ts", { fix_level: "removal" })],
      v3: true,
    },
  ];
  for (const c of cases) {
    test(`${c.name}: ${c.v3 ? "V3" : "no V3"}`, () => {
      const result = checkFeasibility(input(c.hypotheses, { changedFiles: c.changedFiles ?? new Map() }));
      const v3 = result.findings.filter((f) => f.check === "V3").map((f) => f.hypothesis);
      const removals = c.hypotheses.filter((h) => h.fix_level === "removal").map((h) => h.id);
      assert.deepEqual(v3, c.v3 ? removals : []);
      assert.equal(result.verdict, c.v3 ? "NO_GO" : "GO");
    });
  }
});
