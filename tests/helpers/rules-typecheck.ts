/**
 * For the rule tests whose rewrite adds declarations to a TypeScript file: type-check a patched
 * text in strict mode with the repository's own tsc, once with noUncheckedIndexedAccess and once
 * without (a person's project may use either), so a rewrite that type-checks only one way fails.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, tempDir } from "./cli.ts";

const TSC = join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");

/** Fails the test when `text`, as `name` (a .ts file), does not type-check in strict mode. */
export function assertTypeChecks(dirs: string[], name: string, text: string): void {
  const dir = tempDir("perfloop-rule-tsc-");
  dirs.push(dir);
  writeFileSync(join(dir, name), text);
  for (const unchecked of [true, false]) {
    const config = { compilerOptions: { target: "ES2023", lib: ["ES2023"], module: "ESNext", strict: true, noEmit: true, noUncheckedIndexedAccess: unchecked, types: [] }, files: [name] };
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(config));
    const result = spawnSync("node", [TSC, "-p", dir], { cwd: dir, encoding: "utf8", timeout: 60_000 });
    assert.equal(result.status, 0, `tsc (noUncheckedIndexedAccess: ${unchecked}) rejects the rewrite:\n${result.stdout}${result.stderr}\n${text}`);
  }
}
