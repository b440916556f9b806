// Confinement as a person meets it in `perfloop run`, through the compiled binary
// (docs/safety.md): with Landlock an agent's command hypothesis is tried like any other; where
// commands cannot be confined (PERFLOOP_CONFINE=detect stands in for a machine without Landlock)
// the run says so, and the agent itself is not run at all (docs/agents.md): a model's edits are
// not something to find out about afterwards.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, describe, test } from "node:test";
import { removeDir } from "../helpers/cli.ts";
import { fixtureRepo, personState, runPerfloop, TARGET, TEST } from "./run-helpers.ts";

const skip = process.env.PERFLOOP_BIN ? false : "set PERFLOOP_BIN to the compiled binary (npm run build) to run the e2e tests";
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

/** The research worker's summary of the run: what it found and what it set aside. */
function research(dir: string, runId: string, slug: string): { hypotheses: { id: string }[]; skipped: { id: string; reason: string }[]; sources: { source: string; error: string | null }[] } {
  const base = join(dir, ".hex-skills", "runtime-artifacts", "runs", runId, "optimization-research");
  const file = readdirSync(base).find((name) => name.startsWith(slug));
  return JSON.parse(readFileSync(join(base, file!), "utf8")).payload;
}

describe("perfloop run: confinement", { skip }, () => {
  test("detection mode: said once, the agent not run at all (with the reason), the person's work untouched", { timeout: 300_000 }, async () => {
    const dir = fixtureRepo(dirs);
    const before = personState(dir);
    const result = await runPerfloop(["run", TARGET, "--test", TEST, "--agent", "node agent.js", "--target", "-99.9%", "--max-cycles", "1", "--slug", "detect", "--yes", "--json", "--max-runs", "20"], {
      cwd: dir,
      env: { AGENT_PLAN: "command", PERFLOOP_CONFINE: "detect" },
    });
    assert.equal(result.code, 0, result.stderr);
    const found = research(dir, result.json.run_id, "detect");
    assert.deepEqual(found.hypotheses, []);
    const agent = found.sources.find((s) => s.source.startsWith("agent:"));
    assert.match(agent?.error ?? "", /not asked: commands cannot be confined here \(PERFLOOP_CONFINE=detect is set\); perfloop runs a coding agent only where it can confine it/);
    assert.equal(existsSync(join(dir, ".hex-skills/optimization/detect/agents")), false);
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
