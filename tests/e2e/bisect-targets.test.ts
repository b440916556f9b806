// `perfloop bisect` of a function and of an endpoint, through the compiled binary (docs/bisect.md,
// "Functions and endpoints"): on generated histories the slow commit is found by time per call
// (each round a `__bench-fn` process in the commit's side tree) and by median latency (the
// person's server started by perfloop from each commit's side tree, on a port it picks); a SIGKILL
// of perfloop in the middle of the endpoint's bisect leaves no server behind, and `perfloop
// resume` reaches the same answer; the person's files, index and HEAD are never touched. Bad
// input (an endpoint without --serve, flags of another kind of target) is one line, exit 2,
// nothing written. The function's loop and the server's delay are 5x apart, so the verdicts hold
// on a loaded machine.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, describe, test } from "node:test";
import { cli, removeDir, tempDir } from "../helpers/cli.ts";
import { git, personState } from "../helpers/repo.ts";
import { leftAfter, processesIn } from "./processes.ts";
import { runPerfloop } from "./run-helpers.ts";

const skip = process.env.PERFLOOP_BIN ? false : "set PERFLOOP_BIN to the compiled binary (npm run build) to run the e2e tests";
const nodeMissing = spawnSync("node", ["--version"]).status === 0 ? false : "node is not installed: the endpoint's server is a node script";
const FAST = ["--max-runs", "12", "--warmup", "0"];
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

/**
 * A repository of `files(i)` at commits 0..n (commit 0 is good), written with one `git fast-import`
 * and checked out. Returns the directory and every commit id, oldest first.
 */
function history(n: number, files: (i: number) => Record<string, string>): { dir: string; commits: string[] } {
  const dir = tempDir("perfloop-bisect-target-");
  dirs.push(dir);
  git(dir, "init", "-q", "-b", "main");
  let stream = "";
  for (let i = 0; i <= n; i++) {
    const message = i === 0 ? "base" : `change ${i}`;
    stream += `commit refs/heads/main\nmark :${i + 1}\nauthor t <t@t> ${1_700_000_000 + i * 60} +0000\ncommitter t <t@t> ${1_700_000_000 + i * 60} +0000\ndata ${message.length}\n${message}\n`;
    if (i > 0) stream += `from :${i}\n`;
    for (const [path, text] of Object.entries({ ...files(i), counter: `${i}\n` })) stream += `M 100644 inline ${path}\ndata ${Buffer.byteLength(text)}\n${text}\n`;
    stream += "\n";
  }
  const imported = spawnSync("git", ["fast-import", "--quiet"], { cwd: dir, input: stream, encoding: "utf8" });
  assert.equal(imported.status, 0, imported.stderr);
  git(dir, "reset", "-q", "--hard", "main");
  return { dir, commits: git(dir, "rev-list", "--reverse", "main").trim().split("\n") };
}

const eventsOf = (dir: string): unknown[] => {
  try {
    return JSON.parse(readFileSync(join(dir, ".hex-skills", "optimization", "bisect", "bisect.json"), "utf8")).events;
  } catch {
    return [];
  }
};

/** A loop of `n` steps per call: 20 000 before commit 5 of 8, 100 000 from it on. */
const LIB = (n: number) => `export function work(scale) {\n  let sum = 0;\n  for (let i = 0; i < ${n} * scale; i++) sum = (sum + i * 7) % 1000003;\n  return sum;\n}\n`;

/** A server on $PORT whose /work answers after `delay` ms (2 before commit 4 of 6, 10 from it on), /health at once. */
const SERVER = (delay: number) => `import { createServer } from "node:http";
const server = createServer((request, response) => {
  if (request.url === "/health") return response.end("ok");
  setTimeout(() => response.end("done"), ${delay});
});
server.listen(Number(process.env.PORT), "127.0.0.1");
`;

describe("perfloop bisect of a function and of an endpoint", { skip }, () => {
  test("fn: the commit that made the function slower is found by its time per call", { timeout: 240_000 }, async () => {
    const repo = history(8, (i) => ({ "lib.mjs": LIB(i >= 5 ? 100_000 : 20_000) }));
    const before = personState(repo.dir);
    const result = await runPerfloop(["bisect", "--good", "HEAD~8", "fn:lib.mjs#work", "--args", "[1]", ...FAST, "--json"], { cwd: repo.dir });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const report = result.json as Record<string, any>;
    assert.equal(report.answer, "single", JSON.stringify(report).slice(0, 2000));
    assert.equal(report.first_slow_commit, repo.commits[5]);
    assert.equal(report.target_kind, "function");
    assert.equal(report.metric, "time_per_call_ns");
    assert.deepEqual(report.target_args, ["fn:lib.mjs#work", "--args", "[1]"]);
    assert.ok(report.vs_parent.ratio > 3 && report.vs_parent.ci[0] > 2, JSON.stringify(report.vs_parent));
    // The ratios compare times per call: the loop's 5x, not the ~0.3 s each round's process takes.
    assert.ok(report.regression.median_b / report.regression.median_a > 3, JSON.stringify(report.regression));
    assert.ok(report.regression.median_a < 10_000_000, `a call takes well under 10 ms: ${report.regression.median_a} ns`);
    assert.ok(report.measured_commits <= 5, `measured ${report.measured_commits} of 7 commits in between`);
    assert.deepEqual(personState(repo.dir), before, "the person's files, index and HEAD are as they were");
  });

  test("endpoint --serve: the servers start from each commit's tree; a SIGKILL leaves none behind, and perfloop resume finds the same commit", { timeout: 300_000, skip: nodeMissing }, async () => {
    const repo = history(6, (i) => ({ "server.mjs": SERVER(i >= 4 ? 10 : 2) }));
    const before = personState(repo.dir);
    const roots = [join(repo.dir, ".hex-skills")];
    const args = ["bisect", "--good", "HEAD~6", "http://127.0.0.1:3000/work", "--serve", "node server.mjs", "--ready-path", "/health", "--requests", "20", "--concurrency", "2", ...FAST, "--json"];
    // Killed once the ends are compared and a probe's three servers are up.
    const killed = await runPerfloop(args, {
      cwd: repo.dir,
      stopSignal: "SIGKILL",
      interruptWhen: () => eventsOf(repo.dir).length >= 1 && processesIn(roots).filter((line) => line.includes("server.mjs")).length >= 3,
    });
    assert.ok(killed.stopped, `perfloop ended before it was killed: ${killed.code} ${killed.stderr}`);
    assert.deepEqual(await leftAfter(roots, 5_000), [], "a server outlived the SIGKILL of perfloop");
    const status = cli(["status", "--json"], { cwd: repo.dir });
    assert.equal(status.code, 0, status.stderr);
    assert.equal((status.json as any).bisects[0].command, "http://127.0.0.1:3000/work");

    const resumed = await runPerfloop(["resume", "--json"], { cwd: repo.dir });
    assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
    const report = resumed.json as Record<string, any>;
    assert.equal(report.answer, "single", JSON.stringify(report).slice(0, 2000));
    assert.equal(report.first_slow_commit, repo.commits[4]);
    assert.equal(report.target_kind, "endpoint");
    assert.equal(report.metric, "latency_p50_ms");
    assert.ok(report.regression.ratio > 2, JSON.stringify(report.regression));
    assert.deepEqual(report.target_args.slice(0, 5), ["http://127.0.0.1:3000/work", "--serve", "node server.mjs", "--ready-path", "/health"]);
    assert.deepEqual(processesIn(roots), [], "no server is left once the bisect is done");
    assert.deepEqual(personState(repo.dir), before, "the person's files, index and HEAD are as they were");
  });

  test("bad input: one line, exit 2, nothing written", () => {
    const repo = history(2, (i) => ({ "lib.mjs": LIB(1000 * (i + 1)), "server.mjs": SERVER(1) }));
    const cases: [string[], RegExp][] = [
      [["http://127.0.0.1:3000/work"], /needs --serve for an endpoint/],
      [["https://example.com:3000/work", "--serve", "node server.mjs"], /an https server perfloop starts is reached on this machine/],
      [["sh run.sh", "--requests", "10"], /--requests applies to endpoint targets/],
      [["sh run.sh", "--serve", "node server.mjs"], /--serve applies to endpoint targets/],
      [["sh run.sh", "--args", "[1]"], /--args applies to fn:/],
      [["http://127.0.0.1:3000/work", "--serve", "node server.mjs", "--args", "[1]"], /--args applies to fn:/],
      [["fn:missing.mjs#work"], /function target file not found/],
      [["http://127.0.0.1:3000/work", "--ready-path", "/health"], /--ready-path is given without --serve/],
    ];
    for (const [target, message] of cases) {
      const result = cli(["bisect", "--good", "HEAD~2", ...target], { cwd: repo.dir });
      assert.equal(result.code, 2, `${target.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message, target.join(" "));
      assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
      assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
      assert.equal(existsSync(join(repo.dir, ".hex-skills")), false, `${target.join(" ")} wrote something`);
    }
  });
});
