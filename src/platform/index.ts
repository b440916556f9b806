import process from "node:process";
import { bunPlatform } from "./bun.ts";
import { commonPlatform } from "./common.ts";
import { denoPlatform } from "./deno.ts";
import type { Platform } from "./types.ts";

export type { Platform, RuntimeName } from "./types.ts";

/** Picks the implementation for the runtime that is executing us (the global is passed in for tests). */
export function detectPlatform(g: Record<string, unknown> = globalThis as Record<string, unknown>): Platform {
  if (g.Bun) return bunPlatform(g.Bun as { version: string });
  if (g.Deno) return denoPlatform(g.Deno as Parameters<typeof denoPlatform>[0]);
  return commonPlatform("node", process.versions.node, false, () => [process.execPath, process.argv[1] ?? ""]);
}
