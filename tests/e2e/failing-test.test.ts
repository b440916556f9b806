// `perfloop run` through the compiled binary on tests/fixtures/tap-sum, whose tests report in TAP
// and then print a 200-row coverage table: a hypothesis that breaks a test is removed with a
// reason that names that test and its assertion, though the name is far above the output's end.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, describe, test } from "node:test";
import { removeDir } from "../helpers/cli.ts";
import { fixtureRepo } from "../helpers/repo.ts";
import { reportOf, runPerfloop, TARGET, TEST } from "./run-helpers.ts";

const skip = process.env.PERFLOOP_BIN ? false : "set PERFLOOP_BIN to the compiled binary (npm run build) to run the e2e tests";
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

/** The closed form with a slip: n * n is right for 0 and 1 only, so only "sums 1 to 100" fails. */
const SQUARES = {
  id: "H1",
  description: "A closed form instead of the loop",
  evidence: "the loop is the whole time",
  change: { kind: "edit", file: "work.sh", search: "while [ $i -lt $n ]; do\n  i=$((i + 1))\n  t=$((i * 1))\n  s=$((s + t))\ndone", replace: "s=$((n * n))" },
};
/** Starting the loop at 1 skips the first term: "sums 1 to 1" and "sums 1 to 100" fail. */
const SKIPS_ONE = {
  id: "H2",
  description: "One iteration less",
  evidence: "the first iteration could be skipped",
  change: { kind: "edit", file: "work.sh", search: "i=0\ns=0", replace: "i=1\ns=0" },
};

describe("perfloop run: the failing test, named", { skip }, () => {
  test("a hypothesis that breaks a test is removed with the test's name and assertion", { timeout: 120_000 }, async () => {
    const dir = fixtureRepo(dirs, "tap-sum");
    writeFileSync(join(dir, "h.json"), JSON.stringify({ version: 1, hypotheses: [SQUARES, SKIPS_ONE] }));
    const result = await runPerfloop(["run", TARGET, "--test", TEST, "--hypotheses", "h.json", "--target", "-10%", "--slug", "tap", "--yes", "--max-runs", "20"], { cwd: dir, limitMs: 100_000 });
    assert.equal(result.code, 0, result.stderr);
    const removed = reportOf(dir, "tap").cycles.flatMap((cycle: { removed: { id: string; reason: string }[] }) => cycle.removed);
    const reason = (id: string) => removed.find((r: { id: string }) => r.id === id)?.reason;
    assert.equal(reason("H1"), "breaks the tests: sums 1 to 100 failed: expected 5050, got 10000", JSON.stringify(removed));
    assert.equal(reason("H2"), "breaks the tests: sums 1 to 1 failed: expected 1, got 0 (and 1 more)", JSON.stringify(removed));
  });
});
