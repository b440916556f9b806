// Confinement as a person meets it in `perfloop run`, through the compiled binary
// (docs/safety.md): with Landlock an agent's command hypothesis is tried like any other; where
// commands cannot be confined (PERFLOOP_CONFINE=detect stands in for a machine without Landlock)
// the run says so once, and an agent's command is set aside with the reason, while the person's
// own file is still trusted.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, describe, test } from "node:test";
import { removeDir } from "../helpers/cli.ts";
import { fixtureRepo, personState, runPerfloop, TARGET, TEST } from "./run-helpers.ts";

const skip = process.env.PERFLOOP_BIN ? false : "set PERFLOOP_BIN to the compiled binary (npm run build) to run the e2e tests";
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

/** The research worker's summary of the run: what it found and what it set aside. */
function research(dir: string, runId: string, slug: string): { hypotheses: { id: string }[]; skipped: { id: string; reason: string }[] } {
  const base = join(dir, ".hex-skills", "runtime-artifacts", "runs", runId, "optimization-research");
  const file = readdirSync(base).find((name) => name.startsWith(slug));
  return JSON.parse(readFileSync(join(base, file!), "utf8")).payload;
}

describe("perfloop run: confinement", { skip }, () => {
  test("detection mode: said once, an agent's command set aside with the reason, the rest tried, the person's work untouched", { timeout: 300_000 }, async () => {
    const dir = fixtureRepo(dirs);
    const before = personState(dir);
    const result = await runPerfloop(["run", TARGET, "--test", TEST, "--agent", "node agent.js", "--target", "-99.9%", "--max-cycles", "1", "--slug", "detect", "--yes", "--json", "--max-runs", "20"], {
      cwd: dir,
      env: { AGENT_PLAN: "command", PERFLOOP_CONFINE: "detect" },
    });
    assert.equal(result.code, 0, result.stderr);
    const found = research(dir, result.json.run_id, "detect");
    assert.deepEqual(found.hypotheses.map((h) => h.id), ["H1"]);
    assert.equal(found.skipped.length, 1);
    assert.equal(found.skipped[0]!.id, "H2");
    assert.match(found.skipped[0]!.reason, /a command from an agent is not run where commands cannot be confined \(PERFLOOP_CONFINE=detect is set\)/);
    assert.deepEqual(result.json.cycles[0].kept.map((h: { id: string }) => h.id), ["H1"]);
    assert.match(result.stderr + JSON.stringify(result.json.warnings ?? []), /not confined here/);
    assert.deepEqual(personState(dir), before);
  });

  test("with Landlock: an agent's command hypothesis is tried in its own confined side tree", { timeout: 300_000 }, async () => {
    const dir = fixtureRepo(dirs);
    const probe = await runPerfloop(["run", TARGET, "--test", TEST, "--agent", "node agent.js", "--target", "-99.9%", "--max-cycles", "1", "--slug", "landlock", "--yes", "--json", "--max-runs", "20"], {
      cwd: dir,
      env: { AGENT_PLAN: "command" },
    });
    assert.equal(probe.code, 0, probe.stderr);
    if (/not confined here/.test(probe.stderr)) return; // a machine without Landlock: the first test covers it
    const found = research(dir, probe.json.run_id, "landlock");
    assert.deepEqual(found.hypotheses.map((h) => h.id).sort(), ["H1", "H2"]);
    assert.deepEqual(found.skipped, []);
  });
});
