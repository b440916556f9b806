// SpawnRequest.keepLines against real processes, run directly and through a spawner (the
// Sandbox's, as the side trees' commands are), under Bun and Deno: a failing test named far above
// a long table comes back with the result, and the table's lines never cross the pipe.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { Sandbox } from "../../src/confine/sandbox.ts";
import { failureGist } from "../../src/execute/failure-gist.ts";
import { FAILURE_MARKS, tailWithFailures } from "../../src/execute/test-output/failure-lines.ts";
import { detectPlatform, type Platform } from "../../src/platform/index.ts";

const platform = detectPlatform();
const scratch = mkdtempSync(join(tmpdir(), "perfloop-kept-lines-"));
const repo = join(scratch, "repo");
const side = join(repo, ".hex-skills", "worktree", "base");
mkdirSync(side, { recursive: true });
for (const args of [["init", "-q", "-b", "main"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "base"]]) {
  assert.equal(spawnSync("git", args, { cwd: repo }).status, 0);
}
const sandbox = new Sandbox(platform, { repoDir: repo, gitdir: join(repo, ".git"), notice: () => {} });
sandbox.side(side);
after(async () => {
  await sandbox.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** TAP with a failing test on stdout, a 2,000-row table after it, a warning on stderr. */
const TESTS = `printf 'TAP version 13\\nok 1 - a\\nnot ok 2 - parses dates\\n  ---\\n  message: expected 2024, got 1970\\n  ...\\n# fail 1\\n'; i=0; while [ $i -lt 2000 ]; do i=$((i + 1)); echo " lib$i.js | 100 | 100 |"; done; echo 'coverage below 90%' >&2; exit 1`;

for (const [how, spawner] of [["directly", platform], ["through a spawner", sandbox.platform]] as [string, Platform][]) {
  test(`keepLines ${how}: the failure far above the end comes back with the result`, async () => {
    const result = await spawner.spawn({ shell: TESTS, cwd: side, env: platform.env, timeoutMs: 30_000, maxOutputBytes: 64 * 1024, keepLines: FAILURE_MARKS });
    assert.equal(result.exitCode, 1);
    assert.equal(result.keptLines?.lastText.stdout, 2006);
    assert.ok(result.keptLines!.lines.length < 40, String(result.keptLines!.lines.length));
    const tail = tailWithFailures(result, 40);
    assert.equal(failureGist(tail), "parses dates failed: expected 2024, got 1970");
    assert.ok(tail.endsWith(" lib2000.js | 100 | 100 |\ncoverage below 90%"), tail.slice(-200));
    // Not asked for: nothing kept.
    const plain = await spawner.spawn({ shell: "echo 'not ok 1 - x'", cwd: side, env: platform.env, timeoutMs: 30_000, maxOutputBytes: 1024 });
    assert.equal(plain.keptLines, undefined);
  });
}
