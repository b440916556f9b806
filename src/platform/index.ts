import process from "node:process";
import { bunPlatform } from "./bun.ts";
import { commonPlatform } from "./common.ts";
import { denoPlatform } from "./deno.ts";
import { enterQuietRuntime, replaceWithQuietProcess } from "./quiet-runtime.ts";
import type { Platform } from "./types.ts";

export { SPAWNER_COMMAND } from "./spawner-name.ts";
export { failedToStart } from "./spawn-runner.ts";
export { SERVICE_TIMEOUT_MS } from "./service.ts";
export type { Confinement, KeptLines, LineMarks, OutputStreamName, Platform, RuntimeName, Service, Spawner, SpawnerConfig, SpawnRequest, SpawnResult } from "./types.ts";


/** Picks the implementation for the runtime that is executing us (the global is passed in for tests). */
export function detectPlatform(g: Record<string, unknown> = globalThis as Record<string, unknown>): Platform {
  if (g.Bun) return bunPlatform(g.Bun as Parameters<typeof bunPlatform>[0]);
  if (g.Deno) return denoPlatform(g.Deno as Parameters<typeof denoPlatform>[0]);
  // Node only: its spawn pulls in node:stream and node:events, so it is loaded when first used.
  const spawn: Platform["spawn"] = async (request) => (await import("./spawn-node.ts")).nodeSpawn(request);
  return commonPlatform("node", process.versions.node, false, () => [process.execPath, process.argv[1] ?? ""], spawn, null);
}

/**
 * For a measuring command under Bun, replaces this process with a quiet one (quiet-runtime.ts) and
 * does not return; otherwise returns at once. Call it first, before any work.
 */
export function quietForMeasuring(platform: Platform): void {
  if (platform.runtime === "bun") enterQuietRuntime(platform.selfCommand(), platform.args);
}

/**
 * Under Bun, replaces this process with the same command started quietly, whatever its arguments
 * (for a command that learns only later that it will measure a command); otherwise returns. Call it
 * before anything is written: the new process starts the command again from the beginning.
 */
export function restartQuietly(platform: Platform): void {
  if (platform.runtime === "bun") replaceWithQuietProcess(platform.selfCommand(), platform.args);
}
