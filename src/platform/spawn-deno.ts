/**
 * `spawn` on Deno: `Deno.Command` with `detached: true` (setsid(): the child leads a new process
 * group). Deno reports no resource usage of a child, so this file uses ONE fallback from FACTS.md:
 * getrusage(RUSAGE_CHILDREN) through FFI, read before the spawn and after the child is reaped.
 *
 * Why that one:
 * - CPU time is exact (microseconds) and, like Bun's, includes what a `sh -c` child waited for;
 *   storage I/O (`ru_inblock`/`ru_oublock`) comes with it. It needs only libc and `-A`/`--allow-ffi`,
 *   and leaves the spawn itself (exit codes, signals, "not found" errors) to Deno.
 * - Wrapping with `/usr/bin/time -f` needs GNU time, which minimal systems and macOS lack, prints
 *   CPU only to 10 ms, and replaces the child's own spawn errors and signals with its own.
 * - Polling /proc/<pid>/status (VmHWM) and /proc/<pid>/stat misses the grandchildren of `sh -c`,
 *   processes shorter than the polling interval, and the CPU of the last interval.
 *
 * Limits (the measurement is `null`, never wrong):
 * - `maxRssBytes` is known only when this child set a new high-water mark for perfloop's children
 *   (RUSAGE_CHILDREN keeps the maximum, not a sum): a run that peaks below an earlier child's peak
 *   reports `null`.
 * - If another child spawned through this Platform ran at the same time, CPU, I/O and RSS are all
 *   `null`, since the totals then mix both. Children started outside `Platform.spawn` (e.g. by
 *   node:child_process) are not seen and would be counted in: do not start any.
 * - Without FFI (no `--allow-ffi`, or an OS other than Linux or macOS), every measurement is `null`.
 */
import { type ChildrenRusage, type DenoFfiApi, openChildrenRusage } from "./children-rusage.ts";
import type { SpawnRequest, SpawnResult } from "./spawn-types.ts";
import {
  type ChildExit,
  type ChildUsage,
  type LaunchSpec,
  type LaunchedChild,
  RUSAGE_BLOCK_BYTES,
  runChild,
  UNKNOWN_USAGE,
} from "./spawn-runner.ts";

interface DenoChild {
  readonly pid: number;
  readonly stdin: WritableStream<Uint8Array>;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly status: Promise<{ code: number; signal: string | null }>;
}

/** The part of the `Deno` global this file uses. */
export interface DenoSpawnApi extends DenoFfiApi {
  Command: new (
    command: string,
    options: {
      args: string[];
      cwd: string;
      env: Record<string, string>;
      clearEnv: true;
      stdin: "piped" | "null";
      stdout: "piped";
      stderr: "piped";
      detached: true;
    },
  ) => { spawn(): DenoChild };
}

/**
 * Children of this process that are between their "before" reading and their reaping. Module state
 * because RUSAGE_CHILDREN is per process, not per Platform object. A child whose window overlapped
 * another's is marked, and reports no usage.
 */
const inFlight = new Set<{ overlapped: boolean }>();

export function denoSpawn(deno: DenoSpawnApi): (request: SpawnRequest) => Promise<SpawnResult> {
  let readTotals: (() => ChildrenRusage) | null | undefined;
  return (request) => {
    // Opened on first use, so that building the Platform (e.g. for `--version`) never loads libc.
    if (readTotals === undefined) readTotals = openChildrenRusage(deno);
    const totals = readTotals;
    return runChild(request, (spec) => launchDeno(deno, spec, totals));
  };
}

function launchDeno(deno: DenoSpawnApi, spec: LaunchSpec, readTotals: (() => ChildrenRusage) | null): LaunchedChild {
  const [executable, ...args] = spec.command;
  const window = { overlapped: inFlight.size > 0 };
  for (const other of inFlight) other.overlapped = true;
  const before = readTotals?.();
  inFlight.add(window);
  let child: DenoChild;
  try {
    child = new deno.Command(executable, {
      args,
      cwd: spec.cwd,
      env: spec.env,
      clearEnv: true,
      stdin: spec.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
  } catch (error) {
    inFlight.delete(window);
    throw error;
  }
  if (spec.stdin !== undefined) void writeAndClose(child.stdin, spec.stdin);

  let usage: ChildUsage = UNKNOWN_USAGE;
  const exited = child.status.then((status): ChildExit => {
    const at = performance.now();
    const after = readTotals?.();
    inFlight.delete(window);
    if (before && after && !window.overlapped) usage = usageBetween(before, after);
    return { at, exitCode: status.signal === null ? status.code : null, signal: status.signal };
  });
  return { pid: child.pid, stdout: child.stdout, stderr: child.stderr, exited, usage: () => usage };
}

function usageBetween(before: ChildrenRusage, after: ChildrenRusage): ChildUsage {
  return {
    cpuUserMs: Number(after.userUs - before.userUs) / 1000,
    cpuSystemMs: Number(after.systemUs - before.systemUs) / 1000,
    maxRssBytes: after.maxRssBytes > before.maxRssBytes ? after.maxRssBytes : null,
    ioReadBytes: Number(after.inBlocks - before.inBlocks) * RUSAGE_BLOCK_BYTES,
    ioWriteBytes: Number(after.outBlocks - before.outBlocks) * RUSAGE_BLOCK_BYTES,
  };
}

/** Writes the text, then closes stdin; a child that exits without reading it (EPIPE) is not an error. */
async function writeAndClose(stdin: WritableStream<Uint8Array>, text: string): Promise<void> {
  const writer = stdin.getWriter();
  try {
    await writer.write(new TextEncoder().encode(text));
    await writer.close();
  } catch {
    // The child closed its end first.
  }
}
