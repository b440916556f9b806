// Nothing is left behind (docs/safety.md), through the compiled binary: the processes a measured
// target started end when perfloop is killed with SIGKILL mid-measurement (its resident spawner
// sees its input end), and the preflight's temporary copy of the tracked files is removed on
// SIGINT and SIGTERM, and by the next preflight after a SIGKILL.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, describe, test } from "node:test";
import { perfloopArgv, removeDir } from "../helpers/cli.ts";
import { fixtureRepo, git } from "../helpers/repo.ts";

const skip = process.env.PERFLOOP_BIN ? (process.platform === "linux" ? false : "needs Linux /proc") : "set PERFLOOP_BIN to the compiled binary (npm run build) to run the e2e tests";
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A `sleep` duration no other process uses, so that /proc/<pid>/cmdline names this test's processes. */
const unique = (n: number) => `1234.9${n}${process.pid}${Date.now() % 100_000}`;

/** Processes (not zombies) whose command line holds `marker`. */
function alive(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ");
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // perfloop's own command line may name the marker (`--test "sleep <marker>"`): not a leftover.
      if (cmdline.includes(marker) && !cmdline.includes("perfloop") && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z") found.push(Number(name));
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

function explain(pids: number[]): string {
  return pids.map((pid) => {
    try {
      return `${readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ")} (${readFileSync(`/proc/${pid}/stat`, "utf8").slice(0, 60)})`;
    } catch {
      return `${pid} (gone)`;
    }
  }).join("; ");
}

async function until(what: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (what()) return true;
    await sleep(25);
  }
  return what();
}

/** Starts perfloop in `dir`; the returned function waits for its end. */
function start(dir: string, args: string[]): { pid: number; kill(signal: NodeJS.Signals): void; done: Promise<{ code: number | null; signal: string | null; stderr: string }> } {
  const [command, ...prefix] = perfloopArgv();
  const child = spawn(command!, [...prefix, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  child.stdout.resume();
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stderr })));
  return { pid: child.pid!, kill: (signal) => child.kill(signal), done };
}

/** The sum-loop fixture whose target also starts a long sleep of its own (and waits for it). */
function slowRepo(marker: string): string {
  const dir = fixtureRepo(dirs, "sum-loop");
  writeFileSync(join(dir, "slow.sh"), `#!/bin/sh\nsleep ${marker} &\nwait\n`);
  writeFileSync(join(dir, "h.json"), JSON.stringify({ version: 1, hypotheses: [{ id: "H1", description: "d", change: { kind: "env", set: { X: "1" } } }] }));
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "slow");
  return dir;
}

function preflightCopies(pid: number): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith(`perfloop-preflight-${pid}-`));
}

describe("nothing left behind", { skip }, () => {
  test("SIGKILL of perfloop while a target runs: the target and what it started end within seconds", { timeout: 120_000 }, async () => {
    const marker = unique(1);
    const dir = slowRepo(marker);
    const run = start(dir, ["execute", "sh slow.sh", "--hypotheses", "h.json", "--test", "true", "--slug", "kill9", "--json"]);
    assert.ok(await until(() => alive(marker).length > 0, 60_000), "the target never started");
    run.kill("SIGKILL");
    await run.done;
    assert.ok(await until(() => alive(marker).length === 0, 10_000), `left running after perfloop's SIGKILL: ${alive(marker).join(", ")}`);
  });

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    test(`${signal} during preflight: its copy of the tracked files is removed, nothing is left running`, { timeout: 120_000 }, async () => {
      const marker = unique(signal === "SIGINT" ? 2 : 3);
      const dir = fixtureRepo(dirs, "sum-loop");
      const run = start(dir, ["run", "sh work.sh", "--test", `sleep ${marker}`, "--yes", "--slug", "pre"]);
      assert.ok(await until(() => alive(marker).length > 0 && preflightCopies(run.pid).length > 0, 60_000), "preflight's tests never started");
      run.kill(signal);
      const end = await run.done;
      assert.equal(end.code, 130, end.stderr);
      assert.match(end.stderr, /stopped during preflight; nothing was written/);
      assert.deepEqual(preflightCopies(run.pid), []);
      assert.ok(await until(() => alive(marker).length === 0, 10_000), `preflight's tests left running: ${explain(alive(marker))}`);
      assert.equal(existsSync(join(dir, ".hex-skills", "optimization", "runtime", "runs")), false);
    });
  }

  test("SIGKILL during preflight: the copy it leaves is removed by the next preflight", { timeout: 120_000 }, async () => {
    const marker = unique(4);
    const dir = fixtureRepo(dirs, "sum-loop");
    const run = start(dir, ["run", "sh work.sh", "--test", `sleep ${marker}`, "--yes", "--slug", "pre9"]);
    assert.ok(await until(() => alive(marker).length > 0 && preflightCopies(run.pid).length > 0, 60_000), "preflight's tests never started");
    run.kill("SIGKILL");
    await run.done;
    assert.equal(preflightCopies(run.pid).length, 1, "a SIGKILL leaves the copy (nothing can run then)");
    assert.ok(await until(() => alive(marker).length === 0, 10_000), "preflight's tests left running after the SIGKILL");
    const next = start(dir, ["run", "sh work.sh", "--test", "false", "--yes", "--slug", "pre9b"]);
    const end = await next.done;
    assert.equal(end.code, 2, end.stderr);
    assert.deepEqual(preflightCopies(run.pid), [], "the next preflight removed the dead perfloop's copy");
  });
});
