/**
 * The resident spawner: a small perfloop process (`perfloop __spawner <config>`) that confines
 * itself once (Landlock, landlock.ts), marks itself the subreaper of its descendants
 * (leftovers.ts), and then runs the commands perfloop sends it, one at a time, with the same
 * runner and measurements as any spawn (spawn-runner.ts). Everything it starts inherits the
 * confinement; it cannot be lifted from inside.
 *
 * Why a resident process and not a launcher per command: Landlock binds the calling thread and its
 * future children, so perfloop cannot confine itself (it must write its own state), and a launcher
 * started for every measured run would add its start-up (tens of ms) to every measurement. The
 * spawner starts once per side tree and measures inside itself, so a measured run costs what it
 * did; it is started with the quiet runtime settings (quiet-runtime.ts) so that none of its
 * threads competes with the command.
 *
 * It never dies of SIGINT, SIGTERM or SIGHUP: it forwards them to the running command (perfloop
 * decides what a signal means). When its input ends (perfloop exited, even by SIGKILL) or on
 * `{close}`, it ends every process it started, and their orphans, and exits.
 */
import process from "node:process";
import * as v from "valibot";
import { becomeSubreaper, endOrphans } from "./leftovers.ts";
import { restrictWrites, type Confinement } from "./landlock.ts";
import type { Libc } from "./libc.ts";
import { killAllGroups, signalAllGroups } from "./live-children.ts";
import { JsonLines, SpawnerConfigSchema, ToSpawnerSchema, type FromSpawner, type WireRequest } from "./spawner-protocol.ts";
import type { SpawnRequest, SpawnResult } from "./spawn-types.ts";

export interface SpawnerServerDeps {
  /** The arguments after `__spawner`: the config as JSON. */
  readonly args: readonly string[];
  /** The runtime's own spawn (bun or deno). */
  spawn(request: SpawnRequest): Promise<SpawnResult>;
  /** The C library through FFI, or null where there is none (then nothing is confined). */
  readonly libc: Libc | null;
  writeStdout(text: string): void;
  writeStderr(text: string): void;
  /** Work that needs to write outside the confinement, done before it (the peak-memory launcher, peak-launcher.ts). */
  beforeConfinement?(): void;
}

const HANDLED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** Serves until its input ends; resolves with the exit code. */
export function serveSpawner(deps: SpawnerServerDeps): Promise<number> {
  let config;
  try {
    config = v.parse(SpawnerConfigSchema, JSON.parse(deps.args[0] ?? ""));
  } catch (error) {
    deps.writeStderr(`perfloop __spawner: bad configuration: ${(error as Error).message}\n`);
    return Promise.resolve(2);
  }
  const { libc } = deps;
  deps.beforeConfinement?.();
  const confinement: Confinement = !config.confine
    ? { confined: false, reason: "confinement is switched off (PERFLOOP_CONFINE=off)" }
    : libc
      ? restrictWrites(libc, config)
      : { confined: false, reason: "there is no C library to call through this runtime's FFI (Landlock needs Linux)" };
  const subreaper = libc ? becomeSubreaper(libc) : false;
  // Survive the signals perfloop's own terminal or parent sends: the runner forwards them to the command.
  const ignore = () => {};
  for (const name of HANDLED_SIGNALS) process.on(name, ignore);

  const send = (message: FromSpawner) => deps.writeStdout(`${JSON.stringify(message)}\n`);
  send({ ready: true, pid: process.pid, confinement, subreaper });

  const queue: { id: number; request: WireRequest }[] = [];
  let busy = false;
  let closing = false;
  return new Promise<number>((resolve) => {
    const shutdown = () => {
      if (closing) return;
      closing = true;
      killAllGroups();
      if (libc && subreaper) endOrphans(libc, new Set());
      for (const name of HANDLED_SIGNALS) process.off(name, ignore);
      resolve(0);
    };
    const pump = async () => {
      if (busy) return;
      busy = true;
      while (queue.length > 0 && !closing) {
        const { id, request } = queue.shift()!;
        try {
          const result = await deps.spawn(toSpawnRequest(request, (stream, text) => send({ id, line: { stream, text } })));
          const orphans = libc && subreaper ? endOrphans(libc, new Set()) : 0;
          const leftoverProcesses = result.leftoverProcesses === null ? (orphans > 0 ? orphans : null) : result.leftoverProcesses + orphans;
          send({ id, result: { ...result, leftoverProcesses } });
        } catch (error) {
          send({ id, error: error instanceof Error ? error.message : String(error) });
        }
      }
      busy = false;
    };
    const lines = new JsonLines((line) => {
      let message;
      try {
        message = v.parse(ToSpawnerSchema, JSON.parse(line));
      } catch (error) {
        deps.writeStderr(`perfloop __spawner: bad message: ${(error as Error).message}\n`);
        return;
      }
      if ("close" in message) return shutdown();
      if ("signal" in message) return signalAllGroups(message.signal);
      queue.push(message);
      void pump();
    });
    process.stdin.on("data", (chunk: Uint8Array | string) => lines.push(chunk));
    process.stdin.on("end", shutdown);
    process.stdin.on("close", shutdown);
    process.stdin.on("error", shutdown);
  });
}

function toSpawnRequest(wire: WireRequest, onLine: (stream: "stdout" | "stderr", text: string) => void): SpawnRequest {
  const common = {
    cwd: wire.cwd,
    env: wire.env,
    timeoutMs: wire.timeoutMs,
    maxOutputBytes: wire.maxOutputBytes,
    ...(wire.stdin !== undefined ? { stdin: wire.stdin } : {}),
    ...(wire.lines ? { onOutputLine: onLine } : {}),
    ...(wire.keepLines ? { keepLines: wire.keepLines } : {}),
    ...(wire.exactPeakMemory ? { exactPeakMemory: true } : {}),
  };
  return wire.shell !== undefined ? { ...common, shell: wire.shell } : { ...common, argv: wire.argv ?? [] };
}
