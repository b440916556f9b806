import process from "node:process";
import { commonPlatform } from "./common.ts";
import { type DenoSpawnApi, denoSpawn } from "./spawn-deno.ts";
import type { Platform } from "./types.ts";

interface DenoGlobal extends DenoSpawnApi {
  version: { deno: string };
  execPath(): string;
  mainModule: string;
}

/** Deno, running the sources with `deno run -A src/main.ts`. */
export function denoPlatform(deno: DenoGlobal): Platform {
  const entry = new URL(deno.mainModule).pathname;
  const selfCommand = () => [deno.execPath(), "run", "-A", "--no-check", entry];
  return commonPlatform("deno", deno.version.deno, false, selfCommand, denoSpawn(deno));
}
