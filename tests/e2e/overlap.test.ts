// Overlap is not a verdict (docs/run.md, "Overlapping hypotheses"), through the compiled binary:
// on tests/fixtures/two-loops, H1 removes the big loop and H2 the small one on the next line (the
// line merge calls the two edits a conflict), H3 rewrites the line H1 replaces. H2 is rebased
// onto H1's result, measured there and kept; H3 cannot be applied to H1's result and is the only
// one removed for a conflict, saying so. Nothing is removed untested.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, describe, test } from "node:test";
import { removeDir } from "../helpers/cli.ts";
import { fixtureRepo, git } from "../helpers/repo.ts";
import { reportOf, runPerfloop } from "./run-helpers.ts";

const skip = process.env.PERFLOOP_BIN ? false : "set PERFLOOP_BIN to the compiled binary (npm run build) to run the e2e tests";
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

const edit = (id: string, description: string, search: string, replace: string) => ({ id, description, evidence: "the loops are the whole time", change: { kind: "edit", file: "work.sh", search, replace } });
const BIG = edit("H1", "No loop for i", "i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done", "i=20000");
const SMALL = edit("H2", "No loop for j", "j=0; while [ $j -lt 4000 ]; do j=$((j + 1)); done", "j=4000");
const CLASH = edit("H3", "Count i down", "i=0; while [ $i -lt 20000 ]", "i=0; while [ $i -le 19999 ]");

describe("overlapping hypotheses", { skip }, () => {
  test("one that overlaps a kept change is rebased onto it and judged there; only a true conflict is removed", { timeout: 240_000 }, async () => {
    const dir = fixtureRepo(dirs, "two-loops");
    writeFileSync(join(dir, "hypotheses.json"), JSON.stringify({ version: 1, hypotheses: [BIG, SMALL, CLASH] }));
    const result = await runPerfloop(["run", "sh work.sh", "--test", "sh test.sh", "--hypotheses", "hypotheses.json", "--target", "-99.9%", "--max-cycles", "1", "--slug", "overlap", "--yes", "--max-runs", "60"], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const cycle = reportOf(dir, "overlap").cycles[0];
    assert.deepEqual(cycle.kept.map((k: { id: string }) => k.id), ["H1", "H2"], JSON.stringify(cycle.removed));
    assert.deepEqual(cycle.removed.map((r: { id: string }) => r.id), ["H3"]);
    assert.match(cycle.removed[0].reason, /^conflicts with H1 in work\.sh, also when rebased onto the kept result \(H1, H2\): .*the search text is not in the file$/);
    // The branch holds both edits, merged: the program still prints what it printed.
    const work = git(dir, "show", `${cycle.commit}:work.sh`);
    assert.match(work, /^i=20000$/m);
    assert.match(work, /^j=4000$/m);
    // The log shows H2 measured on top of H1, and the person's tree is untouched.
    const log = readFileSync(join(dir, ".hex-skills", "optimization", "overlap", "ln-814-log.tsv"), "utf8");
    assert.match(log, /\trebased\tH1,H2\t.*\tapplied\t/);
    assert.equal(readFileSync(join(dir, "work.sh"), "utf8"), readFileSync(join(import.meta.dirname, "..", "fixtures", "two-loops", "work.sh"), "utf8"));
  });
});
