/**
 * `spawn` for the last-resort Node fallback (neither Bun nor Deno): node:child_process with
 * `detached: true` (setsid()). Node reports no resource usage of a child, so every measurement but
 * the wall time is `null`.
 */
import { spawn as nodeSpawnProcess } from "node:child_process";
import { once } from "node:events";
import { Readable } from "node:stream";
import type { SpawnRequest, SpawnResult } from "./spawn-types.ts";
import { type ChildExit, type LaunchSpec, type LaunchedChild, runChild, UNKNOWN_USAGE } from "./spawn-runner.ts";

export function nodeSpawn(request: SpawnRequest): Promise<SpawnResult> {
  return runChild(request, launchNode);
}

/** The Launcher of nodeSpawn (also the direct start of a service, service.ts). */
export async function launchNode(spec: LaunchSpec): Promise<LaunchedChild> {
  const [executable, ...args] = spec.command;
  const child = nodeSpawnProcess(executable, args, {
    cwd: spec.cwd,
    env: spec.env,
    stdio: [spec.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    detached: true,
  });
  const exited = new Promise<ChildExit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ at: performance.now(), exitCode: signal === null ? code : null, signal }));
  });
  // Node reports a failed spawn (ENOENT...) as an "error" event after spawn() returns.
  await once(child, "spawn");
  const pid = child.pid;
  if (pid === undefined || !child.stdout || !child.stderr) throw new Error("no process id after spawn");
  if (spec.stdin !== undefined && child.stdin) {
    child.stdin.on("error", () => {}); // EPIPE: the child exited without reading it.
    child.stdin.end(spec.stdin);
  }
  return {
    pid,
    stdout: Readable.toWeb(child.stdout) as ReadableStream<Uint8Array>,
    stderr: Readable.toWeb(child.stderr) as ReadableStream<Uint8Array>,
    exited,
    usage: () => UNKNOWN_USAGE,
  };
}
