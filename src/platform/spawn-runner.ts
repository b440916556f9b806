/**
 * Runs one child to completion whatever the runtime: checks the request, enforces the timeout on
 * the child's whole process group, captures bounded output, and assembles the SpawnResult. Each
 * runtime supplies only a `Launcher` (spawn-bun.ts, spawn-deno.ts, spawn-node.ts).
 *
 * Bound on the time a call can take: timeoutMs + KILL_GRACE_MS + OUTPUT_LINGER_MS, plus the time
 * the system needs to deliver SIGKILL.
 */
import { statSync } from "node:fs";
import process from "node:process";
import { startCpuWaitProbe, UNKNOWN_CPU_WAIT } from "./cpu-wait.ts";
import { endGroup } from "./leftovers.ts";
import { reserveGroupSlot, signalGroup } from "./live-children.ts";
import { MarkedLines } from "./marked-lines.ts";
import { LineSplitter, TailCapture } from "./output-capture.ts";
import type { OutputStreamName, SpawnRequest, SpawnResult } from "./spawn-types.ts";

/** Time between SIGTERM and SIGKILL when a child outlives its timeout (hyperfine-like tools give 1-5 s). */
export const KILL_GRACE_MS = 2_000;
/**
 * After the child exits (and what was left of its process group was ended), how long its output
 * pipes may stay open, held by a process outside the group such as a daemon, before reading stops.
 */
export const OUTPUT_LINGER_MS = 250;
/** The shell that runs a person's command line, as `SHELL -c <line>`. */
export const SHELL = "/bin/sh";
/** Largest delay a JS timer accepts (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a runtime could measure of the child and its reaped descendants; `null` when it cannot. */
export interface ChildUsage {
  readonly cpuUserMs: number | null;
  readonly cpuSystemMs: number | null;
  readonly maxRssBytes: number | null;
  readonly ioReadBytes: number | null;
  readonly ioWriteBytes: number | null;
}

export const UNKNOWN_USAGE: ChildUsage = {
  cpuUserMs: null,
  cpuSystemMs: null,
  maxRssBytes: null,
  ioReadBytes: null,
  ioWriteBytes: null,
};

/**
 * A child's ru_maxrss is never below the RSS high-water mark of the process that spawned it:
 * the child starts in the spawner's memory (vfork/fork), and Linux folds the old mm's high-water
 * mark into the child's maxrss at exec (fs/exec.c, setmax_mm_hiwater_rss). So a child that peaks
 * below perfloop's own footprint reports perfloop's footprint. Such a reading says only "at most
 * this"; it is reported as unknown (null), never as the command's memory. The margin absorbs the
 * spawner's growth between this reading and the spawn. A run through the peak-memory launcher
 * (SpawnRequest.exactPeakMemory, peak-launcher.ts) has the command's own peak and skips this.
 */
export const SPAWNER_RSS_MARGIN_BYTES = 2 * 1024 * 1024;

/** perfloop's own peak RSS so far (process.resourceUsage().maxRSS is in KiB). */
function ownPeakRssBytes(): number {
  try {
    return process.resourceUsage().maxRSS * 1024;
  } catch {
    return 0;
  }
}

export function withoutSpawnerMemory(usage: ChildUsage, spawnerPeakBytes: number): ChildUsage {
  if (usage.maxRssBytes === null || usage.maxRssBytes > spawnerPeakBytes + SPAWNER_RSS_MARGIN_BYTES) return usage;
  return { ...usage, maxRssBytes: null };
}

/** getrusage counts `ru_inblock`/`ru_oublock` in 512-byte units on Linux and macOS. */
export const RUSAGE_BLOCK_BYTES = 512;

export interface LaunchSpec {
  /** Executable and arguments (already `/bin/sh -c ...` for a command line). */
  readonly command: readonly [string, ...string[]];
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly stdin: string | undefined;
  /** SpawnRequest.exactPeakMemory. */
  readonly exactPeakMemory: boolean;
}

export interface ChildExit {
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** `performance.now()` when the runtime reported the exit, before any other continuation ran. */
  readonly at: number;
  /** Set when what was started (the peak-memory launcher) could not start the command itself. */
  readonly startError?: string;
}

export interface LaunchedChild {
  readonly pid: number;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  /** Resolves once the child has been reaped. */
  readonly exited: Promise<ChildExit>;
  /**
   * Resource usage; called once, after `exited` resolved. `peakIsOwn`: the peak is the command's
   * own (peak-launcher.ts), not bounded below by the spawner's memory.
   */
  usage(): ChildUsage & { readonly peakIsOwn?: boolean };
}

/**
 * Starts `spec` in a new session (so its pid is its process-group id) with stdin from `spec.stdin`
 * or /dev/null and piped stdout/stderr. Rejects (or throws) when the child cannot be started.
 */
export type Launcher = (spec: LaunchSpec) => LaunchedChild | Promise<LaunchedChild>;

export async function runChild(request: SpawnRequest, launch: Launcher): Promise<SpawnResult> {
  checkLimits(request);
  const command = request.shell !== undefined ? [SHELL, "-c", request.shell] : [...request.argv];
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.env)) if (value !== undefined) env[name] = value;

  const [executable, ...args] = command;
  if (!executable) return failedToStart("empty command: argv has no program name", 0);
  if (!isDirectory(request.cwd)) return failedToStart(`working directory does not exist: ${request.cwd}`, 0);
  const ownPeakRssAtSpawn = ownPeakRssBytes();
  // Reads the host before the clock starts; polls the child's tree while it runs (cpu-wait.ts).
  const waitProbe = startCpuWaitProbe();
  const started = performance.now();
  const notStarted = (reason: string) => failedToStart(reason, performance.now() - started);

  const slot = reserveGroupSlot();
  let child: LaunchedChild;
  try {
    child = await launch({ command: [executable, ...args], cwd: request.cwd, env, stdin: request.stdin, exactPeakMemory: request.exactPeakMemory === true });
  } catch (error) {
    slot.release();
    waitProbe.stop();
    return notStarted(`cannot start ${executable}: ${error instanceof Error ? error.message : String(error)}`);
  }
  slot.attach(child.pid);
  waitProbe.watch(child.pid);

  let timedOut = false;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const timeoutTimer = setTimeout(() => {
    timedOut = true;
    signalGroup(child.pid, "SIGTERM");
    killTimer = setTimeout(() => signalGroup(child.pid, "SIGKILL"), KILL_GRACE_MS);
  }, request.timeoutMs);

  let callbackError: { error: unknown } | undefined;
  const marked = request.keepLines ? new MarkedLines(request.keepLines) : null;
  const lineSink = (stream: OutputStreamName) => {
    const onLine = request.onOutputLine;
    if (!onLine && !marked) return undefined;
    return new LineSplitter((line) => {
      marked?.push(stream, line);
      if (callbackError || !onLine) return;
      try {
        onLine(stream, line);
      } catch (error) {
        callbackError = { error };
      }
    });
  };
  const stdout = readStream(child.stdout, new TailCapture(request.maxOutputBytes), lineSink("stdout"));
  const stderr = readStream(child.stderr, new TailCapture(request.maxOutputBytes), lineSink("stderr"));

  try {
    const exit = await child.exited;
    const wallMs = exit.at - started;
    if (exit.startError !== undefined) {
      endGroup(child.pid);
      return failedToStart(`cannot start ${executable}: ${exit.startError}`, wallMs);
    }
    const { peakIsOwn = false, ...measured } = child.usage();
    const usage = peakIsOwn ? measured : withoutSpawnerMemory(measured, ownPeakRssAtSpawn);
    const cpuMs = usage.cpuUserMs !== null && usage.cpuSystemMs !== null ? usage.cpuUserMs + usage.cpuSystemMs : null;
    const cpuWait = waitProbe.finish(cpuMs);
    // The round ends with its first process: what is left of its group (`server &`) is ended now.
    const leftoverProcesses = endGroup(child.pid);
    const drained = Promise.all([stdout.done, stderr.done]);
    if (!(await settlesWithin(drained, OUTPUT_LINGER_MS))) {
      stdout.cancel();
      stderr.cancel();
      await drained;
    }
    if (callbackError) throw callbackError.error;
    return {
      exitCode: exit.exitCode,
      signal: exit.signal,
      timedOut,
      wallMs,
      ...usage,
      ...cpuWait,
      stdout: stdout.capture.text(),
      stderr: stderr.capture.text(),
      stdoutTruncated: stdout.capture.truncated,
      stderrTruncated: stderr.capture.truncated,
      spawnError: null,
      leftoverProcesses,
      ...(marked ? { keptLines: marked.result() } : {}),
    };
  } finally {
    clearTimeout(timeoutTimer);
    clearTimeout(killTimer);
    waitProbe.stop();
    slot.release();
  }
}

/** Bad limits are a bug in the caller, not a property of the command: they throw. */
function checkLimits(request: SpawnRequest): void {
  const { timeoutMs, maxOutputBytes } = request;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= MAX_TIMER_MS)) {
    throw new RangeError(`spawn: timeoutMs must be in (0, ${MAX_TIMER_MS}], got ${timeoutMs}`);
  }
  if (!(Number.isSafeInteger(maxOutputBytes) && maxOutputBytes >= 0)) {
    throw new RangeError(`spawn: maxOutputBytes must be a non-negative integer, got ${maxOutputBytes}`);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The result of a command that never ran (it could not start, or what would run it is gone). */
export function failedToStart(reason: string, wallMs: number): SpawnResult {
  return {
    exitCode: null,
    signal: null,
    timedOut: false,
    wallMs,
    ...UNKNOWN_USAGE,
    ...UNKNOWN_CPU_WAIT,
    stdout: "",
    stderr: "",
    stdoutTruncated: false,
    stderrTruncated: false,
    spawnError: reason,
    leftoverProcesses: 0,
  };
}

interface StreamReading {
  readonly capture: TailCapture;
  /** Resolves when the stream has ended or was cancelled; never rejects. */
  readonly done: Promise<void>;
  cancel(): void;
}

function readStream(stream: ReadableStream<Uint8Array>, capture: TailCapture, lines?: LineSplitter): StreamReading {
  const reader = stream.getReader();
  const done = (async () => {
    try {
      for (;;) {
        const { done: ended, value } = await reader.read();
        if (ended) break;
        capture.push(value);
        lines?.push(value);
      }
    } catch {
      // A cancelled or broken pipe: what was read so far is kept.
    }
    lines?.end();
  })();
  return { capture, done, cancel: () => void reader.cancel().catch(() => {}) };
}

/** True if `promise` settled within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}
