import process from "node:process";
import { commonPlatform } from "./common.ts";
import { type DenoLibcApi, openDenoLibc } from "./libc-deno.ts";
import { mainModulePath } from "./spawners.ts";
import { type DenoSpawnApi, denoSpawn } from "./spawn-deno.ts";
import type { Platform } from "./types.ts";

interface DenoGlobal extends DenoSpawnApi, Omit<DenoLibcApi, "dlopen" | "build"> {
  version: { deno: string };
  execPath(): string;
  mainModule: string;
}

/** Deno, running the sources with `deno run -A src/main.ts`. */
export function denoPlatform(deno: DenoGlobal): Platform {
  const entry = new URL(deno.mainModule).pathname;
  const selfCommand = () => [deno.execPath(), "run", "-A", "--no-check", entry];
  return commonPlatform("deno", deno.version.deno, false, selfCommand, denoSpawn(deno), {
    command: () => [deno.execPath(), "run", "-A", "--no-check", mainModulePath()],
    settings: {},
    libc: async () => openDenoLibc(deno as unknown as DenoLibcApi),
  });
}
