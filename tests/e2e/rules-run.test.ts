// The built-in rules through the compiled binary, on a project perfloop was not written for
// (tests/fixtures/rules-project: an inventory report with a membership scan, a lookup by key and
// an accumulating spread in its hot functions), with no hypotheses file and no agent.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, describe, test } from "node:test";
import { cli, removeDir, tempDir } from "../helpers/cli.ts";
import { fixtureRepo, git, personState } from "../helpers/repo.ts";

const skip = process.env.PERFLOOP_BIN ? false : "set PERFLOOP_BIN to the compiled binary (npm run build) to run the e2e tests";
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

/** The tree of a branch, written out into a new directory (git archive), to run its tests there. */
function checkoutOf(repo: string, ref: string): string {
  const out = tempDir("perfloop-kept-");
  dirs.push(out);
  const archive = spawnSync("git", ["archive", ref], { cwd: repo, maxBuffer: 64 * 1024 * 1024 });
  assert.equal(archive.status, 0, String(archive.stderr));
  const untar = spawnSync("tar", ["-x", "-C", out], { input: archive.stdout });
  assert.equal(untar.status, 0, String(untar.stderr));
  return out;
}

describe("the built-in rules", { skip }, () => {
  test("perfloop run with no hypotheses file and no agent keeps generated patches that pass the tests and make it at least 2x faster", { timeout: 600_000 }, () => {
    const dir = fixtureRepo(dirs, "rules-project");
    const before = personState(dir);
    const result = cli(["run", "node bench.js", "--yes", "--json", "--max-cycles", "1", "--runs", "10", "--project-root", dir], { cwd: dir, timeoutMs: 540_000 });
    assert.equal(result.code, 0, result.stderr.slice(-3000));
    const report = result.json;
    const kept = report.cycles.flatMap((c: { kept: { id: string; origin: string | null }[] }) => c.kept);
    assert.ok(kept.length >= 1, JSON.stringify(report.cycles));
    for (const k of kept) assert.equal(k.origin, "built-in rules", JSON.stringify(k));
    assert.ok(report.multiplier >= 2, `${report.multiplier}x: ${JSON.stringify(report.cycles.map((c: { kept: unknown; removed: unknown; ratio: unknown }) => [c.kept, c.removed, c.ratio]))}`);
    assert.match(report.target_source, /^(research: |--target)/);

    // The kept branch passes the project's own tests and gives the same output as the base.
    const kept_tree = checkoutOf(dir, report.branch);
    const tests = spawnSync("node", ["test.js"], { cwd: kept_tree, encoding: "utf8" });
    assert.equal(tests.status, 0, tests.stderr);
    const base = spawnSync("node", ["bench.js"], { cwd: dir, encoding: "utf8" });
    const after = spawnSync("node", ["bench.js"], { cwd: kept_tree, encoding: "utf8" });
    assert.equal(after.stdout, base.stdout);

    // context.md names where each hypothesis came from.
    const context = readFileSync(join(dir, report.files.context_md), "utf8");
    assert.match(context, /\| set-membership-inventory-distinctSkus \| built-in rules \|/);

    // The person's HEAD, branch, index and files are untouched.
    assert.deepEqual(personState(dir), before);
    assert.equal(git(dir, "status", "--porcelain"), "");
  });

  test("perfloop research prints the hypotheses and writes a hypotheses file that perfloop run reads", { timeout: 300_000 }, () => {
    const dir = fixtureRepo(dirs, "rules-project");
    const before = personState(dir);
    const out = join(tempDir("perfloop-research-out-"), "h.json");
    dirs.push(join(out, ".."));
    const result = cli(["research", "node bench.js", "--out", out, "--runs", "8", "--project-root", dir], { cwd: dir, timeoutMs: 240_000 });
    assert.equal(result.code, 0, result.stderr.slice(-2000));
    assert.match(result.stdout, /^set-membership-inventory-distinctSkus {2}application · expected \d+% of the run · risk low/m);
    assert.match(result.stdout, /^ {2}- profile: distinctSkus \(src\/inventory\.js:5\) has [\d.]+% self/m);
    assert.match(result.stdout, /^ {4}\+ {4}if \(!skusSet\.has\(item\.sku\)\) \{ skus\.push\(item\.sku\); skusSet\.add\(item\.sku\); \}$/m);
    assert.ok(existsSync(out));
    const file = JSON.parse(readFileSync(out, "utf8"));
    assert.equal(file.version, 1);
    assert.ok(file.hypotheses.some((h: { id: string }) => h.id === "set-membership-inventory-distinctSkus"));
    // An existing --out is not replaced without --force.
    const again = cli(["research", "node bench.js", "--out", out, "--runs", "8", "--project-root", dir], { cwd: dir });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /--out .* exists/);
    // The file reads as hypotheses: plan_only validates every patch against HEAD.
    const plan = cli(["run", "node bench.js", "--hypotheses", out, "--no-rules", "--mode", "plan_only", "--runs", "8", "--yes", "--json", "--project-root", dir], { cwd: dir, timeoutMs: 240_000 });
    assert.equal(plan.code, 0, plan.stderr.slice(-2000));
    assert.equal(plan.json.stop_reason, "PLAN_ONLY");
    assert.deepEqual(personState(dir), before);
  });

  test("--no-rules without another source profiles and changes nothing, as before", { timeout: 300_000 }, () => {
    const dir = fixtureRepo(dirs, "rules-project");
    const result = cli(["run", "node bench.js", "--no-rules", "--yes", "--json", "--runs", "8", "--project-root", dir], { cwd: dir, timeoutMs: 240_000 });
    assert.equal(result.code, 0, result.stderr.slice(-2000));
    assert.equal(result.json.stop_reason, "NO_HYPOTHESES");
    assert.ok(result.json.warnings.some((w: string) => /no hypotheses source \(--no-rules/.test(w)), JSON.stringify(result.json.warnings));
  });
});
