/**
 * A long-running child (an endpoint target's server, src/execute/endpoint-runner.ts) that runs
 * until it is stopped, instead of one that runs to completion (Platform.spawn).
 *
 * Each service gets a resident spawner of its own (spawner-server.ts) whose single command it is.
 * Stopping the service asks the command to end (SIGTERM), then closes that spawner, which ends
 * the command's whole process group and, as a subreaper, every orphan that left it (leftovers.ts). Because a spawner also does that when its
 * input ends, a perfloop that dies (even by SIGKILL) takes its services with it. A spawner runs
 * one command at a time, hence one spawner per service: the side tree's own spawner stays free
 * for the commands measured meanwhile.
 *
 * Where no spawner can be started (the Node fallback) the command is started directly in a
 * session of its own and stopping kills its process group; a SIGKILL of perfloop then leaves it
 * running.
 */
import { failedToStart, runChild, type Launcher } from "./spawn-runner.ts";
import type { Spawner } from "./spawner-client.ts";
import { signalGroup } from "./live-children.ts";
import type { SpawnRequest, SpawnResult } from "./spawn-types.ts";

/**
 * The longest a service may run: the largest timer a JS runtime accepts (2^31 - 1 ms, about 24.8
 * days). A service's request takes it as its `timeoutMs`; it is stopped long before.
 */
export const SERVICE_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * How long a stopped service gets to end on SIGTERM (flush, close its sockets, print its last
 * words) before its spawner ends it and everything it left with SIGKILL.
 */
export const STOP_GRACE_MS = 1_000;

/** A running service. */
export interface Service {
  /**
   * Resolves once the command has ended: on its own or stopped, with its exit status or signal
   * and its output tails (`signal: "SIGKILL"` and no output when its spawner had to be killed
   * first), or because what ran it died (`spawnError` says so). Never rejects.
   */
  readonly exited: Promise<SpawnResult>;
  /**
   * Ends the command: SIGTERM to its process group, and after STOP_GRACE_MS (or at once when it has
   * ended) SIGKILL to what is left of it and every process it left. `exited` has resolved when it
   * returns. Idempotent.
   */
  stop(): Promise<void>;
}

/** The result of a service that perfloop stopped. */
function stoppedResult(): SpawnResult {
  return { ...failedToStart("", 0), spawnError: null, signal: "SIGKILL" };
}

/**
 * Runs `request` as the single command of a spawner that `start` starts for it. Rejects when the
 * spawner cannot start (a spawner_failed PerfloopError); a command that cannot start is `exited`'s
 * `spawnError`.
 */
export async function serviceInSpawner(start: () => Promise<Spawner>, request: SpawnRequest): Promise<Service> {
  const spawner = await start();
  let stopping = false;
  const exited = spawner.spawn(request).catch((error: unknown): SpawnResult => {
    if (stopping) return stoppedResult();
    const reason = error instanceof Error ? error.message : String(error);
    return failedToStart(`the spawner that ran it ended: ${reason}`, 0);
  });
  let stopped: Promise<void> | null = null;
  return {
    exited,
    stop: () => {
      stopped ??= (async () => {
        stopping = true;
        spawner.interrupt("SIGTERM");
        await settleWithin(exited, STOP_GRACE_MS);
        await spawner.close();
        await exited;
      })();
      return stopped;
    },
  };
}

/**
 * Runs `request` directly with `launch` (the Node fallback: no spawner). Stopping sends its process
 * group SIGTERM, then SIGKILL after STOP_GRACE_MS.
 */
export async function directService(request: SpawnRequest, launch: Launcher): Promise<Service> {
  let pid: number | null = null;
  let started: () => void = () => {};
  const launched = new Promise<void>((resolve) => {
    started = resolve;
  });
  const exited = runChild(request, async (spec) => {
    const child = await launch(spec);
    pid = child.pid;
    started();
    return child;
  });
  // Bad limits reject here; a command that cannot start settles `exited` without a launch.
  await Promise.race([launched, exited]);
  let stopped: Promise<void> | null = null;
  return {
    exited,
    stop: () => {
      stopped ??= (async () => {
        if (pid !== null) {
          const group = pid;
          signalGroup(group, "SIGTERM");
          const kill = setTimeout(() => signalGroup(group, "SIGKILL"), STOP_GRACE_MS);
          await exited;
          clearTimeout(kill);
        }
        await exited;
      })();
      return stopped;
    },
  };
}

/** Waits for `work` at most `ms`. */
async function settleWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
