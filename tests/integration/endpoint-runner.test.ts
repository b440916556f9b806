// The endpoint runner (src/execute/endpoint-runner.ts) against real servers, under Bun and Deno:
// a small Bun.serve script committed in a temp git repository and started by the runner with
// the real bun (node_modules/.bin/bun) on the port it picks. A round gives the five values; a
// handler that sleeps 20 ms is slower than one that does not (a ratio far above the noise); a
// server that exits at start, or never answers, fails the open with the reason; after close, and
// after a SIGKILL of the process that opened it, nothing of the server (nor the child it started)
// is running; through the Sandbox, a server in a side tree cannot write outside it (Landlock).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import process from "node:process";
import { after, describe, test } from "node:test";
import { Sandbox } from "../../src/confine/sandbox.ts";
import { endpointRunner, type EndpointTargetSpec } from "../../src/execute/endpoint-runner.ts";
import type { OpenTarget } from "../../src/execute/target-runners.ts";
import { detectPlatform } from "../../src/platform/index.ts";
import type { RunOutcome } from "../../src/profile/command-target.ts";
import { REPO_ROOT, removeDir, runtimeName, tempDir } from "../helpers/cli.ts";

const platform = detectPlatform();
const BUN = join(REPO_ROOT, "node_modules", ".bin", "bun");
const linux = process.platform === "linux";
const skip = !existsSync(BUN) ? `no bun at ${BUN} to run the fixture server (npm ci installs it)` : !linux ? "needs Linux /proc to check which processes run" : false;
const LIMITS = { timeoutMs: 60_000, maxOutputBytes: 64 * 1024 };

/**
 * The fixture server. With CLASH_PORT, its first CLASH_TIMES starts bind that port (held by the
 * test) and fail with EADDRINUSE, counted in its file "starts". It writes its pid and its child's (a `sleep 300` it starts) to files in its
 * directory, then, by its environment: exits at once (EXIT_AT_START), never listens (NEVER_READY),
 * tries to write WRITE_OUTSIDE first; it answers /health with 200, every other path after
 * DELAY_MS with 200 (or 500 with FAIL); over https with TLS_DIR's cert.pem and key.pem.
 */
const SERVER = `import { existsSync, readFileSync, writeFileSync } from "node:fs";
const env = process.env;
if (env.CLASH_PORT) {
  // The first CLASH_TIMES starts bind a port someone else holds (a race lost to another process).
  const starts = (existsSync("starts") ? Number(readFileSync("starts", "utf8")) : 0) + 1;
  writeFileSync("starts", String(starts));
  if (starts <= Number(env.CLASH_TIMES)) Bun.serve({ port: Number(env.CLASH_PORT), hostname: "127.0.0.1", fetch: () => new Response("not ours") });
}
writeFileSync("pid", String(process.pid));
const child = Bun.spawn(["sleep", "300"], { stdio: ["ignore", "ignore", "ignore"] });
writeFileSync("child", String(child.pid));
if (env.WRITE_OUTSIDE) {
  try { writeFileSync(env.WRITE_OUTSIDE, "pwned"); writeFileSync("outside-write", "written"); }
  catch (error) { writeFileSync("outside-write", String(error.code ?? error.message)); }
}
if (env.EXIT_AT_START) { console.error("cannot bind: the fixture refuses to start"); process.exit(3); }
if (env.NEVER_READY) { console.error("listening on 3000 (not on PORT)"); await new Promise(() => {}); }
const delay = Number(env.DELAY_MS ?? 0);
const tls = env.TLS_DIR ? { tls: { cert: Bun.file(env.TLS_DIR + "/cert.pem"), key: Bun.file(env.TLS_DIR + "/key.pem") } } : {};
Bun.serve({ port: Number(env.PORT), hostname: "127.0.0.1", ...tls, async fetch(request) {
  if (new URL(request.url).pathname === "/health") return new Response("ok");
  if (delay > 0) await Bun.sleep(delay);
  return new Response(env.FAIL ? "broken" : "hello", { status: env.FAIL ? 500 : 200 });
} });
`;

const scratch = tempDir("perfloop-endpoint-runner-");
after(() => removeDir(scratch));

function git(cwd: string, ...args: string[]): void {
  const result = spawnSync("git", args, { cwd, encoding: "utf8" });
  assert.equal(result.status, 0, `git ${args.join(" ")}: ${result.stderr}`);
}

/** A git repository holding the fixture server, committed; its directory. */
function project(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "server.ts"), SERVER);
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base");
  return dir;
}

function spec(extra: Partial<EndpointTargetSpec> = {}): EndpointTargetSpec {
  // The port is any: the runner replaces it with the one it picks.
  return { url: "http://127.0.0.1:9/work", serve: `exec ${BUN} server.ts`, readyPath: "/health", readyTimeoutMs: 20_000, requests: 20, concurrency: 2, method: "GET", ...extra };
}

async function open(dir: string, env: Record<string, string> = {}, extra: Partial<EndpointTargetSpec> = {}): Promise<OpenTarget> {
  const opened = await endpointRunner(spec(extra)).open(platform, dir, { ...platform.env, ...env });
  assert.ok(opened.ok, opened.ok ? "" : opened.reason);
  return opened.target;
}

function ok(outcome: RunOutcome): Readonly<Record<string, number>> {
  assert.ok(outcome.ok, outcome.ok ? "" : outcome.failure.message);
  assert.ok(outcome.sample.values, "a round has values");
  return outcome.sample.values;
}

/** Running: in /proc and not a zombie. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** The server's pid and its child's, as it wrote them. */
async function pidsIn(dir: string): Promise<number[]> {
  const read = () => ["pid", "child"].map((name) => (existsSync(join(dir, name)) ? Number(readFileSync(join(dir, name), "utf8").trim() || 0) : 0));
  assert.ok(await until(() => read().every((pid) => pid > 0), 20_000), "the server did not write its pids");
  return read();
}

async function assertAllEnd(pids: number[], ms: number, what: string): Promise<void> {
  assert.ok(await until(() => !pids.some(running), ms), `still running ${what}: ${pids.filter(running).join(", ")}`);
}

describe("an endpoint whose server perfloop starts", { skip }, () => {
  test("a round gives p50, p95 and p99 latency, throughput, the error count and the requests it sent", async () => {
    const target = await open(project("values"));
    try {
      const outcome = await target.runOnce(1, false, LIMITS);
      const values = ok(outcome);
      assert.deepEqual(Object.keys(values).sort(), ["error_count", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms", "request_count", "throughput_rps"]);
      assert.equal(values.request_count, 20);
      assert.ok(values.latency_p50_ms! > 0 && values.latency_p50_ms! <= values.latency_p95_ms! && values.latency_p95_ms! <= values.latency_p99_ms!, JSON.stringify(values));
      assert.ok(values.throughput_rps! > 0);
      assert.equal(values.error_count, 0);
      assert.ok(outcome.sample.wall_ms > 0);
      assert.equal(outcome.sample.run, 1);
      assert.equal(outcome.sample.memory_peak_mb, null);
    } finally {
      await target.close();
    }
  });

  test("a handler that sleeps 20 ms is measured slower than one that does not", async () => {
    const dir = project("slow-fast");
    const fast = await open(dir);
    const slow = await open(dir, { DELAY_MS: "20" });
    try {
      const f = ok(await fast.runOnce(1, false, LIMITS));
      const s = ok(await slow.runOnce(2, false, LIMITS));
      assert.ok(s.latency_p50_ms! >= 18, `slow p50 ${s.latency_p50_ms}`);
      assert.ok(f.latency_p50_ms! < s.latency_p50_ms! / 2, `fast p50 ${f.latency_p50_ms} vs slow ${s.latency_p50_ms}`);
      assert.ok(f.throughput_rps! > s.throughput_rps!);
    } finally {
      await Promise.all([fast.close(), slow.close()]);
    }
  });

  test("https: a server with a self-signed certificate is measured under Bun; Deno says why it cannot", async (t) => {
    const dir = project("https");
    const tlsDir = join(dir, ".tls");
    mkdirSync(tlsDir);
    const made = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(tlsDir, "key.pem"), "-out", join(tlsDir, "cert.pem"), "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], { encoding: "utf8" });
    if (made.error || made.status !== 0) {
      t.skip(`openssl could not make a certificate: ${made.error?.message ?? made.stderr}`);
      return;
    }
    const https = { url: "https://127.0.0.1:9/work" };
    if (platform.runtime !== "bun") {
      const opened = await endpointRunner(spec(https)).open(platform, dir, { ...platform.env, TLS_DIR: tlsDir });
      assert.equal(opened.ok, false);
      if (!opened.ok) assert.match(opened.reason, /cannot accept the development certificate of an https server it starts: run perfloop's own binary, or serve over http/);
      return;
    }
    const target = await open(dir, { TLS_DIR: tlsDir }, https);
    try {
      const values = ok(await target.runOnce(1, false, LIMITS));
      assert.equal(values.error_count, 0);
      assert.ok(values.latency_p50_ms! > 0);
    } finally {
      await target.close();
    }
  });

  test("https is served on this machine only: another host is refused at once", () => {
    assert.throws(() => endpointRunner(spec({ url: "https://example.com:9/work" })), /an https server perfloop starts is reached on this machine, got host example.com/);
    assert.doesNotThrow(() => endpointRunner(spec({ url: "https://localhost:9/work" })));
  });

  test("a round in which every request fails is a failed round that says how", async () => {
    const target = await open(project("failing"), { FAIL: "1" });
    try {
      const outcome = await target.runOnce(3, false, LIMITS);
      assert.equal(outcome.ok, false);
      if (outcome.ok) return;
      assert.match(outcome.failure.message, /round 3: all 20 requests failed \(20 x HTTP 500\)/);
    } finally {
      await target.close();
    }
  });

  test("a start that loses the port to another process (EADDRINUSE) is tried again on another port, up to 3 times", async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const held = (holder.address() as AddressInfo).port;
    try {
      const dir = project("clash-twice");
      const target = await open(dir, { CLASH_PORT: String(held), CLASH_TIMES: "2" });
      try {
        assert.equal(readFileSync(join(dir, "starts"), "utf8"), "3", "two lost starts, then one on a free port");
        assert.ok(ok(await target.runOnce(1, false, LIMITS)).latency_p50_ms! > 0);
      } finally {
        await target.close();
      }
      const always = project("clash-always");
      const opened = await endpointRunner(spec()).open(platform, always, { ...platform.env, CLASH_PORT: String(held), CLASH_TIMES: "10" });
      assert.equal(opened.ok, false);
      if (opened.ok) return;
      assert.match(opened.reason, /^the server exited with \d+ before it answered .*; its stderr: .*in use.* \(its port was in use on each of 3 tries, each on a port free a moment before: does it listen on \$PORT\?\)$/);
      assert.equal(readFileSync(join(always, "starts"), "utf8"), "3", "three starts, then the failure");
    } finally {
      holder.close();
    }
  });

  test("a server that exits at start fails the open with its stderr", async () => {
    const dir = project("exits");
    const opened = await endpointRunner(spec()).open(platform, dir, { ...platform.env, EXIT_AT_START: "1" });
    assert.equal(opened.ok, false);
    if (opened.ok) return;
    assert.match(opened.reason, /the server exited with 3 before it answered .*; its stderr: cannot bind: the fixture refuses to start/);
    await assertAllEnd(await pidsIn(dir), 3_000, "after the failed open");
  });

  test("a server that never answers fails the open by the ready timeout, and nothing of it stays running", async () => {
    const dir = project("never-ready");
    const started = performance.now();
    const opened = await endpointRunner(spec({ readyTimeoutMs: 3_000 })).open(platform, dir, { ...platform.env, NEVER_READY: "1" });
    assert.equal(opened.ok, false);
    if (opened.ok) return;
    assert.match(opened.reason, /did not answer http:\/\/127\.0\.0\.1:\d+\/health within 3000 ms/);
    assert.match(opened.reason, /listening on 3000/);
    assert.ok(performance.now() - started < 15_000, "the open gave up soon after its timeout");
    const pids = await pidsIn(dir);
    assert.ok(!pids.some(running), `still running: ${pids.filter(running)}`);
  });

  test("after close no process of the server is running, nor the child it started", async () => {
    const dir = project("close");
    const target = await open(dir);
    const pids = await pidsIn(dir);
    assert.ok(pids.every(running), `not running while open: ${pids}`);
    await target.close();
    await assertAllEnd(pids, 3_000, "after close");
  });

  test("a round after the server died fails, naming how it ended", async () => {
    const dir = project("died");
    const target = await open(dir);
    try {
      const [pid] = await pidsIn(dir);
      process.kill(pid!, "SIGKILL");
      await until(() => !running(pid!), 3_000);
      await new Promise((r) => setTimeout(r, 100));
      const outcome = await target.runOnce(5, false, LIMITS);
      assert.equal(outcome.ok, false);
      if (outcome.ok) return;
      assert.match(outcome.failure.message, /round 5: the server was killed by SIGKILL/);
      assert.equal(outcome.failure.signal, "SIGKILL");
    } finally {
      await target.close();
    }
  });

  test("a SIGKILL of the process that opened it ends the server and its child within seconds", async () => {
    const dir = project("holder");
    const holder = join(REPO_ROOT, "tests", "fixtures", "holder", "hold.ts");
    const argv = runtimeName() === "deno" ? [process.execPath, "run", "-A", "--no-check", holder] : [process.execPath, holder];
    const child = spawn(argv[0]!, [...argv.slice(1), "endpoint", JSON.stringify(spec()), dir], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Uint8Array) => (stdout += new TextDecoder().decode(chunk)));
    child.stderr?.on("data", (chunk: Uint8Array) => (stderr += new TextDecoder().decode(chunk)));
    try {
      assert.ok(await until(() => stdout.includes("ready") || child.exitCode !== null, 30_000), `the holder did not open the endpoint: ${stderr}`);
      assert.match(stdout, /ready/, stderr);
      const pids = await pidsIn(dir);
      assert.ok(pids.every(running), `not running while held: ${pids}`);
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      await assertAllEnd(pids, 5_000, "after the holder's SIGKILL");
    } finally {
      child.kill("SIGKILL");
    }
  });
});

/** A person's repository with a side tree holding the fixture server, as the Sandbox expects. */
function sideLayout(name: string): { repo: string; side: string; sandbox: Sandbox } {
  const repo = project(name);
  const side = join(repo, ".hex-skills", "worktree", "candidate");
  mkdirSync(side, { recursive: true });
  writeFileSync(join(side, "server.ts"), SERVER);
  const sandbox = new Sandbox(platform, { repoDir: repo, gitdir: join(repo, ".git") });
  sandbox.side(side);
  return { repo, side, sandbox };
}

const probe = skip ? null : sideLayout("probe");
const mode = probe ? await probe.sandbox.mode() : null;
await probe?.sandbox.close();
const noLandlock = skip || (mode?.mode === "landlock" ? false : `Landlock is not available here (${mode && "reason" in mode ? mode.reason : "no probe"})`);

describe("an endpoint's server in a side tree (Sandbox)", { skip: noLandlock }, () => {
  test("is confined like the side's commands: its write to the repository is refused; closing the sandbox ends it", async () => {
    const { repo, side, sandbox } = sideLayout("confined");
    const outside = join(repo, "pwned.txt");
    try {
      const opened = await endpointRunner(spec()).open(sandbox.platform, side, { ...platform.env, WRITE_OUTSIDE: outside });
      assert.ok(opened.ok, opened.ok ? "" : opened.reason);
      ok(await opened.target.runOnce(1, false, LIMITS));
      assert.equal(existsSync(outside), false, "the server wrote into the repository");
      assert.equal(readFileSync(join(side, "outside-write"), "utf8"), "EACCES");
      const pids = await pidsIn(side);
      await sandbox.close();
      await assertAllEnd(pids, 3_000, "after the sandbox closed");
    } finally {
      await sandbox.close();
    }
  });
});
