// `perfloop profile <url> --serve "<cmd>"` with the compiled binary (docs/run.md, "Endpoints: how
// perfloop starts your server"): tests/fixtures/slow-endpoint's server is started in the project
// root on a port perfloop picks, measured, and stopped with everything it started (it starts a
// helper of its own in a session of its own), checked through /proc; also when the server never
// answers, and on Ctrl-C while measuring; an https server with a self-signed certificate is measured. The server flags are refused where they do not apply.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { removeDir, tempDir } from "../helpers/cli.ts";
import { fixtureRepo, git, personState } from "../helpers/repo.ts";
import { leftAfter, processesIn } from "./processes.ts";
import { runPerfloop } from "./run-helpers.ts";

const skip = !process.env.PERFLOOP_BIN ? "set PERFLOOP_BIN to the compiled binary (npm run build) to run the e2e tests" : process.platform !== "linux" ? "the leftover check reads /proc (Linux)" : false;
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

// A port nothing listens on in the URL: perfloop replaces it with the one it picks.
const URL_ = "http://127.0.0.1:9/count";

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe("perfloop profile --serve", { skip }, () => {
  test("starts the server on a port it picks, measures the endpoint, and leaves nothing running", { timeout: 120_000 }, async () => {
    const dir = fixtureRepo(dirs, "slow-endpoint");
    const before = personState(dir);
    const result = await runPerfloop(["profile", URL_, "--serve", "node server.mjs", "--ready-path", "/health", "--requests", "40", "--test", "sh test.sh", "--json"], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const report = result.json as Record<string, any>;
    assert.equal(report.ok, true);
    // The person's URL is the target; the requests went to the server perfloop started.
    assert.equal(report.target.url, URL_);
    assert.equal(report.served.command, "node server.mjs");
    assert.notEqual(new URL(report.served.url).port, "9", "the URL's port is replaced by the one perfloop picked");
    assert.equal(report.measurement.succeeded, 40, JSON.stringify(report.measurement.errors));
    assert.equal(report.measurement.errors.total, 0);
    const p = report.measurement.latency_percentiles_ms;
    assert.ok(p.p50 > 0 && p.p99 >= p.p50, JSON.stringify(p));
    assert.ok(report.result.performance_map.baseline.throughput_rps > 0);
    assert.deepEqual(await leftAfter([dir], 5_000), [], "the server or its helper is still running");
    assert.deepEqual(personState(dir), before, "profile changes nothing of the person's");
  });

  test("an https server with a self-signed certificate on this machine is measured", { timeout: 120_000 }, async (t) => {
    const dir = tempDir("perfloop-https-");
    dirs.push(dir);
    const made = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], { encoding: "utf8" });
    if (made.error || made.status !== 0) {
      t.skip(`openssl could not make a certificate: ${made.error?.message ?? made.stderr}`);
      return;
    }
    writeFileSync(
      join(dir, "server.mjs"),
      `import { readFileSync } from "node:fs";\nimport { createServer } from "node:https";\ncreateServer({ key: readFileSync("key.pem"), cert: readFileSync("cert.pem") }, (request, response) => response.end("ok")).listen(Number(process.env.PORT), "127.0.0.1");\n`,
    );
    git(dir, "init", "-q", "-b", "main");
    git(dir, "add", "-A");
    git(dir, "commit", "-qm", "base");
    const result = await runPerfloop(["profile", "https://127.0.0.1:9/", "--serve", "node server.mjs", "--requests", "20", "--skip-tests", "--json"], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const report = result.json as Record<string, any>;
    assert.match(report.served.url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(report.measurement.succeeded, 20, JSON.stringify(report.measurement));
    assert.deepEqual(await leftAfter([dir], 5_000), [], "the server is still running");
    // The same server started by the test: perfloop did not start it, so its certificate is checked, and the line says what to do.
    const port = await freePort();
    const server = spawn("node", ["server.mjs"], { cwd: dir, env: { ...process.env, PORT: String(port) }, stdio: "ignore" });
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const unserved = await runPerfloop(["profile", `https://127.0.0.1:${port}/`, "--requests", "5", "--skip-tests"], { cwd: dir });
      assert.equal(unserved.code, 2, unserved.stderr);
      assert.match(unserved.stderr, /cannot reach https:\/\/127\.0\.0\.1:\d+\/: .*(certificate|CERT)/i);
      assert.match(unserved.stderr, /perfloop checks the certificate of a server it did not start/);
    } finally {
      server.kill("SIGKILL");
    }
  });

  test("a server that never answers: one line with its reason, exit 1, nothing left running", { timeout: 60_000 }, async () => {
    const dir = fixtureRepo(dirs, "slow-endpoint");
    writeFileSync(join(dir, "mute.mjs"), "setInterval(() => {}, 1000);\n");
    const result = await runPerfloop(["profile", URL_, "--serve", "node mute.mjs", "--ready-timeout", "2", "--skip-tests"], { cwd: dir });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /the server could not be started: /);
    assert.match(result.stderr, /--serve/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
    assert.deepEqual(await leftAfter([dir], 5_000), []);
  });

  test("Ctrl-C while measuring: exit 130, the server stopped", { timeout: 120_000 }, async () => {
    const dir = fixtureRepo(dirs, "slow-endpoint");
    // Once the server has been up for a second it answers and is being measured (100,000 requests take minutes).
    let upSince = 0;
    const measuring = () => {
      if (processesIn([dir]).length === 0) return false;
      upSince ||= Date.now();
      return Date.now() - upSince > 1_000;
    };
    const result = await runPerfloop(["profile", URL_, "--serve", "node server.mjs", "--ready-path", "/health", "--requests", "100000", "--skip-tests"], { cwd: dir, interruptWhen: measuring, limitMs: 60_000 });
    assert.equal(result.code, 130, result.stderr);
    assert.deepEqual(await leftAfter([dir], 5_000), [], "the server outlived Ctrl-C");
  });

  test("the server flags are refused where they do not apply: one line, exit 2", async () => {
    const dir = fixtureRepo(dirs, "slow-endpoint");
    const cases: [string[], RegExp][] = [
      [["profile", "node server.mjs", "--serve", "node server.mjs"], /--serve applies to endpoint targets/],
      [["profile", URL_, "--ready-path", "/health"], /--ready-path is given without --serve/],
      [["profile", URL_, "--serve", "node server.mjs", "--ready-path", "health"], /--ready-path must be a path starting with \//],
      [["profile", URL_, "--body", "x"], /a GET request cannot have a body/],
      [["profile", "node server.mjs", "--concurrency", "8"], /--concurrency applies to endpoint targets/],
    ];
    for (const [args, message] of cases) {
      const result = await runPerfloop([...args, "--skip-tests"], { cwd: dir });
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(" "));
      assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    }
    assert.deepEqual(await leftAfter([dir], 2_000), []);
  });
});
