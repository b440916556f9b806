/**
 * For the rule tests (tests/unit/rules-*.test.ts): run the rule engine on a fixture file as if the
 * profile had named one of its functions, apply the generated patch with `git apply` in a real
 * repository, and run the fixture's own test file with node before and after.
 *
 * A fixture is a folder tests/fixtures/rules/<name>/ with the source file(s) and a `test.js` that
 * exits 0 when the code behaves as it should (it compares results on edge cases: empty input, NaN,
 * holes, repeated values...).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Node } from "@babel/types";
import { walk, isFunction } from "../../src/source/ast.ts";
import { proposeForFile, type FileProposals } from "../../src/research/rules/engine.ts";
import { loadSource, type SourceFile } from "../../src/source/load.ts";
import type { HotEvidence, Rule } from "../../src/research/rules/types.ts";
import { tempDir } from "./cli.ts";
import { FIXTURES, git } from "./repo.ts";

export const RULE_FIXTURES = join(FIXTURES, "rules");

/** Parses `text` as `path`; fails the test when it does not parse. */
export function sourceOf(path: string, text: string): SourceFile {
  const file = loadSource(path, text);
  assert.ok(!("error" in file), "error" in file ? file.error : "");
  return file as SourceFile;
}

/** The profile's evidence for the function called `name` (or the program, for "(anonymous)" at line 1). */
export function hotFor(file: SourceFile, name: string, share = 60): HotEvidence {
  if (name === "(anonymous)") return { function: name, path: file.path, line: 1, column: 1, self_pct: share, self_with_runtime_pct: share, total_pct: share };
  let found: Node | null = null;
  walk(file.ast.program, (node, ancestors) => {
    if (found || !isFunction(node)) return;
    const parent = ancestors[ancestors.length - 1];
    const own = "id" in node && node.id && node.id.type === "Identifier" ? node.id.name : null;
    const key = "key" in node && node.key.type === "Identifier" ? node.key.name : null;
    const declared = parent?.type === "VariableDeclarator" && parent.id.type === "Identifier" ? parent.id.name : null;
    if (own === name || key === name || declared === name) found = node;
  });
  assert.ok(found, `no function ${name} in ${file.path}`);
  const loc = (found as Node).loc!.start;
  return { function: name, path: file.path, line: loc.line, column: loc.column + 1, self_pct: share, self_with_runtime_pct: share, total_pct: Math.min(100, share + 10) };
}

/** The rule's findings on one function of a text. */
export function findingsFor(rule: Rule, path: string, text: string, fn: string): FileProposals {
  const file = sourceOf(path, text);
  return proposeForFile(file, [hotFor(file, fn)], [rule]);
}

function node(cwd: string, file: string): { status: number | null; output: string } {
  const result = spawnSync("node", [file], { cwd, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Fixtures whose own test already passed unpatched in this process (it is the same every time). */
const passedBefore = new Set<string>();

/**
 * Copies the fixture into a new git repository, checks that its test.js passes unpatched (once
 * per fixture and process: the unpatched fixture does not change), applies the diff with
 * `git apply` (it must apply cleanly, with no fuzz: git applies all of it or nothing), runs
 * test.js again (it must pass). Returns the directory and the patched text of `path`.
 */
export function applyAndTest(dirs: string[], fixture: string, path: string, diff: string): { dir: string; patched: string } {
  const dir = tempDir(`perfloop-rule-${fixture}-`);
  dirs.push(dir);
  cpSync(join(RULE_FIXTURES, fixture), dir, { recursive: true });
  if (!passedBefore.has(fixture)) {
    const before = node(dir, "test.js");
    assert.equal(before.status, 0, `the fixture's own test fails before the patch:\n${before.output}`);
    passedBefore.add(fixture);
  }
  git(dir, "init", "-q");
  writeFileSync(join(dir, ".patch"), diff);
  git(dir, "apply", ".patch");
  const after = node(dir, "test.js");
  assert.equal(after.status, 0, `the fixture's test fails after the patch:\n${after.output}\n${diff}`);
  return { dir, patched: readFileSync(join(dir, path), "utf8") };
}

/** The lines a unified diff removes and adds (without the +/- marks). */
export function changedLines(diff: string): { removed: string[]; added: string[] } {
  const lines = diff.split("\n").filter((line) => !line.startsWith("--- ") && !line.startsWith("+++ "));
  return { removed: lines.filter((l) => l.startsWith("-")).map((l) => l.slice(1)), added: lines.filter((l) => l.startsWith("+")).map((l) => l.slice(1)) };
}

/** The fixture file's text. */
export function fixtureText(fixture: string, path: string): string {
  return readFileSync(join(RULE_FIXTURES, fixture, path), "utf8");
}
