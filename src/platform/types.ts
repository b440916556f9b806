/**
 * The one interface the rest of perfloop sees of the JavaScript runtime it runs on.
 * Only files in src/platform/ and src/main.ts may touch the Bun or Deno globals.
 */
import type { Spawner } from "./spawner-client.ts";
import type { Confinement } from "./landlock.ts";
import type { SpawnerConfig } from "./spawner-protocol.ts";
import type { SpawnRequest, SpawnResult } from "./spawn-types.ts";
import type { Service } from "./service.ts";

export type { KeptLines, LineMarks, OutputStreamName, SpawnCommand, SpawnRequest, SpawnResult } from "./spawn-types.ts";
export type { Spawner } from "./spawner-client.ts";
export type { SpawnerConfig } from "./spawner-protocol.ts";
export type { Confinement } from "./landlock.ts";
export type { Service } from "./service.ts";

export type RuntimeName = "bun" | "deno" | "node";

export interface Platform {
  /** Which runtime is executing perfloop. */
  readonly runtime: RuntimeName;
  /** That runtime's own version string, e.g. "1.4.5". */
  readonly runtimeVersion: string;
  /** True when running as a `bun build --compile` standalone executable. */
  readonly compiled: boolean;
  /**
   * What `fetch` needs to accept whatever certificate a server that perfloop started itself on
   * this machine presents over https (a development certificate, usually self-signed); null where
   * this runtime's fetch cannot skip the check (Deno only can with a flag given at its start).
   */
  readonly unverifiedTlsInit: Readonly<Record<string, unknown>> | null;
  /** Command-line arguments after the program name (what the person typed). */
  readonly args: readonly string[];
  /** Environment variables, read-only. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly pid: number;
  /** Whether stdin and stdout are both terminals (a person is there to answer). */
  readonly interactive: boolean;
  /** Whether stdout is a terminal (colour and spinners are allowed). */
  readonly stdoutIsTTY: boolean;
  /** Whether stderr is a terminal (progress spinners go there). */
  readonly stderrIsTTY: boolean;
  writeStdout(text: string): void;
  writeStderr(text: string): void;
  /** Wall clock in milliseconds since the epoch. */
  now(): number;
  /** True when signal 0 to this process id succeeds. */
  processAlive(pid: number): boolean;
  /** Argument vector that starts this same perfloop (binary, or runtime + entry file). */
  selfCommand(): string[];
  /**
   * Runs one child process to completion: exit status, wall time, CPU, peak RSS and storage I/O of
   * the child and what it waited for, and a bounded capture of its output. Never throws because
   * the command cannot start (that is `spawnError`); throws only for invalid limits. Each child has
   * its own process group, killed as a whole on timeout. See spawn-types.ts.
   */
  spawn(request: SpawnRequest): Promise<SpawnResult>;
  /**
   * Starts a resident spawner (spawner-server.ts): another perfloop process that confines itself
   * to `config`'s write rules (Landlock) and ends what its commands leave running; its `spawn` is
   * this one's, confined. Where that is impossible its `confinement` says why.
   */
  startSpawner(config: SpawnerConfig): Promise<Spawner>;
  /**
   * Starts a long-running command (a server) that runs until `stop()`: in a resident spawner of its
   * own, so stopping it, or perfloop's death (even by SIGKILL), ends its whole process group and
   * every orphan it left. `request.timeoutMs` bounds its life (SERVICE_TIMEOUT_MS, service.ts).
   * Rejects only when that spawner cannot start; a command that cannot start is `exited`'s
   * `spawnError`. Unconfined here; the Sandbox's platform confines it to its side tree.
   */
  startService(request: SpawnRequest): Promise<Service>;
  /** Serves as a spawner (`perfloop __spawner <config>`, src/main.ts); resolves with the exit code. */
  serveSpawner(args: readonly string[]): Promise<number>;
  /** Whether a spawner could confine its commands here (the kernel's Landlock), without starting one. */
  probeConfinement(): Promise<Confinement>;
  /**
   * Calls `handler` on Ctrl-C (SIGINT) or SIGTERM instead of dying at once, so that work stops at a
   * safe point; returns the function that removes the handler. A second signal kills as usual.
   */
  onInterrupt(handler: (signal: string) => void): () => void;
}
