/**
 * `spawn` on Bun: `Bun.spawn` with `detached: true` (setsid(): the child leads a new process group,
 * so a timeout kills its whole tree) and, after exit, `proc.resourceUsage()`. That is the
 * wait4() rusage of the child, which includes every descendant it waited for (the commands of a
 * `sh -c` pipeline) and matches `/usr/bin/time` (FACTS.md). `ops.in`/`ops.out` are
 * `ru_inblock`/`ru_oublock`, checked equal to /proc/<pid>/io `read_bytes`/`write_bytes` / 512.
 *
 * With `exactPeakMemory` the child is the peak-memory launcher (peak-launcher.ts), which runs the
 * command and hands back through an extra pipe, its fd 3, the command's own wait status and
 * rusage; the launcher leads the process group and the command is in it.
 */
import { disablePeakLauncher, LAUNCHER_RESULT_FD, peakLauncherPath, readLauncherReport } from "./peak-launcher.ts";
import type { SpawnRequest, SpawnResult } from "./spawn-types.ts";
import { type ChildExit, type ChildUsage, type LaunchSpec, type LaunchedChild, RUSAGE_BLOCK_BYTES, runChild, UNKNOWN_USAGE } from "./spawn-runner.ts";

/** The part of the `Bun` global this file uses. */
export type BunSpawnApi = Pick<typeof Bun, "spawn">;

export function bunSpawn(bun: BunSpawnApi): (request: SpawnRequest) => Promise<SpawnResult> {
  return (request) => runChild(request, (spec) => launchBun(bun, spec));
}

function launchBun(bun: BunSpawnApi, spec: LaunchSpec): LaunchedChild {
  // The launcher execs the program as named: one without a `/` would need a PATH search.
  const launcher = spec.exactPeakMemory && spec.command[0].includes("/") ? peakLauncherPath() : null;
  if (launcher) {
    try {
      return launchThrough(bun, spec, launcher);
    } catch {
      // The launcher itself could not be executed (a noexec temporary directory): never again.
      disablePeakLauncher();
    }
  }
  const proc = bun.spawn({ ...options(spec), cmd: [...spec.command] });
  const exited = proc.exited.then(() => exitOf(proc));
  return { pid: proc.pid, stdout: proc.stdout, stderr: proc.stderr, exited, usage: () => usageOf(proc.resourceUsage()) };
}

function launchThrough(bun: BunSpawnApi, spec: LaunchSpec, launcher: string): LaunchedChild {
  const proc = bun.spawn({ ...options(spec), cmd: [launcher, ...spec.command], stdio: [stdinOf(spec), "pipe", "pipe", "pipe"] });
  const fd = proc.stdio[LAUNCHER_RESULT_FD];
  let usage: ChildUsage & { peakIsOwn?: boolean } = UNKNOWN_USAGE;
  const exited = proc.exited.then((): ChildExit => {
    const at = performance.now();
    const report = typeof fd === "number" ? readLauncherReport(fd) : null;
    if (!report) {
      usage = usageOf(proc.resourceUsage());
      return { ...exitOf(proc), at };
    }
    if (!report.started) return { at, exitCode: null, signal: null, startError: report.reason };
    usage = { ...report.usage, peakIsOwn: true };
    return { at, exitCode: report.exitCode, signal: report.signal };
  });
  return { pid: proc.pid, stdout: proc.stdout, stderr: proc.stderr, exited, usage: () => usage };
}

function options(spec: LaunchSpec) {
  return { cwd: spec.cwd, env: spec.env, stdin: stdinOf(spec), stdout: "pipe", stderr: "pipe", detached: true } as const;
}

function stdinOf(spec: LaunchSpec): "ignore" | Uint8Array {
  return spec.stdin === undefined ? "ignore" : new TextEncoder().encode(spec.stdin);
}

function exitOf(proc: Bun.Subprocess): ChildExit {
  return {
    at: performance.now(),
    exitCode: proc.signalCode === null ? proc.exitCode : null,
    signal: proc.signalCode === null ? null : String(proc.signalCode),
  };
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
