// Platform.startService (src/platform/service.ts) against real processes, under Bun and Deno: a
// service runs until it is stopped, and stopping it, or a SIGKILL of the perfloop that started it,
// ends its process group and the children it started; one that ends by itself reports its exit
// and stderr. Through the Sandbox (src/confine/sandbox.ts) a service gets its side's TMPDIR, is
// confined like the side's commands, and the sandbox's close stops it.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, describe, test } from "node:test";
import { Sandbox } from "../../src/confine/sandbox.ts";
import { detectPlatform, SERVICE_TIMEOUT_MS, type Platform, type SpawnRequest } from "../../src/platform/index.ts";
import { REPO_ROOT, removeDir, runtimeName, tempDir } from "../helpers/cli.ts";

const platform = detectPlatform();
const scratch = tempDir("perfloop-service-");
after(() => removeDir(scratch));
const linux = process.platform === "linux";
const needsProc = linux ? false : "needs Linux /proc";

/** A shell service that writes its own pid and its child's (a `sleep`) to `dir`, then waits. */
const SLEEPER = 'echo $$ > pid; sleep 300 & echo $! > child; echo started >&2; wait';

function request(cwd: string, shell: string): SpawnRequest {
  return { shell, cwd, env: platform.env, timeoutMs: SERVICE_TIMEOUT_MS, maxOutputBytes: 64 * 1024 };
}

function dir(name: string): string {
  const path = join(scratch, name);
  mkdirSync(path, { recursive: true });
  return path;
}

/** A process that is running (present in /proc and not a zombie). */
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

/** The pids the SLEEPER wrote, once both are there. */
async function pidsIn(where: string): Promise<number[]> {
  const read = () => ["pid", "child"].map((name) => (existsSync(join(where, name)) ? Number(readFileSync(join(where, name), "utf8").trim()) : 0));
  assert.ok(await until(() => read().every((pid) => pid > 0), 20_000), "the service did not write its pids");
  return read();
}

describe("a service on the plain platform", { skip: needsProc }, () => {
  test("runs until stopped; stop ends it and the child it started, and `exited` says it was stopped", async () => {
    const where = dir("stop");
    const service = await platform.startService(request(where, SLEEPER));
    const pids = await pidsIn(where);
    assert.ok(pids.every(running), `not running: ${pids}`);
    let settled = false;
    void service.exited.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(settled, false, "a running service has not exited");
    await service.stop();
    assert.ok(await until(() => !pids.some(running), 3_000), `still running after stop: ${pids.filter(running)}`);
    const result = await service.exited;
    assert.equal(result.exitCode, null);
    assert.ok(result.signal !== null, "a stopped service ends by a signal");
    await service.stop(); // idempotent
  });

  test("a service that ends by itself reports its exit code and stderr", async () => {
    const service = await platform.startService(request(dir("exits"), "echo the port is taken >&2; exit 3"));
    const result = await service.exited;
    assert.equal(result.exitCode, 3);
    assert.match(result.stderr, /the port is taken/);
    await service.stop();
  });

  test("a service that cannot start says why in `exited`", async () => {
    const service = await platform.startService(request(join(scratch, "no-such-dir"), "true"));
    const result = await service.exited;
    assert.match(result.spawnError ?? "", /working directory does not exist/);
    await service.stop();
  });

  test("a SIGKILL of the perfloop that started it ends the service and its children", async () => {
    const where = dir("holder");
    const holder = join(REPO_ROOT, "tests", "fixtures", "holder", "hold.ts");
    const argv = runtimeName() === "deno" ? [process.execPath, "run", "-A", "--no-check", holder] : [process.execPath, holder];
    const child = spawn(argv[0]!, [...argv.slice(1), "service", JSON.stringify(request(where, SLEEPER))], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (chunk: Uint8Array) => (stderr += new TextDecoder().decode(chunk)));
    try {
      const pids = await pidsIn(where);
      assert.ok(pids.every(running), `not running: ${pids}`);
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      assert.ok(await until(() => !pids.some(running), 5_000), `still running after the holder's SIGKILL: ${pids.filter(running)}; holder said: ${stderr}`);
    } finally {
      child.kill("SIGKILL");
    }
  });
});

/** A person's repository with a side-tree root inside it, as the Sandbox expects. */
function layout(name: string) {
  const repo = join(scratch, name, "repo");
  const side = join(repo, ".hex-skills", "worktree", "candidate");
  mkdirSync(side, { recursive: true });
  writeFileSync(join(repo, "work.sh"), "echo work\n");
  for (const args of [["init", "-q", "-b", "main"], ["add", "work.sh"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"]]) {
    assert.equal(spawnSync("git", args, { cwd: repo }).status, 0);
  }
  return { repo, side };
}

function sandboxOf(where: ReturnType<typeof layout>, base: Platform = platform): Sandbox {
  const sandbox = new Sandbox(base, { repoDir: where.repo, gitdir: join(where.repo, ".git") });
  sandbox.side(where.side);
  return sandbox;
}

const probe = linux ? sandboxOf(layout("probe")) : null;
const mode = probe ? await probe.mode() : null;
await probe?.close();
const noLandlock = mode?.mode === "landlock" ? false : `Landlock is not available here (${mode && "reason" in mode ? mode.reason : "not Linux"})`;

describe("a service in a side tree (Sandbox)", { skip: needsProc }, () => {
  test("gets the side's TMPDIR; closing the sandbox stops it and its children", async () => {
    const w = layout("sandbox-close");
    const sandbox = sandboxOf(w);
    const tmp = sandbox.side(w.side);
    try {
      await sandbox.platform.startService(request(w.side, `echo "$TMPDIR" > tmpdir; ${SLEEPER}`));
      const pids = await pidsIn(w.side);
      assert.equal(readFileSync(join(w.side, "tmpdir"), "utf8").trim(), tmp);
      assert.ok(pids.every(running));
      await sandbox.close();
      assert.ok(await until(() => !pids.some(running), 3_000), `still running after close: ${pids.filter(running)}`);
    } finally {
      await sandbox.close();
    }
  });

  test("a service outside every side tree is refused", async () => {
    const w = layout("sandbox-outside");
    const sandbox = sandboxOf(w);
    try {
      await assert.rejects(sandbox.platform.startService(request(w.repo, "true")), /not inside a side tree/);
    } finally {
      await sandbox.close();
    }
  });

  test("with Landlock, a service cannot write outside its side tree", { skip: noLandlock }, async () => {
    const w = layout("sandbox-landlock");
    const sandbox = sandboxOf(w);
    try {
      const service = await sandbox.platform.startService(request(w.side, `echo x > ${w.repo}/pwned.txt; echo x >> ${w.repo}/work.sh; echo inside > here.txt; exit 0`));
      const result = await service.exited;
      assert.match(result.stderr, /Permission denied/);
      assert.equal(existsSync(join(w.repo, "pwned.txt")), false);
      assert.equal(readFileSync(join(w.repo, "work.sh"), "utf8"), "echo work\n");
      assert.equal(readFileSync(join(w.side, "here.txt"), "utf8"), "inside\n");
      await service.stop();
    } finally {
      await sandbox.close();
    }
  });
});
