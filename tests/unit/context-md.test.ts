// context.md (phase 6): the sections in order, the performance map's rows, the hypotheses table
// with conflicts and escaped cells, previous cycles with removals.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CycleRecord } from "../../src/model/cycle-record.ts";
import type { ProfileDigest } from "../../src/model/profile-digest.ts";
import { parseMetric } from "../../src/model/metric-spec.ts";
import { parseHypotheses } from "../../src/research/hypotheses.ts";
import { type ContextInput, renderContext } from "../../src/report/context-md.ts";

const DIGEST: ProfileDigest = {
  commit: "0123456789abcdef0123456789abcdef01234567",
  target_kind: "command",
  baseline: { wall_time_ms: 1234, cpu_time_ms: 1100, memory_peak_mb: 50, io_read_bytes: 4096, io_write_bytes: 0, http_round_trips: null },
  metrics: {
    wall_time_ms: { median: 1234, ci: [1200, 1270], mad: 12, min: 1190, max: 1300, n: 20, unit: "ms", outliers: 0, outlier_reasons: [] },
  },
  runs: 20,
  stopped_because: "converged",
  classification: "CPU",
  bottleneck_detail: "parse takes 65% of the wall time",
  classification_rule: "cpu_dominant",
  top_bottlenecks: [{ step: "1", type: "cpu", share: 0.65, description: "parse: JSON parsing of the whole file" }],
  steps: [{ id: "1", function: "parse|lex", wall_time_ms: 800, time_share_pct: 64.83, location: "src/a.ts:3" }],
  hot_functions: [{ function: "parse", location: "src/a.ts:3:1", self_pct: 70, total_pct: 80 }],
  hot_code: [],
  suspicions: [
    { category: "n+1", location: "src/hot.ts:12", verdict: "confirmed", description: "a query per row", evidence: "loop around db.get", function: "load" },
    { category: "sync-io", location: "src/b.ts:4", verdict: "dismissed", description: "readFileSync once", evidence: "outside the loop", function: "init" },
  ],
  optimization_hints: [],
  wrong_tool_indicators: [],
  wrong_tool_evidence: [],
  cpu_profile: { attempted: true, ok: true, reason: null, runtime: null, categories: null },
  endpoint_errors: null,
  warnings: [],
  summary_path: ".perfloop/summary.json",
};

const HYPOTHESES = parseHypotheses(
  {
    version: 1,
    hypotheses: [
      {
        id: "H1",
        description: "parse lazily | skip unused keys",
        expected_impact: "3x",
        evidence: ["parse is 70% self time", "keys unused"],
        change: { kind: "edit", file: "src/a.ts", search: "JSON.parse(text)", replace: "lazyParse(text)" },
        conflicts_with: ["H2"],
      },
      {
        id: "H2",
        description: "more parser threads",
        expected_impact: 40,
        change: { kind: "env", set: { PARSER_THREADS: "4" } },
        conflicts_with: ["H1"],
        dependencies: [],
      },
    ],
  },
  "test",
);

const PREVIOUS: CycleRecord[] = [
  {
    cycle: 1,
    status: "completed",
    mode: "execute",
    base_commit: "0123456789abcdef0123456789abcdef01234567",
    commit: "fedcba9876543210fedcba9876543210fedcba98",
    planned: ["H0", "H9"],
    kept: ["H0"],
    removed: [{ id: "H9", reason: "slower by 3.0%" }],
    ratio: 0.8,
    ratio_ci: [0.78, 0.82],
    p_value: 0.001,
    runs: [20, 20],
    improvement_pct: 20,
    baseline: { wall_time_ms: 1542 },
    final: { wall_time_ms: 1234 },
    target_met: false,
  },
];

function context(overrides: Partial<ContextInput> = {}): ContextInput {
  return {
    slug: "parse-speed",
    cycle: 2,
    maxCycles: 3,
    target: "node app.js big.json",
    observed: parseMetric("wall=6.3s", { flag: "--observed", allowRelative: false }),
    targetMetric: parseMetric("-40%", { flag: "--target" }),
    targetSource: "--target",
    testCommand: "npm test",
    e2e: null,
    stack: ["node", "typescript"],
    base: "0123456789abcdef0123456789abcdef01234567",
    digest: DIGEST,
    gate: { verdict: "CONCERNS", findings: [{ rule: "C4", level: "concern", message: "the bottleneck could not be classified: x" }] },
    hypotheses: HYPOTHESES,
    previous: PREVIOUS,
    ...overrides,
  };
}

const headings = (md: string) => md.split("\n").filter((line) => line.startsWith("## "));
const lines = (md: string) => md.split("\n");

describe("renderContext", () => {
  const md = renderContext(context());

  test("the title and the sections, in order", () => {
    assert.equal(lines(md)[0], "# Optimization context: parse-speed, cycle 2 of 3");
    assert.deepEqual(headings(md), ["## Problem", "## Performance map", "## Targets", "## Local findings", "## Hypotheses", "## Previous cycles"]);
  });

  test("the problem", () => {
    const all = lines(md);
    for (const line of [
      "- Target: `node app.js big.json`",
      "- Observed: wall time 6.30 s (wall=6.3s)",
      "- Base commit: `0123456789ab`",
      "- Test command: `npm test`",
      "- Stack: node, typescript",
    ]) assert.ok(all.includes(line), `missing: ${line}`);
  });

  test("an end-to-end command and no stack", () => {
    const other = lines(renderContext(context({ e2e: "npm run e2e", stack: [], observed: null })));
    assert.ok(other.includes("- Test command: `npm test`; end-to-end: `npm run e2e`"));
    assert.ok(other.includes("- Observed: not given"));
    assert.ok(!other.some((line) => line.startsWith("- Stack:")));
  });

  test("the baseline table: wall time with its interval, others without, nulls left out", () => {
    const all = lines(md);
    const start = all.indexOf("| metric | baseline | 95% CI of the median | n |");
    assert.ok(start > 0);
    assert.deepEqual(all.slice(start + 2, start + 7), [
      "| wall time | 1.23 s | 1.20 s .. 1.27 s | 20 |",
      "| CPU time | 1.10 s | - | - |",
      "| peak memory | 50.0 MiB | - | - |",
      "| disk read | 4.00 KiB | - | - |",
      "| disk write | 0 B | - | - |",
    ]);
    assert.equal(all[start + 7], "");
    assert.ok(!md.includes("HTTP round trips"));
  });

  test("bottleneck, steps, hot functions, gate", () => {
    const all = lines(md);
    assert.ok(all.includes("Bottleneck: **CPU** (cpu_dominant): parse takes 65% of the wall time"));
    assert.ok(all.includes("1. parse: JSON parsing of the whole file"));
    assert.ok(all.includes("| 1 | parse\\|lex | src/a.ts:3 | 800 ms | 64.8% |"));
    assert.ok(all.includes("- `parse` at src/a.ts:3:1: 70.0% self, 80.0% total"));
    assert.ok(all.includes("Gate: **CONCERNS**"));
    assert.ok(all.includes("- C4 (concern): the bottleneck could not be classified: x"));
  });

  test("targets", () => {
    assert.ok(lines(md).includes("- wall time -40% (0.6x of the baseline) (--target)"));
    const unset = lines(renderContext(context({ targetMetric: null, targetSource: null })));
    assert.ok(unset.includes("- to be set (default: 50% better than the baseline)"));
    const noSource = lines(renderContext(context({ targetMetric: parseMetric("500ms", { flag: "--target" }), targetSource: null })));
    assert.ok(noSource.includes("- wall time <= 500 ms (given)"));
  });

  test("local findings: only confirmed suspicions", () => {
    assert.ok(lines(md).includes("- src/hot.ts:12 (load), n+1: a query per row (loop around db.get)"));
    assert.ok(!md.includes("readFileSync once"));
    const none = renderContext(context({ digest: { ...DIGEST, suspicions: [] } }));
    assert.ok(lines(none).includes("- no confirmed suspicion in the hot functions' source"));
  });

  test("hypotheses: conflicts, dependencies, impact, evidence, pipes escaped", () => {
    const all = lines(md);
    assert.ok(all.includes("| id | from | level | change | files | expected | depends on | conflicts with | evidence |"));
    assert.ok(all.includes("| H1 | - | application | edit: parse lazily \\| skip unused keys | src/a.ts | 3x | - | H2 | parse is 70% self time; keys unused |"), md);
    assert.ok(all.includes("| H2 | - | configuration | env: more parser threads | env PARSER_THREADS | 40 | - | H1 | none |"), md);
    assert.ok(!md.includes("lazily | skip"), "the pipe in the description is escaped");
  });

  test("hypotheses: dependencies and groups", () => {
    const list = parseHypotheses(
      {
        version: 1,
        hypotheses: [
          { id: "A", description: "a", change: { kind: "env", set: { A: "1" } }, group: "threads" },
          { id: "B", description: "b", change: { kind: "env", set: { B: "1" } }, dependencies: ["A"], evidence: "because" },
        ],
      },
      "test",
    );
    const all = lines(renderContext(context({ hypotheses: list, origins: { A: "built-in rules" }, ruleSilences: [{ rule: "set-membership", path: "src/a.js", line: 3, function: "f", reason: "`xs`: declared with var" }] })));
    assert.ok(all.includes("- src/a.js:3 (f), set-membership: `xs`: declared with var"));
    assert.ok(all.includes("| A | built-in rules | configuration | env: a | env A | - | - | group threads | none |"));
    assert.ok(all.includes("| B | - | configuration | env: b | env B | - | A | - | because |"));
  });

  test("hypotheses: an empty list says none", () => {
    const out = renderContext(context({ hypotheses: [] }));
    assert.match(out, /## Hypotheses\n\n- none\n\n## Previous cycles/);
  });

  test("hypotheses: null leaves the section out", () => {
    const out = renderContext(context({ hypotheses: null }));
    assert.deepEqual(headings(out), ["## Problem", "## Performance map", "## Targets", "## Local findings", "## Previous cycles"]);
    assert.ok(!out.includes("| id | level |"));
  });

  test("previous cycles with a removed hypothesis", () => {
    const all = lines(md);
    const at = all.indexOf("- cycle 1: kept H0; 20.0% (ratio 0.800); commit fedcba987654");
    assert.ok(at > 0, md);
    assert.equal(all[at + 1], "  - removed H9: slower by 3.0%");
  });

  test("previous cycles: nothing kept, nothing measured; and none at all", () => {
    const nothing = renderContext(context({ previous: [{ ...PREVIOUS[0]!, kept: [], removed: [], ratio: null, commit: null, improvement_pct: 0 }] }));
    assert.ok(lines(nothing).includes("- cycle 1: kept nothing; nothing measured"));
    const first = renderContext(context({ previous: [] }));
    assert.match(first, /## Previous cycles\n\n- none: this is the first cycle\n$/);
  });

  test("no hot functions: the CPU profile's reason", () => {
    const out = renderContext(context({ digest: { ...DIGEST, hot_functions: [], cpu_profile: { attempted: true, ok: false, reason: "the inspector did not start", runtime: null, categories: null } } }));
    assert.ok(lines(out).includes("No CPU profile: the inspector did not start"));
  });

  test("wrong-tool evidence is listed", () => {
    const out = renderContext(context({ digest: { ...DIGEST, wrong_tool_indicators: ["infrastructure_bound"], wrong_tool_evidence: [{ indicator: "infrastructure_bound", reason: "90% waiting on the disk" }] } }));
    assert.match(out, /Wrong-tool indicators:\n\n- infrastructure_bound: 90% waiting on the disk\n/);
  });
});
