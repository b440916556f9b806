import process from "node:process";
import { commonPlatform } from "./common.ts";
import { QUIET_SETTINGS } from "./quiet-runtime.ts";
import { peakLauncherPath } from "./peak-launcher.ts";
import { mainModulePath } from "./spawners.ts";
import { type BunSpawnApi, bunSpawn } from "./spawn-bun.ts";
import type { Platform } from "./types.ts";

/** Bun, from source (`bun src/main.ts`) or as the compiled binary. */
export function bunPlatform(bun: { version: string } & BunSpawnApi): Platform {
  // Inside a `bun build --compile` binary the entry lives in Bun's virtual file system.
  const entry = process.argv[1] ?? "";
  const compiled = entry.startsWith("/$bunfs/") || entry.startsWith("B:\\~BUN\\");
  const selfCommand = () => (compiled ? [process.execPath] : [process.execPath, entry]);
  return commonPlatform("bun", bun.version, compiled, selfCommand, bunSpawn(bun), {
    command: () => (compiled ? [process.execPath] : [process.execPath, mainModulePath()]),
    settings: QUIET_SETTINGS,
    libc: async () => (await import("./libc-bun.ts")).openBunLibc(),
    // Confined, the spawner could no longer write the launcher to the temporary directory.
    beforeConfinement: () => void peakLauncherPath(),
  });
}
