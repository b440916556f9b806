// An endpoint target through the whole loop with the compiled binary (docs/run.md, "Commands,
// functions and endpoints"): tests/fixtures/slow-endpoint's server (started by perfloop from each
// side tree with --serve, on a port of perfloop's choosing) answers /count with a linear lookup
// per value. H1 puts the values in a Set (about 20x faster), H2 counts half of them (faster, and
// the tests catch the wrong count), H3 rewords a comment (no difference). The run keeps H1 alone,
// its table shows latencies and throughput, and afterwards no process perfloop started is alive:
// neither the servers nor the helper process each server starts (checked through /proc), also
// after a SIGKILL of perfloop in the middle of executing and `perfloop resume`.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { perfloopArgv, removeDir } from "../helpers/cli.ts";
import { fixtureRepo, git, personState } from "../helpers/repo.ts";
import { leftAfter, processesIn } from "./processes.ts";
import { NO_GAIN, reportOf, runPerfloop } from "./run-helpers.ts";

const skip = !process.env.PERFLOOP_BIN ? "set PERFLOOP_BIN to the compiled binary (npm run build) to run the e2e tests" : process.platform !== "linux" ? "the leftover check reads /proc (Linux)" : false;
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

const HYPOTHESES = [
  {
    id: "H1",
    description: "A Set for the known values",
    evidence: "includes() is linear",
    change: {
      kind: "edit",
      file: "handler.mjs",
      search: "export function count() {\n  let hits = 0;\n  for (const value of wanted) if (known.includes(value)) hits++;",
      replace: "const knownSet = new Set(known);\n\nexport function count() {\n  let hits = 0;\n  for (const value of wanted) if (knownSet.has(value)) hits++;",
    },
  },
  { id: "H2", description: "Count half the values", evidence: "less work", change: { kind: "edit", file: "handler.mjs", search: "const wanted = Array.from({ length: 3000 }", replace: "const wanted = Array.from({ length: 1500 }" } },
  { id: "H3", description: "Reword a comment", evidence: "none", change: { kind: "edit", file: "handler.mjs", search: "// The endpoint's work:", replace: "// The work of the endpoint:" } },
];

const runArgs = (slug: string) => ["run", "http://127.0.0.1:8080/count", "--serve", "node server.mjs", "--ready-path", "/health", "--requests", "40", "--test", "sh test.sh", "--hypotheses", "hypotheses.json", "--max-cycles", "1", "--max-runs", "20", "--slug", slug, "--yes"];

function repo(): string {
  const dir = fixtureRepo(dirs, "slow-endpoint");
  writeFileSync(join(dir, "hypotheses.json"), JSON.stringify({ version: 1, hypotheses: HYPOTHESES }));
  return dir;
}


function keptH1Alone(dir: string, slug: string): void {
  const report = reportOf(dir, slug);
  const cycle = report.cycles[0];
  assert.deepEqual(cycle.kept.map((k: { id: string }) => k.id), ["H1"], JSON.stringify(cycle.removed));
  const reasons = Object.fromEntries(cycle.removed.map((r: { id: string; reason: string }) => [r.id, r.reason]));
  assert.match(reasons.H2, /breaks the tests/);
  assert.match(reasons.H3, NO_GAIN);
  const kept = git(dir, "show", `${cycle.commit}:handler.mjs`);
  assert.ok(kept.includes("new Set(known)") && kept.includes("length: 3000") && kept.includes("// The endpoint's work:"), kept);
}

describe("perfloop run on an endpoint target with --serve", { skip }, () => {
  test("the whole loop keeps the real fix alone, reports latencies and throughput, and leaves no process behind", { timeout: 300_000 }, async () => {
    const dir = repo();
    const before = personState(dir);
    const result = await runPerfloop(runArgs("ep"), { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await leftAfter([dir], 5_000), [], "processes perfloop started are still running");
    assert.deepEqual(personState(dir), before, "the person's files, index or branch changed");
    keptH1Alone(dir, "ep");

    const report = reportOf(dir, "ep");
    const rows = report.metrics.map((m: { metric: string }) => m.metric);
    assert.deepEqual(rows, ["latency_p50_ms", "latency_p95_ms", "latency_p99_ms", "throughput_rps", "error_count"], JSON.stringify(report.metrics));
    const p50 = report.metrics[0];
    assert.ok(p50.after < p50.before / 2, JSON.stringify(p50));
    const throughput = report.metrics[3];
    assert.ok(throughput.after > throughput.before, JSON.stringify(throughput));
    // The error guardrail was judged on the kept set: no request failed on either side.
    const errors = report.cycles[0].guardrails.find((g: { metric: string }) => g.metric === "error_count");
    assert.equal(errors?.verdict, "held", JSON.stringify(report.cycles[0].guardrails));
    assert.match(result.stdout, /^Target met: p50 latency -\d/m);
    assert.match(result.stdout, /throughput +\d[\d.]* req\/s +\d[\d.]* req\/s +\+/);
    assert.match(readFileSync(join(dir, report.files.report_md), "utf8"), /p99 latency/);
  });

  test("without --serve, a running endpoint is measured and planned, never changed, and the run says why", { timeout: 120_000 }, async () => {
    const dir = repo();
    const port = 20_000 + (process.pid % 20_000);
    const server = spawn("node", ["server.mjs"], { cwd: dir, env: { ...process.env, PORT: String(port) }, stdio: "ignore" });
    try {
      const url = `http://127.0.0.1:${port}/count`;
      for (let i = 0; i < 100; i++) {
        const up = await fetch(`http://127.0.0.1:${port}/health`).then(() => true, () => false);
        if (up) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const before = personState(dir);
      const result = await runPerfloop(["run", url, "--requests", "40", "--test", "sh test.sh", "--hypotheses", "hypotheses.json", "--slug", "unserved", "--yes", "--json"], { cwd: dir });
      assert.equal(result.code, 0, result.stderr);
      const r = result.json as Record<string, any>;
      assert.equal(r.stop_reason, "PLAN_ONLY");
      assert.equal(r.branch, null);
      assert.ok(r.warnings.some((w: string) => /cannot apply changes to a server it did not start/.test(w) && /--serve/.test(w)), JSON.stringify(r.warnings));
      // Nothing was tried, so the review does not send the person to an agent for more hypotheses.
      assert.ok(r.review, "the summary carries the run review");
      assert.ok(!r.review.advice.some((a: { advice: string }) => /--agent/.test(a.advice)), JSON.stringify(r.review.advice));
      assert.deepEqual(personState(dir), before);
      assert.throws(() => git(dir, "rev-parse", "--verify", "perfloop/unserved"));
    } finally {
      // The server this test started, and the helper it started in a session of its own.
      server.kill("SIGKILL");
      for (const found of processesIn([dir])) process.kill(Number(found.split(" ")[0]), "SIGKILL");
    }
  });

  test("a SIGKILL of perfloop while it executes ends the servers; perfloop resume reaches the same answer", { timeout: 300_000 }, async () => {
    const dir = repo();
    const [command, ...prefix] = perfloopArgv();
    const child = spawn(command!, [...prefix, ...runArgs("ep-kill")], { cwd: dir, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let alive: string[] = [];
    const killed = new Promise<void>((resolve, reject) => {
      const limit = setTimeout(() => reject(new Error(`perfloop did not reach execute within 120 s:\n${stderr}`)), 120_000);
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
        // Both servers of a comparison are up once its rounds are counted.
        if (/execute \w+: .* against the base: round \d+ of/.test(stderr) && child.exitCode === null) {
          clearTimeout(limit);
          alive = processesIn([dir]).filter((p) => !p.startsWith(`${child.pid} `));
          child.kill("SIGKILL");
          resolve();
        }
      });
      child.on("close", () => {
        clearTimeout(limit);
        resolve();
      });
    });
    await killed;
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.on("close", resolve)));
    assert.equal(child.signalCode, "SIGKILL", `perfloop ended before it was killed:\n${stderr}`);
    // The check sees them: the two servers and their helpers were running when perfloop was killed.
    assert.ok(alive.filter((p) => p.includes("server.mjs")).length >= 2 && alive.some((p) => p.includes("sleep 300")), `not running at the kill: ${alive.join("; ")}`);
    const preflightCopy = join((process.env.TMPDIR ?? "/tmp").replace(/\/$/, ""), `perfloop-preflight-${child.pid}-`);
    const roots = [dir, preflightCopy];
    assert.deepEqual(await leftAfter(roots, 5_000), [], "a server or its helper outlived the SIGKILL of perfloop");

    const resumed = await runPerfloop(["resume", "--slug", "ep-kill", "--yes"], { cwd: dir });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(await leftAfter([dir], 5_000), [], "processes perfloop started are still running after resume");
    keptH1Alone(dir, "ep-kill");
  });
});
