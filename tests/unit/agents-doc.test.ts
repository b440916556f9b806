// docs/agents.md shows each preset's command line and the prompts as the code makes them
// (scripts/agents-doc.ts): this fails when the code changed and the page was not generated again.
import assert from "node:assert/strict";
import { test } from "node:test";
import { agentsDoc } from "../../scripts/agents-doc.ts";

test("docs/agents.md is generated from the code (bun scripts/agents-doc.ts)", () => {
  const { current, next } = agentsDoc();
  assert.ok(next === current, "docs/agents.md is out of date: run bun scripts/agents-doc.ts");
  for (const part of ["claude -p --output-format json", "codex exec --json", "You are the researcher", "You are making ONE change", "You review the plan"]) assert.ok(current.includes(part), part);
});
