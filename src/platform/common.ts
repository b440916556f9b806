import { writeSync } from "node:fs";
import process from "node:process";
import { personEnvironment } from "./quiet-runtime.ts";
import { spawnerMethods, type SpawnerSupport } from "./spawners.ts";
import type { Platform, RuntimeName } from "./types.ts";

/**
 * Writes all of `text` to a file descriptor synchronously. Going through fs instead of
 * process.stdout keeps startup short: creating the stdout stream costs more than the rest of a
 * `--version` (bench/startup). A non-blocking pipe that is full (EAGAIN) is retried.
 */
export function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  let offset = 0;
  let spins = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
      spins = 0;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "EAGAIN" && spins++ < 10_000) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        continue;
      }
      if (code === "EPIPE") return; // the reader went away (e.g. `| head`): nothing more to say
      throw error;
    }
  }
}

/** Parts of the platform that node:process provides identically under Bun and Deno. */
export function commonPlatform(
  runtime: RuntimeName,
  runtimeVersion: string,
  compiled: boolean,
  selfCommand: () => string[],
  spawn: Platform["spawn"],
  spawners: SpawnerSupport | null,
): Platform {
  const env = personEnvironment(process.env);
  const io = { writeStdout: (text: string) => writeAll(1, text), writeStderr: (text: string) => writeAll(2, text) };
  return {
    runtime,
    runtimeVersion,
    compiled,
    // Bun's fetch takes TLS options per request (BunFetchRequestInitTLS).
    unverifiedTlsInit: runtime === "bun" ? { tls: { rejectUnauthorized: false } } : null,
    args: process.argv.slice(2),
    env,
    cwd: process.cwd(),
    pid: process.pid,
    // Read lazily: touching process.stdin/stdout creates the streams, which costs milliseconds.
    get interactive() {
      return Boolean(process.stdin.isTTY && process.stdout.isTTY);
    },
    get stdoutIsTTY() {
      return Boolean(process.stdout.isTTY);
    },
    get stderrIsTTY() {
      return Boolean(process.stderr.isTTY);
    },
    ...io,
    now: () => Date.now(),
    processAlive,
    selfCommand,
    spawn,
    ...spawnerMethods(spawners, env, spawn, io, runtime),
    onInterrupt,
  };
}

/** See Platform.onInterrupt. */
function onInterrupt(handler: (signal: string) => void): () => void {
  const signals = ["SIGINT", "SIGTERM"] as const;
  let seen = false;
  const listener = (signal: string) => {
    if (seen) {
      remove();
      process.kill(process.pid, signal);
      return;
    }
    seen = true;
    handler(signal);
  };
  const remove = () => {
    for (const signal of signals) process.off(signal, listener);
  };
  for (const signal of signals) process.on(signal, listener);
  return remove;
}

export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // EPERM: a process exists but belongs to someone else. The original runtime treats that as
    // not ours to wait for; so do we.
    return false;
  }
}
