/**
 * The messages between perfloop and its resident spawner (spawner-client.ts, spawner-server.ts):
 * one JSON object per line, each parsed with these schemas on arrival, as any input from outside.
 *
 *   perfloop -> spawner  argv: `__spawner <SpawnerConfig as JSON>`
 *   spawner  -> perfloop {ready, pid, confinement, subreaper}          once, before any request
 *   perfloop -> spawner  {id, request}                                 run one command (in order)
 *   spawner  -> perfloop {id, line: {stream, text}}                    an output line, when asked
 *   spawner  -> perfloop {id, result} | {id, error}                    the command's end
 *   perfloop -> spawner  {signal}                                      forward a signal to the running command
 *   perfloop -> spawner  {close: true}, or end of input                end every child and exit
 */
import * as v from "valibot";

export { SPAWNER_COMMAND } from "./spawner-name.ts";

export const SpawnerConfigSchema = v.object({
  version: v.literal(1),
  /** Write rules (landlock.ts); ignored when `confine` is false. */
  dirs: v.array(v.string()),
  files: v.array(v.string()),
  /** False: no confinement (the person switched it off); the spawner still ends leftovers. */
  confine: v.boolean(),
});
export type SpawnerConfig = v.InferOutput<typeof SpawnerConfigSchema>;

const ConfinementSchema = v.union([
  v.object({ confined: v.literal(true), mechanism: v.literal("landlock"), abi: v.number() }),
  v.object({ confined: v.literal(false), reason: v.string() }),
]);

const ReadySchema = v.object({ ready: v.literal(true), pid: v.number(), confinement: ConfinementSchema, subreaper: v.boolean() });

const SignalName = v.picklist(["SIGINT", "SIGTERM", "SIGHUP"]);

const WireRequestSchema = v.object({
  shell: v.optional(v.string()),
  argv: v.optional(v.array(v.string())),
  cwd: v.string(),
  env: v.record(v.string(), v.string()),
  timeoutMs: v.number(),
  maxOutputBytes: v.number(),
  stdin: v.optional(v.string()),
  /** Send every output line as it arrives (SpawnRequest.onOutputLine). */
  lines: v.boolean(),
  /** SpawnRequest.exactPeakMemory. */
  exactPeakMemory: v.optional(v.boolean()),
  /** SpawnRequest.keepLines: kept in the spawner, returned with the result. */
  keepLines: v.optional(
    v.object({
      marks: v.array(v.object({ pattern: v.string(), maxLines: v.number() })),
      scope: v.optional(v.string()),
      before: v.number(),
      after: v.number(),
    }),
  ),
});
export type WireRequest = v.InferOutput<typeof WireRequestSchema>;

export const ToSpawnerSchema = v.union([
  v.object({ id: v.number(), request: WireRequestSchema }),
  v.object({ signal: SignalName }),
  v.object({ close: v.literal(true) }),
]);
export type ToSpawner = v.InferOutput<typeof ToSpawnerSchema>;

const NullableNumber = v.nullable(v.number());
const Stream = v.picklist(["stdout", "stderr"]);
const ResultSchema = v.object({
  exitCode: NullableNumber,
  signal: v.nullable(v.string()),
  timedOut: v.boolean(),
  wallMs: v.number(),
  cpuUserMs: NullableNumber,
  cpuSystemMs: NullableNumber,
  maxRssBytes: NullableNumber,
  ioReadBytes: NullableNumber,
  ioWriteBytes: NullableNumber,
  cpuWaitMs: NullableNumber,
  cpuWaitSource: v.nullable(v.picklist(["schedstat", "loadavg"])),
  stdout: v.string(),
  stderr: v.string(),
  stdoutTruncated: v.boolean(),
  stderrTruncated: v.boolean(),
  spawnError: v.nullable(v.string()),
  leftoverProcesses: NullableNumber,
  keptLines: v.optional(
    v.object({
      lines: v.array(v.object({ seq: v.number(), stream: Stream, index: v.number(), text: v.string() })),
      lastText: v.object({ stdout: v.number(), stderr: v.number() }),
    }),
  ),
});

export const FromSpawnerSchema = v.union([
  ReadySchema,
  v.object({ id: v.number(), line: v.object({ stream: Stream, text: v.string() }) }),
  v.object({ id: v.number(), result: ResultSchema }),
  v.object({ id: v.number(), error: v.string() }),
]);
export type FromSpawner = v.InferOutput<typeof FromSpawnerSchema>;

/** Splits a byte stream into lines (without the newline), across chunk boundaries. */
export class JsonLines {
  private pending = "";
  private readonly decoder = new TextDecoder();

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Uint8Array | string): void {
    this.pending += typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    let at = this.pending.indexOf("\n");
    while (at >= 0) {
      const line = this.pending.slice(0, at);
      this.pending = this.pending.slice(at + 1);
      if (line.trim()) this.onLine(line);
      at = this.pending.indexOf("\n");
    }
  }
}
