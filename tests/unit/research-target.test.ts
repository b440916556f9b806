// The research target (phase 5's middle rule): composed expected impacts, alternatives once, a confidence.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseHypotheses } from "../../src/research/hypotheses.ts";
import { researchTarget } from "../../src/research/research-target.ts";

const RULES = "built-in rules";

function list(items: Record<string, unknown>[]) {
  return parseHypotheses({ version: 1, hypotheses: items.map((h, i) => ({ id: `H${i + 1}`, description: "d", change: { kind: "env", set: { A: String(i) } }, ...h })) }, "test");
}

const cases: { name: string; hypotheses: Record<string, unknown>[]; origins: Record<string, string>; saving: number | null; confidence?: string }[] = [
  { name: "one rule at 80%: 75% of it, rounded down to 5", hypotheses: [{ expected_impact: 80, risk: "low" }], origins: { H1: RULES }, saving: 60, confidence: "high" },
  { name: "two independent 50% savings compose to 75%, then 75% of that", hypotheses: [{ expected_impact: 50, risk: "low" }, { expected_impact: 50, risk: "low" }], origins: { H1: RULES, H2: RULES }, saving: 55, confidence: "high" },
  { name: "alternatives in a group count once, with the best", hypotheses: [{ expected_impact: 40, group: "g" }, { expected_impact: 60, group: "g" }], origins: { H1: RULES, H2: RULES }, saving: 45, confidence: "medium" },
  { name: "conflicts_with links alternatives", hypotheses: [{ expected_impact: 40, conflicts_with: ["H2"], risk: "low" }, { expected_impact: 40, risk: "low" }], origins: { H1: RULES, H2: RULES }, saving: 30, confidence: "high" },
  { name: "a file's guesses without evidence: low confidence", hypotheses: [{ expected_impact: "3x" }], origins: { H1: "h.json" }, saving: 50, confidence: "low" },
  { name: "a file's impacts with evidence: medium", hypotheses: [{ expected_impact: "40%", evidence: "profile says so" }], origins: { H1: "h.json" }, saving: 30, confidence: "medium" },
  { name: "no impacts: no research target", hypotheses: [{}], origins: {}, saving: null },
  { name: "too small to be a goal", hypotheses: [{ expected_impact: 5 }], origins: { H1: RULES }, saving: null },
  { name: "near-total savings: 75% of 99.9999% rounds down to 70", hypotheses: [{ expected_impact: 99 }, { expected_impact: 99 }, { expected_impact: 99 }], origins: {}, saving: 70 },
];

for (const c of cases) {
  test(c.name, () => {
    const found = researchTarget(list(c.hypotheses), c.origins, RULES);
    if (c.saving === null) return assert.equal(found, null);
    assert.ok(found);
    assert.equal(found.saving_pct, c.saving);
    if (c.confidence) assert.equal(found.confidence, c.confidence);
    assert.match(found.basis, /^research: 75% of the expected impacts of H\d/);
  });
}

test("a built-in rule's high-risk rewrite is set aside with how to try it; the others are tried", async () => {
  const { withoutHighRisk } = await import("../../src/coordinator/research-builtin.ts");
  const split = withoutHighRisk(list([{ risk: "low" }, { risk: "high" }, { risk: "medium" }]));
  assert.deepEqual(split.tried.map((h) => h.id), ["H1", "H3"]);
  assert.equal(split.setAside.length, 1);
  assert.equal(split.setAside[0]!.id, "H2");
  assert.match(split.setAside[0]!.reason, /^risk high: .*\(perfloop research --out FILE\)/);
});
