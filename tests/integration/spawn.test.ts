// Platform.spawn against real processes, under Bun (`bun test`) and Deno (`deno test -A --no-check`).
// Assertions are loose about speed (a loaded machine must not fail them) but each one can fail:
// a missing measurement, a timeout that does not kill, an unbounded capture.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, test } from "node:test";
import { detectPlatform, type SpawnRequest, type SpawnResult } from "../../src/platform/index.ts";
import { SPAWNER_RSS_MARGIN_BYTES, withoutSpawnerMemory } from "../../src/platform/spawn-runner.ts";

const platform = detectPlatform();
const runtime = platform.runtime;
const scratch = mkdtempSync(join(tmpdir(), "perfloop-spawn-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const MB = 1024 * 1024;
/** Generous: no test command needs more than a second or two on a slow machine. */
const TIMEOUT_MS = 30_000;
/** A timed-out child must be gone long before its own 30 s end. */
const PROMPTLY_MS = 10_000;

type Command = { argv: string[] } | { shell: string };
function run(command: Command, options: Partial<Omit<SpawnRequest, "argv" | "shell">> = {}): Promise<SpawnResult> {
  return platform.spawn({
    ...command,
    cwd: scratch,
    env: platform.env,
    timeoutMs: TIMEOUT_MS,
    maxOutputBytes: MB,
    ...options,
  } as SpawnRequest);
}

/** Linux: the process exists and is not a zombie (an orphan may wait a moment to be reaped). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

test("runs under Bun or Deno, with the matching implementation", () => {
  assert.ok(runtime === "bun" || runtime === "deno", `unexpected runtime ${runtime}`);
  const expected = process.env.PERFLOOP_EXPECT_RUNTIME;
  if (expected) assert.equal(runtime, expected);
});

test("exit codes and signals come back as they are", async () => {
  assert.equal((await run({ argv: ["true"] })).exitCode, 0);
  assert.equal((await run({ argv: ["false"] })).exitCode, 1);
  const three = await run({ argv: ["/bin/sh", "-c", "exit 3"] });
  assert.equal(three.exitCode, 3);
  assert.equal(three.signal, null);
  assert.equal(three.spawnError, null);
  assert.equal(three.timedOut, false);
  const killed = await run({ shell: "kill -KILL $$" });
  assert.equal(killed.exitCode, null);
  assert.equal(killed.signal, "SIGKILL");
});

test("a command line runs through /bin/sh exactly as given: pipes and quotes", async () => {
  const result = await run({ shell: `printf '%s\\n' "a b" 'c"d' "e'f" | tr a-z A-Z | sort -r` });
  assert.equal(result.exitCode, 0);
  assert.equal(result.stdout, `E'F\nC"D\nA B\n`);
  assert.equal(result.stderr, "");
});

test("argv is passed without a shell: metacharacters stay literal", async () => {
  const result = await run({ argv: ["printf", "%s|%s\n", "$HOME", "a; echo no"] });
  assert.equal(result.stdout, "$HOME|a; echo no\n");
});

test("cwd is honoured", async () => {
  const inner = join(scratch, "inner dir");
  mkdirSync(inner);
  const result = await run({ argv: ["pwd"] }, { cwd: inner });
  assert.equal(result.stdout.trim(), realpathSync(inner));
  const viaShell = await run({ shell: "ls" }, { cwd: "/" });
  assert.match(viaShell.stdout, /^proc$/m);
});

test("env is the child's whole environment: nothing else is inherited", async () => {
  const result = await run(
    { shell: 'echo "$PERFLOOP_TEST_VALUE|${HOME-unset}"' },
    { env: { PATH: platform.env.PATH, PERFLOOP_TEST_VALUE: "it's here", IGNORED: undefined } },
  );
  assert.equal(result.stdout, "it's here|unset\n");
});

test("a command that cannot start is a spawnError, not a throw", async () => {
  const missing = await run({ argv: ["perfloop-no-such-command-xyz", "arg"] });
  assert.equal(missing.exitCode, null);
  assert.match(missing.spawnError ?? "", /perfloop-no-such-command-xyz/);
  assert.equal(missing.cpuUserMs, null);

  const noCwd = await run({ argv: ["true"] }, { cwd: join(scratch, "does-not-exist") });
  assert.match(noCwd.spawnError ?? "", /working directory does not exist: .*does-not-exist/);
  assert.equal(noCwd.exitCode, null);

  const empty = await run({ argv: [] });
  assert.match(empty.spawnError ?? "", /empty command/);

  // Through the shell, "not found" is the shell's own answer: exit 127.
  const viaShell = await run({ shell: "perfloop-no-such-command-xyz" });
  assert.equal(viaShell.spawnError, null);
  assert.equal(viaShell.exitCode, 127);
  assert.match(viaShell.stderr, /not found/);
});

test("invalid limits are a caller bug and throw", async () => {
  await assert.rejects(run({ argv: ["true"] }, { timeoutMs: 0 }), RangeError);
  await assert.rejects(run({ argv: ["true"] }, { maxOutputBytes: -1 }), RangeError);
});

test("a timeout ends `sleep 30` promptly and says so", async () => {
  const result = await run({ argv: ["sleep", "30"] }, { timeoutMs: 200 });
  assert.equal(result.timedOut, true);
  assert.equal(result.exitCode, null);
  assert.equal(result.signal, "SIGTERM");
  assert.ok(result.wallMs >= 190 && result.wallMs < PROMPTLY_MS, `wall ${result.wallMs} ms`);
});

test("a timeout kills the whole process group, grandchildren of sh included", async () => {
  const pidFile = join(scratch, "grandchild.pid");
  const started = performance.now();
  const result = await run({ shell: `sleep 30 & echo $! > '${pidFile}'; sleep 30; wait` }, { timeoutMs: 300 });
  assert.equal(result.timedOut, true);
  assert.ok(performance.now() - started < PROMPTLY_MS);
  const grandchild = Number(readFileSync(pidFile, "utf8"));
  assert.ok(grandchild > 0);
  for (let i = 0; i < 50 && running(grandchild); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(running(grandchild), false, `background sleep ${grandchild} survived the timeout`);
});

test("a group that ignores SIGTERM gets SIGKILL after the grace period", async () => {
  const result = await run({ shell: "trap '' TERM; sleep 30" }, { timeoutMs: 200 });
  assert.equal(result.timedOut, true);
  assert.equal(result.signal, "SIGKILL");
  assert.ok(result.wallMs < PROMPTLY_MS, `wall ${result.wallMs} ms`);
});

test("a background process holding the output pipe does not hold up the result", async () => {
  const pidFile = join(scratch, "straggler.pid");
  const started = performance.now();
  const result = await run({ shell: `sleep 30 & echo $! > '${pidFile}'; echo started` });
  assert.equal(result.exitCode, 0);
  assert.equal(result.timedOut, false);
  assert.equal(result.stdout, "started\n");
  assert.ok(performance.now() - started < PROMPTLY_MS);
  const straggler = Number(readFileSync(pidFile, "utf8"));
  for (let i = 0; i < 50 && running(straggler); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(running(straggler), false);
});

test("output capture is bounded: 5 MB in, the last 64 KB kept and marked truncated", async () => {
  const cap = 64 * 1024;
  const result = await run(
    { shell: "head -c 5000000 /dev/zero | tr '\\0' x; echo; echo END; echo small >&2" },
    { maxOutputBytes: cap },
  );
  assert.equal(result.exitCode, 0);
  assert.equal(result.stdoutTruncated, true);
  assert.equal(new TextEncoder().encode(result.stdout).length, cap);
  assert.ok(result.stdout.endsWith("xxx\nEND\n"));
  assert.equal(result.stderr, "small\n");
  assert.equal(result.stderrTruncated, false);
});

test("a tail cut inside a UTF-8 character drops the fragment", async () => {
  // 1000 x "é" (2 bytes each); 101 bytes leave half a character at the start.
  const result = await run({ shell: "for i in $(seq 1 1000); do printf '\\303\\251'; done" }, { maxOutputBytes: 101 });
  assert.equal(result.stdout, "é".repeat(50));
  assert.equal(result.stdoutTruncated, true);
});

test("onOutputLine sees every line of both streams, even past the capture limit", async () => {
  const lines: Record<string, string[]> = { stdout: [], stderr: [] };
  const result = await run(
    { shell: "seq 1 100000; echo oops >&2; printf 'no newline\\r\\n'; printf last" },
    { maxOutputBytes: 1024, onOutputLine: (stream, line) => lines[stream]!.push(line) },
  );
  assert.equal(result.stdoutTruncated, true);
  assert.equal(lines.stdout!.length, 100002);
  assert.equal(lines.stdout![0], "1");
  assert.equal(lines.stdout![99999], "100000");
  assert.deepEqual(lines.stdout!.slice(-2), ["no newline", "last"]);
  assert.deepEqual(lines.stderr, ["oops"]);
});

test("an onOutputLine that throws rejects the spawn after the child ended", async () => {
  await assert.rejects(
    run({ shell: "echo one; echo two" }, { onOutputLine: () => { throw new Error("callback broke"); } }),
    /callback broke/,
  );
});

test("stdin text is delivered; without it stdin is empty, never the terminal", async () => {
  const fed = await run({ argv: ["cat"] }, { stdin: "hello\nwörld\n" });
  assert.equal(fed.stdout, "hello\nwörld\n");
  const none = await run({ argv: ["cat"] }, { timeoutMs: 5_000 });
  assert.equal(none.timedOut, false);
  assert.equal(none.stdout, "");
  // A child that does not read its stdin is fine too.
  const ignored = await run({ argv: ["true"] }, { stdin: "x".repeat(MB) });
  assert.equal(ignored.exitCode, 0);
});

// About 200 ms of CPU in a shell two levels down (sh -> sh | cat): CPU of reaped grandchildren counts.
const BUSY_LOOP = `sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done' | cat`;

test("CPU time of a busy loop in a grandchild is measured and fits inside the wall time", async () => {
  const result = await run({ shell: BUSY_LOOP });
  assert.equal(result.exitCode, 0);
  assert.ok(result.cpuUserMs !== null && result.cpuSystemMs !== null, `${runtime} must report CPU`);
  const cpu = result.cpuUserMs + result.cpuSystemMs;
  assert.ok(cpu >= 20, `cpu ${cpu} ms is too small for the loop`);
  // One single-threaded loop: CPU cannot exceed wall (small slack for clock granularity) and, on a
  // loaded machine, still gets a real share of it.
  assert.ok(cpu <= result.wallMs * 1.1 + 10, `cpu ${cpu} ms > wall ${result.wallMs} ms`);
  assert.ok(cpu >= result.wallMs * 0.1, `cpu ${cpu} ms is far below wall ${result.wallMs} ms`);
});

test("a trivial command reports near-zero CPU, not perfloop's own", async () => {
  const result = await run({ argv: ["true"] });
  assert.ok(result.cpuUserMs !== null && result.cpuSystemMs !== null);
  assert.ok(result.cpuUserMs + result.cpuSystemMs < 50, `cpu ${result.cpuUserMs + result.cpuSystemMs} ms`);
  assert.ok(result.wallMs > 0 && result.wallMs < PROMPTLY_MS);
});

const ALLOCATE_100_MB = ["python3", "-c", "b = bytearray(100 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"];

/** Peak RSS of the 100 MB child as reported by a fresh runtime, whose first child it is. */
async function peakRssInFreshRuntime(): Promise<number | null> {
  const platformUrl = new URL("../../src/platform/index.ts", import.meta.url).href;
  const script = `
    const { detectPlatform } = await import(${JSON.stringify(platformUrl)});
    const p = detectPlatform();
    const r = await p.spawn({ argv: ${JSON.stringify(ALLOCATE_100_MB)}, cwd: ${JSON.stringify(scratch)},
      env: p.env, timeoutMs: 30000, maxOutputBytes: 4096 });
    console.log(JSON.stringify(r));`;
  const evalFlag = runtime === "deno" ? "eval" : "-e";
  // Forked from this (large) test process, the fresh runtime would start with this process's RSS
  // high-water mark as its own (spawn-runner.ts) and read its child as no bigger than itself:
  // under Bun it starts through the small peak-memory launcher instead.
  const outer = await run({ argv: [process.execPath, evalFlag, script] }, { exactPeakMemory: runtime === "bun" });
  assert.equal(outer.exitCode, 0, outer.stderr);
  const inner = JSON.parse(outer.stdout) as SpawnResult;
  assert.equal(inner.exitCode, 0, inner.stderr);
  return inner.maxRssBytes;
}

test("peak RSS of a child that allocates 100 MB is above 80 MB", async () => {
  // Under Deno a child's peak is known only when it beats every earlier child's (spawn-deno.ts), and
  // other test files may have run big children in this process; under Bun one that is not above
  // this process's own peak RSS is unknown, and a long test run can grow past 100 MB: measure from
  // a fresh runtime, whose first child it is.
  const peak = await peakRssInFreshRuntime();
  assert.ok(peak !== null && peak > 80 * MB && peak < 1024 * MB, `peak RSS ${peak}`);
});

test("RSS limit by runtime: after a bigger child, Deno reports null, Bun the child's own peak", async () => {
  await run({ argv: ALLOCATE_100_MB });
  const small = await run({ argv: ["python3", "-c", "b = bytearray(30 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"] });
  // A child's maxrss is never below its spawner's RSS high-water mark (spawn-runner.ts): a child
  // that stays below this test process's own footprint is unknown, never the footprint itself.
  const ownPeak = process.resourceUsage().maxRSS * 1024;
  if (runtime === "deno" || ownPeak + SPAWNER_RSS_MARGIN_BYTES >= 25 * MB) assert.equal(small.maxRssBytes, null, `${small.maxRssBytes}`);
  else assert.ok(small.maxRssBytes !== null && small.maxRssBytes > 25 * MB && small.maxRssBytes < 80 * MB, `${small.maxRssBytes}`);
});

test("a child below the spawner's own footprint reports unknown memory, not the footprint", async () => {
  const ownPeak = process.resourceUsage().maxRSS * 1024;
  const tiny = await run({ argv: ["true"] });
  assert.ok(ownPeak > 10 * MB, `this test process holds ${ownPeak} bytes`);
  assert.equal(tiny.maxRssBytes, null, `true reported ${tiny.maxRssBytes} bytes; this process peaks at ${ownPeak}`);
  assert.deepEqual(withoutSpawnerMemory({ cpuUserMs: 1, cpuSystemMs: 1, maxRssBytes: 300 * MB, ioReadBytes: 0, ioWriteBytes: 0 }, 50 * MB).maxRssBytes, 300 * MB);
  assert.equal(withoutSpawnerMemory({ cpuUserMs: 1, cpuSystemMs: 1, maxRssBytes: 51 * MB, ioReadBytes: 0, ioWriteBytes: 0 }, 50 * MB).maxRssBytes, null);
});

test("concurrent children: Bun measures each; Deno reports null rather than mixed totals", async () => {
  const [a, b] = await Promise.all([run({ shell: BUSY_LOOP }), run({ shell: BUSY_LOOP })]);
  for (const result of [a!, b!]) {
    assert.equal(result.exitCode, 0);
    if (runtime === "deno") assert.equal(result.cpuUserMs, null);
    else assert.ok(result.cpuUserMs !== null && result.cpuUserMs >= 10);
  }
});

test("storage writes are counted (skipped where the scratch directory is tmpfs)", async (t) => {
  const fsType = (await run({ argv: ["stat", "-f", "-c", "%T", scratch] })).stdout.trim();
  if (fsType === "tmpfs" || fsType === "ramfs") {
    t.skip(`scratch directory is on ${fsType}`);
    return;
  }
  const result = await run({ argv: ["dd", "if=/dev/zero", "of=written.bin", "bs=1M", "count=8", "conv=fsync"] });
  assert.equal(result.exitCode, 0, result.stderr);
  assert.ok(result.ioWriteBytes !== null && result.ioWriteBytes >= 8 * MB, `wrote ${result.ioWriteBytes} bytes`);
  assert.ok(result.ioReadBytes !== null && result.ioReadBytes >= 0);
});
