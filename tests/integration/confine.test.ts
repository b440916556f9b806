// The Sandbox (src/confine/sandbox.ts) against real processes, under Bun and Deno: commands in a
// side tree write only there and in its TMPDIR, never in another side tree, the repository or
// elsewhere; what they leave running is ended; without Landlock (PERFLOOP_CONFINE=detect) a change
// to the repository stops the run with the path named.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { PerfloopError } from "../../src/errors.ts";
import { Sandbox } from "../../src/confine/sandbox.ts";
import { detectPlatform, type Platform, type SpawnResult } from "../../src/platform/index.ts";

const platform = detectPlatform();
const scratch = mkdtempSync(join(tmpdir(), "perfloop-confine-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A person's repository with one committed file, a side-tree root inside it and an outside directory. */
function layout(name: string) {
  const root = join(scratch, name);
  const repo = join(root, "repo");
  const outside = join(root, "outside");
  mkdirSync(join(repo, ".hex-skills", "worktree", "base"), { recursive: true });
  mkdirSync(join(repo, ".hex-skills", "worktree", "candidate"), { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(repo, "work.sh"), "echo work\n");
  writeFileSync(join(outside, "keep.txt"), "keep\n");
  for (const args of [["init", "-q", "-b", "main"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"]]) {
    assert.equal(spawnSync("git", args, { cwd: repo }).status, 0);
  }
  return { repo, outside, base: join(repo, ".hex-skills", "worktree", "base"), candidate: join(repo, ".hex-skills", "worktree", "candidate") };
}

function sandboxOf(where: ReturnType<typeof layout>, base: Platform = platform, notices: string[] = []): Sandbox {
  const sandbox = new Sandbox(base, { repoDir: where.repo, gitdir: join(where.repo, ".git"), notice: (m) => notices.push(m) });
  sandbox.side(where.base);
  sandbox.side(where.candidate);
  return sandbox;
}

function sh(sandbox: Sandbox, cwd: string, shell: string): Promise<SpawnResult> {
  return sandbox.platform.spawn({ shell, cwd, env: platform.env, timeoutMs: 30_000, maxOutputBytes: 64 * 1024 });
}

function alive(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8");
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (cmdline.includes(marker) && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z") found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const linux = process.platform === "linux";
const where = linux ? layout("probe") : null;
const probe = where ? sandboxOf(where) : null;
const mode = probe ? await probe.mode() : null;
await probe?.close();
const landlock = mode?.mode === "landlock";
const noLandlock = landlock ? false : `Landlock is not available here (${mode && "reason" in mode ? mode.reason : "not Linux"}): the confinement tests are skipped, detection is still tested`;

describe("confinement with Landlock", { skip: noLandlock }, () => {
  test("a command writes its side tree and TMPDIR, and nothing else: not the repository, not another side tree, not outside", async () => {
    const w = layout("writes");
    writeFileSync(join(w.base, "baseline.txt"), "the baseline\n");
    const sandbox = sandboxOf(w);
    try {
      const result = await sh(
        sandbox,
        w.candidate,
        [
          "echo inside > here.txt",
          'echo tmp > "$TMPDIR/t.txt" && echo TMPOK',
          `echo x > ${w.outside}/pwned.txt`,
          `echo x >> ${w.repo}/work.sh`,
          `rm -f ${w.outside}/keep.txt`,
          `echo sabotage > ${w.base}/baseline.txt`,
          `mkdir ${w.repo}/.git/refs/tags/x`,
          "echo null > /dev/null && echo DEVOK",
          "true",
        ].join("; "),
      );
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(result.stdout, /TMPOK/);
      assert.match(result.stdout, /DEVOK/);
      assert.match(result.stderr, /Permission denied/);
      assert.equal(readFileSync(join(w.candidate, "here.txt"), "utf8"), "inside\n");
      assert.equal(existsSync(join(w.outside, "pwned.txt")), false);
      assert.equal(readFileSync(join(w.outside, "keep.txt"), "utf8"), "keep\n");
      assert.equal(readFileSync(join(w.repo, "work.sh"), "utf8"), "echo work\n");
      assert.equal(readFileSync(join(w.base, "baseline.txt"), "utf8"), "the baseline\n");
      assert.equal(existsSync(join(w.repo, ".git", "refs", "tags", "x")), false);
      assert.equal((await sandbox.mode()).mode, "landlock");
    } finally {
      await sandbox.close();
    }
  });

  test("permissions Landlock leaves open: a chmod of the person's file is put back and stops the run; their own edits meanwhile are not a finding", async () => {
    const w = layout("chmod");
    const sandbox = sandboxOf(w);
    const work = join(w.repo, "work.sh");
    chmodSync(work, 0o644);
    try {
      assert.equal((await sh(sandbox, w.base, "true")).exitCode, 0);
      writeFileSync(work, "echo edited by the person\n");
      await new Promise((r) => setTimeout(r, 1_100));
      assert.equal((await sh(sandbox, w.base, "true")).exitCode, 0, "the person's own edit is not a finding");
      await new Promise((r) => setTimeout(r, 1_100));
      await assert.rejects(sh(sandbox, w.candidate, `chmod 777 ${work}`), (error: unknown) => {
        assert.ok(error instanceof PerfloopError && error.code === "repository_changed", String(error));
        assert.match(error.message, /put back the permissions of work\.sh/);
        return true;
      });
      assert.equal(statSync(work).mode & 0o777, 0o644);
    } finally {
      await sandbox.close();
    }
  });

  test("a side tree replaced by a new directory gets a new spawner whose rules name it", async () => {
    const w = layout("replaced");
    const sandbox = sandboxOf(w);
    try {
      assert.equal((await sh(sandbox, w.base, "echo one > a.txt")).exitCode, 0);
      rmSync(w.base, { recursive: true });
      mkdirSync(w.base);
      const again = await sh(sandbox, w.base, "echo two > a.txt");
      assert.equal(again.exitCode, 0, again.stderr);
      assert.equal(readFileSync(join(w.base, "a.txt"), "utf8"), "two\n");
    } finally {
      await sandbox.close();
    }
  });
});

describe("the sandbox on any machine", () => {
  test("processes a command leaves running are ended when it ends, daemons included, and counted", { skip: linux ? false : "needs Linux /proc" }, async () => {
    const w = layout("leftovers");
    const sandbox = sandboxOf(w);
    try {
      const result = await sh(sandbox, w.base, "(setsid sleep 1234.71 &); sleep 1234.72 & echo started");
      assert.equal(result.exitCode, 0, result.stderr);
      assert.ok((result.leftoverProcesses ?? 0) >= 2, `leftovers: ${result.leftoverProcesses}`);
      assert.deepEqual(alive("1234.71"), []);
      assert.deepEqual(alive("1234.72"), []);
    } finally {
      await sandbox.close();
    }
  });

  test("closing the sandbox ends a command still running", { skip: linux ? false : "needs Linux /proc" }, async () => {
    const w = layout("closing");
    const sandbox = sandboxOf(w);
    const running = sh(sandbox, w.base, "sleep 1234.73");
    for (let i = 0; i < 200 && alive("1234.73").length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(alive("1234.73").length >= 1);
    await sandbox.close();
    await running.catch(() => null);
    for (let i = 0; i < 100 && alive("1234.73").length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(alive("1234.73"), []);
  });

  test("a command outside every side tree is refused", async () => {
    const w = layout("outside-cwd");
    const sandbox = sandboxOf(w);
    try {
      await assert.rejects(sh(sandbox, w.outside, "true"), (error: unknown) => error instanceof PerfloopError && error.code === "unconfined_command");
    } finally {
      await sandbox.close();
    }
  });

  test("detection (PERFLOOP_CONFINE=detect): a change to the repository stops the run, naming the path; the person is told once", async () => {
    const w = layout("detect");
    const detecting: Platform = Object.create(platform, { env: { value: { ...platform.env, PERFLOOP_CONFINE: "detect" } } });
    const notices: string[] = [];
    const sandbox = sandboxOf(w, detecting, notices);
    try {
      assert.equal((await sh(sandbox, w.base, "echo fine > ok.txt")).exitCode, 0);
      assert.equal((await sandbox.mode()).mode, "detect");
      await assert.rejects(sh(sandbox, w.candidate, `echo x >> ${w.repo}/work.sh`), (error: unknown) => {
        assert.ok(error instanceof PerfloopError && error.code === "repository_changed", String(error));
        assert.match(error.message, /work\.sh/);
        return true;
      });
      await assert.rejects(sh(sandbox, w.candidate, `git -C ${w.repo} tag sneaky`), /refs\/tags\/sneaky/);
      assert.equal(notices.length, 1);
      assert.match(notices[0]!, /not confined here .*PERFLOOP_CONFINE=detect/);
    } finally {
      await sandbox.close();
    }
  });
});
