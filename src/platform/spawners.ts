/**
 * The Platform's two spawner methods (spawner-client.ts, spawner-server.ts) for a runtime: how to
 * start this perfloop again as a spawner, and how to serve as one; and a service (service.ts) in a
 * spawner of its own. A runtime without FFI (Node) gets an in-process stand-in that runs commands
 * unconfined and says why, and services started directly.
 */
import { fileURLToPath } from "node:url";
import { landlockAbi, type Confinement } from "./landlock.ts";
import type { Libc } from "./libc.ts";
import type { Service } from "./service.ts";
import type { Spawner } from "./spawner-client.ts";
import type { SpawnerConfig } from "./spawner-protocol.ts";
import type { SpawnRequest, SpawnResult } from "./spawn-types.ts";

export interface SpawnerSupport {
  /** The argument vector that starts perfloop itself (its binary, or its runtime and src/main.ts). */
  command(): string[];
  /** Environment settings for the spawner process itself (its commands get their own). */
  readonly settings: Readonly<Record<string, string>>;
  libc(): Promise<Libc | null>;
  /** SpawnerServerDeps.beforeConfinement. */
  beforeConfinement?(): void;
}

export interface SpawnerMethods {
  startSpawner(config: SpawnerConfig): Promise<Spawner>;
  serveSpawner(args: readonly string[]): Promise<number>;
  probeConfinement(): Promise<Confinement>;
  startService(request: SpawnRequest): Promise<Service>;
}

/** A spawner that confines nothing: it still ends what its command leaves running. */
const UNCONFINED: SpawnerConfig = { version: 1, dirs: [], files: [], confine: false };

/** src/main.ts, from this file's own location (not process.argv[1], which may be a test runner). */
export function mainModulePath(): string {
  return fileURLToPath(new URL("../main.ts", import.meta.url));
}

export function spawnerMethods(
  support: SpawnerSupport | null,
  env: Readonly<Record<string, string | undefined>>,
  spawn: (request: SpawnRequest) => Promise<SpawnResult>,
  io: { writeStdout(text: string): void; writeStderr(text: string): void },
  runtime: string,
): SpawnerMethods {
  if (!support) {
    const reason = `perfloop runs under ${runtime} here, which has no FFI for Landlock; run the binary or the sources under Bun or Deno`;
    return {
      startSpawner: async () => ({ pid: 0, confinement: { confined: false, reason }, subreaper: false, spawn, interrupt: () => {}, close: async () => {} }),
      serveSpawner: async () => {
        io.writeStderr(`perfloop __spawner: ${reason}\n`);
        return 2;
      },
      probeConfinement: async () => ({ confined: false, reason }),
      startService: async (request) => {
        const [{ directService }, { launchNode }] = await Promise.all([import("./service.ts"), import("./spawn-node.ts")]);
        return directService(request, launchNode);
      },
    };
  }
  // Loaded when first used: most commands start no spawner, and the protocol needs valibot.
  const startSpawner = async (config: SpawnerConfig) => (await import("./spawner-client.ts")).startSpawner(support.command(), { ...env, ...support.settings }, config);
  return {
    startSpawner,
    serveSpawner: async (args) => (await import("./spawner-server.ts")).serveSpawner({ args, spawn, libc: await support.libc(), ...io, ...(support.beforeConfinement ? { beforeConfinement: support.beforeConfinement } : {}) }),
    probeConfinement: async () => {
      const libc = await support.libc();
      if (!libc) return { confined: false, reason: "there is no C library to call through this runtime's FFI (Landlock needs Linux)" };
      const found = landlockAbi(libc);
      return "abi" in found ? { confined: true, mechanism: "landlock", abi: found.abi } : { confined: false, reason: found.reason };
    },
    // The plain platform's service is not confined; the Sandbox's is (src/confine/sandbox.ts).
    startService: async (request) => (await import("./service.ts")).serviceInSpawner(() => startSpawner(UNCONFINED), request),
  };
}
