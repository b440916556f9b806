/**
 * What `Platform.spawn` takes and returns: one child process run to completion, with its exit
 * status, wall time, resource usage and a bounded capture of its output. Every runtime returns the
 * same shape; what a runtime cannot measure is `null`, never a guess.
 */

/** Which output stream a line came from. */
export type OutputStreamName = "stdout" | "stderr";

/** The command itself: an argument vector run directly, or a person's own command line. */
export type SpawnCommand =
  /** Executed directly (no shell); `argv[0]` is looked up on the PATH of `env`. */
  | { readonly argv: readonly string[]; readonly shell?: never }
  /** Run as `/bin/sh -c <shell>` exactly as given: never built by interpolation (STYLE.md). */
  | { readonly shell: string; readonly argv?: never };

export type SpawnRequest = SpawnCommand & {
  /** Working directory; a missing directory is reported as `spawnError`. */
  readonly cwd: string;
  /**
   * The child's COMPLETE environment: nothing is inherited implicitly. Pass `{ ...platform.env,
   * EXTRA: "1" }` to extend perfloop's own. Entries whose value is `undefined` are dropped.
   */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Required: no child runs unbounded. On expiry the child's whole process group gets SIGTERM, then
   * SIGKILL after `KILL_GRACE_MS` (spawn-runner.ts), and the result has `timedOut: true`.
   */
  readonly timeoutMs: number;
  /**
   * Bytes kept per stream. On overflow the LAST `maxOutputBytes` are kept (the end of a log holds
   * the error and the summary) and `stdoutTruncated`/`stderrTruncated` is set; the head is not kept
   * (`onOutputLine` sees every line when the whole stream matters, `keepLines` keeps the lines
   * that matter from anywhere in it).
   */
  readonly maxOutputBytes: number;
  /** Text written to the child's stdin, which is then closed. Without it stdin is /dev/null. */
  readonly stdin?: string;
  /**
   * Called for every complete line of output as it arrives (without the `\n`, or a trailing
   * `\r`), whether or not the capture overflows; a last line without `\n` comes at the end. A line
   * longer than `MAX_LINE_CHARS` is cut to that length. It must not throw: if it does, it is not
   * called again and `spawn` rejects with that error once the child has ended.
   */
  readonly onOutputLine?: (stream: OutputStreamName, line: string) => void;
  /**
   * Lines to keep from anywhere in the output besides the tail, for a message about a failure
   * named far above a long summary (marked-lines.ts). The result's `keptLines` holds them.
   */
  readonly keepLines?: LineMarks;
  /**
   * Measure the command's own peak memory even when it is below perfloop's: on x86_64 Linux under
   * Bun the command is started through the peak-memory launcher (peak-launcher.ts). Elsewhere, or
   * for a program named without a `/` (the launcher does not search PATH), it is spawned directly
   * and a peak that cannot be told from the spawner's is `null`. For measured runs.
   */
  readonly exactPeakMemory?: boolean;
};

/** Which lines `MarkedLines` keeps (marked-lines.ts): regular expressions as source text, so they can go to a spawner. */
export interface LineMarks {
  /**
   * A line matching a mark is kept with the `before` lines before it, the `after` lines after it
   * and the latest `scope` line of each smaller indentation, all charged to that mark's
   * `maxLines`. An earlier mark is stronger: a logged error (a later mark) cannot use up the room
   * of a failure (an earlier one).
   */
  readonly marks: readonly { readonly pattern: string; readonly maxLines: number }[];
  /** A line that opens a scope (a suite of tests); none when absent. */
  readonly scope?: string;
  readonly before: number;
  readonly after: number;
}

export interface KeptLine {
  /** Its place among the lines of both streams, in the order they were read. */
  readonly seq: number;
  readonly stream: OutputStreamName;
  /** Its place in its stream, from 0. */
  readonly index: number;
  /** The line, cut to KEPT_LINE_CHARS (marked-lines.ts). */
  readonly text: string;
}

export interface KeptLines {
  /** In the order they were read. */
  readonly lines: KeptLine[];
  /** Index of each stream's last line that is not blank (-1: none): where its captured tail ends. */
  readonly lastText: { readonly stdout: number; readonly stderr: number };
}

export interface SpawnResult {
  /** Exit status, or `null` when the child was ended by a signal or never started. */
  readonly exitCode: number | null;
  /** The signal that ended the child (e.g. "SIGKILL"), else `null`. */
  readonly signal: string | null;
  /** True when `timeoutMs` expired and perfloop killed the child. */
  readonly timedOut: boolean;
  /** Wall time from just before the spawn to the observed exit, from `performance.now()`. */
  readonly wallMs: number;
  /**
   * CPU time of the child and of every descendant it waited for (so a `sh -c` pipeline counts),
   * in milliseconds with microsecond resolution; `null` when this runtime cannot tell.
   */
  readonly cpuUserMs: number | null;
  readonly cpuSystemMs: number | null;
  /** Peak resident set size, in bytes, of the largest process in that tree; `null` if unknown. */
  readonly maxRssBytes: number | null;
  /**
   * Bytes read from / written to storage by that tree (getrusage `ru_inblock`/`ru_oublock` x 512,
   * i.e. Linux's `read_bytes`/`write_bytes`): page-cache hits, pipes and tmpfs count zero. Not the
   * bytes passed to read()/write(). `null` when unknown.
   */
  readonly ioReadBytes: number | null;
  readonly ioWriteBytes: number | null;
  /**
   * Time that tree was runnable but not running, waiting for a CPU that other work held (plus the
   * hypervisor's steal), in ms: from its own /proc/<pid>/task/<tid>/schedstat (`"schedstat"`) or
   * estimated from the host's run queue (`"loadavg"`); `null` without /proc (macOS) or CPU time.
   * See cpu-wait.ts.
   */
  readonly cpuWaitMs: number | null;
  readonly cpuWaitSource: "schedstat" | "loadavg" | null;
  /** Captured output, decoded as UTF-8 (at most `maxOutputBytes` bytes each). */
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
  /**
   * Why the child could not be started (command not found, missing cwd, empty argv), else `null`.
   * Then `exitCode` and `signal` are `null`, and the measurements are zero or `null`.
   */
  readonly spawnError: string | null;
  /**
   * Processes the command left running when its first process exited (members of its process
   * group, and under a resident spawner also orphans that left the group, such as daemons), all of
   * which were then ended; `null` when they could not be counted. See leftovers.ts.
   */
  readonly leftoverProcesses: number | null;
  /** The lines `keepLines` asked for; absent when it did not ask. */
  readonly keptLines?: KeptLines;
}
