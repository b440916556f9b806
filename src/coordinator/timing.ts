/**
 * Where a run's time goes: the person's commands (every child process perfloop starts: the target,
 * the tests, the agent) against perfloop's own work (git, statistics, files). The platform's spawn
 * is wrapped to add up the wall time of its children; what remains of the total is perfloop's own
 * overhead (bench/run-overhead measures it on the demo).
 */
import { SERVICE_TIMEOUT_MS, type Platform, type Spawner, type SpawnerConfig, type SpawnRequest, type SpawnResult } from "../platform/index.ts";

export interface Timing {
  total_ms: number;
  commands_ms: number;
  commands: number;
  own_ms: number;
  own_pct: number;
}

export interface CountingPlatform {
  platform: Platform;
  timing(): Timing;
}

export function countChildren(platform: Platform): CountingPlatform {
  const started = performance.now();
  let commandsMs = 0;
  let commands = 0;
  const count = (result: SpawnResult) => {
    commandsMs += result.wallMs;
    commands++;
    return result;
  };
  const counted: Platform = Object.create(platform, {
    spawn: { value: async (request: SpawnRequest) => count(await platform.spawn(request)) },
    // Commands in side trees run through resident spawners (src/confine/sandbox.ts): count those too.
    startSpawner: {
      value: async (config: SpawnerConfig): Promise<Spawner> => {
        const spawner = await platform.startSpawner(config);
        // A service (an endpoint's server, Platform.startService) lives across the rounds of both
        // sides at once: its lifetime is not a command's time, and is not added.
        return { ...spawner, spawn: async (request: SpawnRequest) => (request.timeoutMs >= SERVICE_TIMEOUT_MS ? await spawner.spawn(request) : count(await spawner.spawn(request))), interrupt: (signal) => spawner.interrupt(signal), close: () => spawner.close() };
      },
    },
  });
  return {
    platform: counted,
    timing: () => {
      const total = performance.now() - started;
      const own = Math.max(0, total - commandsMs);
      return { total_ms: total, commands_ms: commandsMs, commands, own_ms: own, own_pct: total > 0 ? (own / total) * 100 : 0 };
    },
  };
}
