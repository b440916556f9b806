import process from "node:process";
import type { Platform, RuntimeName } from "./types.ts";

/** Parts of the platform that node:process provides identically under Bun and Deno. */
export function commonPlatform(
  runtime: RuntimeName,
  runtimeVersion: string,
  compiled: boolean,
  selfCommand: () => string[],
  spawn: Platform["spawn"],
): Platform {
  return {
    runtime,
    runtimeVersion,
    compiled,
    args: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    pid: process.pid,
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    writeStdout: (text) => void process.stdout.write(text),
    writeStderr: (text) => void process.stderr.write(text),
    now: () => Date.now(),
    processAlive,
    selfCommand,
    spawn,
  };
}

export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: a process exists but belongs to someone else. The original runtime treats that as
    // not ours to wait for; so do we.
    return false;
  }
}
