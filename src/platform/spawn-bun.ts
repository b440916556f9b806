/**
 * `spawn` on Bun: `Bun.spawn` with `detached: true` (setsid(): the child leads a new process group,
 * so a timeout kills its whole tree) and, after exit, `proc.resourceUsage()`. That is the
 * wait4() rusage of the child, which includes every descendant it waited for (the commands of a
 * `sh -c` pipeline) and matches `/usr/bin/time` (FACTS.md). `ops.in`/`ops.out` are
 * `ru_inblock`/`ru_oublock`, checked equal to /proc/<pid>/io `read_bytes`/`write_bytes` / 512.
 */
import type { SpawnRequest, SpawnResult } from "./spawn-types.ts";
import { type ChildUsage, type LaunchSpec, type LaunchedChild, RUSAGE_BLOCK_BYTES, runChild, UNKNOWN_USAGE } from "./spawn-runner.ts";

/** The part of the `Bun` global this file uses. */
export type BunSpawnApi = Pick<typeof Bun, "spawn">;

export function bunSpawn(bun: BunSpawnApi): (request: SpawnRequest) => Promise<SpawnResult> {
  return (request) => runChild(request, (spec) => launchBun(bun, spec));
}

function launchBun(bun: BunSpawnApi, spec: LaunchSpec): LaunchedChild {
  const proc = bun.spawn({
    cmd: [...spec.command],
    cwd: spec.cwd,
    env: spec.env,
    stdin: spec.stdin === undefined ? "ignore" : new TextEncoder().encode(spec.stdin),
    stdout: "pipe",
    stderr: "pipe",
    detached: true,
  });
  const exited = proc.exited.then(() => ({
    at: performance.now(),
    exitCode: proc.signalCode === null ? proc.exitCode : null,
    signal: proc.signalCode === null ? null : String(proc.signalCode),
  }));
  return { pid: proc.pid, stdout: proc.stdout, stderr: proc.stderr, exited, usage: () => usageOf(proc.resourceUsage()) };
}

function usageOf(usage: ReturnType<Bun.Subprocess["resourceUsage"]>): ChildUsage {
  if (!usage) return UNKNOWN_USAGE;
  return {
    cpuUserMs: Number(usage.cpuTime.user) / 1000,
    cpuSystemMs: Number(usage.cpuTime.system) / 1000,
    maxRssBytes: usage.maxRSS,
    ioReadBytes: usage.ops.in * RUSAGE_BLOCK_BYTES,
    ioWriteBytes: usage.ops.out * RUSAGE_BLOCK_BYTES,
  };
}
