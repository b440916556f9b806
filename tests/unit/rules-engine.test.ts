// The rule engine: which function a profile entry names, ids, conflicts between proposals, files
// it will not read, and the propose step over several files.
import assert from "node:assert/strict";
import { test } from "node:test";
import { proposeForFile } from "../../src/research/rules/engine.ts";
import { locateFunction } from "../../src/source/load.ts";
import { RULES } from "../../src/research/rules/index.ts";
import { proposeFromHotCode, ruleCandidate } from "../../src/research/rules/propose.ts";
import type { HotEvidence } from "../../src/research/rules/types.ts";
import { hotFor, sourceOf } from "../helpers/rules.ts";

const hot = (path: string, line: number, extra: Partial<HotEvidence> = {}): HotEvidence => ({ function: "f", path, line, column: 0, self_pct: 40, self_with_runtime_pct: 40, total_pct: 50, ...extra });

test("locateFunction: by line and column (innermost at or before it), the program for top-level code, else the innermost containing the line", () => {
  const file = sourceOf("a.js", "function outer(xs) { return xs.map((x) => x + 1); }\nconst y = 1;\nfunction two() {\n  return 2;\n}\n");
  const outer = locateFunction(file, { function: "outer", line: 1, column: 15 });
  assert.equal(outer?.type, "FunctionDeclaration");
  const arrow = locateFunction(file, { function: "(anonymous)", line: 1, column: 37 });
  assert.equal(arrow?.type, "ArrowFunctionExpression");
  assert.equal(locateFunction(file, { function: "(anonymous)", line: 1, column: 0 })?.type, "FunctionDeclaration");
  assert.equal(locateFunction(file, { function: "(anonymous)", line: 2, column: 0 }), null);
  assert.equal(locateFunction(file, { function: "two", line: 4, column: 0 })?.type, "FunctionDeclaration");
  const script = sourceOf("b.js", "const xs = [];\nfor (const x of [1, 2]) if (!xs.includes(x)) xs.push(x);\n");
  assert.equal(locateFunction(script, { function: "(anonymous)", line: 1, column: 1 })?.type, "Program");
});

test("a hot iteration callback is looked at from the function around it; the same rewrite found twice is one hypothesis", () => {
  const text = "function f(xs, ys) {\n  return xs.filter((x) => !ys.includes(x));\n}\n";
  const file = sourceOf("a.js", text);
  const found = proposeForFile(file, [hotFor(file, "f"), hot("a.js", 2, { column: 20, function: "(anonymous)" })], RULES);
  assert.equal(found.hypotheses.length, 1);
  assert.equal(found.hypotheses[0]!.hypothesis.id, "set-lookup-a-f");
});

test("ids are stable and unique; proposals that touch adjacent lines name each other in conflicts_with, others do not", () => {
  const text = [
    "function f(rows, users, extra) {",
    "  const seen = [];",
    "  const out = [];",
    "  for (const r of rows) {",
    "    const u = users.find((x) => x.id === r.user);",
    "    if (!seen.includes(r.id)) seen.push(r.id);",
    "    out.push(u);",
    "  }",
    "  return out.filter((o) => !extra.includes(o));",
    "}",
    "",
  ].join("\n");
  const file = sourceOf("lib/join.js", text);
  const found = proposeForFile(file, [hotFor(file, "f")], RULES);
  const ids = found.hypotheses.map((h) => h.hypothesis.id).sort();
  assert.deepEqual(ids, ["index-map-join-f", "set-lookup-join-f", "set-membership-join-f"]);
  const byId = Object.fromEntries(found.hypotheses.map((h) => [h.hypothesis.id, h.hypothesis]));
  // index-map edits line 5 (and the line before the loop), set-membership lines 2-3 and 6: adjacent (ids name the function, f).
  assert.deepEqual(byId["index-map-join-f"]!.conflicts_with, ["set-membership-join-f"]);
  assert.deepEqual(byId["set-membership-join-f"]!.conflicts_with, ["index-map-join-f"]);
  assert.deepEqual(byId["set-lookup-join-f"]!.conflicts_with, []);
  const again = proposeForFile(sourceOf("lib/join.js", text), [hotFor(file, "f")], RULES);
  assert.deepEqual(again.hypotheses.map((h) => h.hypothesis.id).sort(), ids);
});

test("a file with `with` or a direct eval is left alone, with the reason", () => {
  const file = sourceOf("a.js", "function f(xs) { const s = []; for (const x of xs) if (!s.includes(x)) s.push(x); eval('1'); return s; }\n");
  const found = proposeForFile(file, [hotFor(file, "f")], RULES);
  assert.equal(found.hypotheses.length, 0);
  assert.match(found.silences[0]!.reason, /`with` or a direct `eval`/);
});

test("ruleCandidate: the project's own JS/TS files with a share the rules look at", () => {
  assert.equal(ruleCandidate(hot("src/a.ts", 3)), true);
  assert.equal(ruleCandidate(hot("node_modules/x/index.js", 3)), false);
  assert.equal(ruleCandidate(hot("/abs/a.js", 3)), false);
  assert.equal(ruleCandidate(hot("../a.js", 3)), false);
  assert.equal(ruleCandidate(hot("src/a.py", 3)), false);
  assert.equal(ruleCandidate(hot("src/a.js", 3, { self_pct: 1, self_with_runtime_pct: 1.5 })), false);
});

test("proposeFromHotCode reads each file once, reports the ones it cannot read or parse", async () => {
  const files: Record<string, string> = {
    "src/a.js": "function f(xs) {\n  const s = [];\n  for (const x of xs) if (!s.includes(x)) s.push(x);\n  return s;\n}\n",
    "src/bad.js": "function (\n",
  };
  const reads: string[] = [];
  const run = await proposeFromHotCode([hot("src/a.js", 1), hot("src/bad.js", 1), hot("src/gone.js", 1), hot("src/a.js", 1, { function: "g" })], async (path) => {
    reads.push(path);
    return files[path] ?? null;
  });
  assert.deepEqual(reads.sort(), ["src/a.js", "src/bad.js", "src/gone.js"]);
  assert.deepEqual(run.hypotheses.map((h) => h.id), ["set-membership-a-f"]);
  assert.deepEqual(run.unread.map((u) => u.path), ["src/bad.js", "src/gone.js"]);
  assert.match(run.unread[0]!.reason, /does not parse/);
  assert.equal(run.files, 3);
});
