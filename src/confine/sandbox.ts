/**
 * Every command perfloop runs on the person's behalf in a side tree (setup, tests, the target,
 * command hypotheses) goes through a Sandbox (docs/safety.md). Each side tree gets a resident
 * spawner of its own (src/platform/spawner-server.ts), confined with Landlock so that its commands
 * can write only inside that side tree and a scratch directory of its own (TMPDIR), plus a few
 * device files and the paths the person allowed (`--allow-write`): never the person's files, their
 * `.git`, another side tree (a candidate cannot tamper with the baseline), or anything else.
 *
 * Landlock does not confine permissions or ownership (chmod, chown): the person's repository is
 * also fingerprinted (fingerprint.ts) and its permission bits and owners compared at most every
 * GUARD_INTERVAL_MS and when the sandbox closes; a change is put back, and stops the run.
 *
 * Where Landlock is not available (another OS, an old kernel, a container that blocks it,
 * PERFLOOP_CONFINE=detect), the run says so once and falls back to detection: the same fingerprint
 * compared after every command, a change stopping the run with the paths named. In both modes
 * every command gets GIT_CEILING_DIRECTORIES, so that `git` finds no repository in a side tree.
 *
 * `sandbox.platform` is a Platform whose `spawn` routes each request to the side tree holding its
 * working directory; a request outside every registered side tree is a bug and is refused. Its
 * `startService` (an endpoint's server) runs in a spawner of its own, confined like that side's,
 * so the side's spawner stays free for the commands measured meanwhile; `close` stops every
 * service still running.
 */
import { lstatSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { CancelledError, PerfloopError } from "../errors.ts";
import { isInside } from "../git/index.ts";
import { failedToStart, type Confinement, type Platform, type Service, type Spawner, type SpawnerConfig, type SpawnRequest, type SpawnResult } from "../platform/index.ts";
import { serviceInSpawner } from "../platform/service.ts";
import { ensureDirAt } from "../runtime/state-dirs.ts";
import { changedPaths, fingerprintRepository, restoreMetadata, type Fingerprint } from "./fingerprint.ts";

/** Device files a command may open for writing (nothing is created or removed there). */
const WRITABLE_DEVICES = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/ptmx", "/dev/pts"] as const;
/** PERFLOOP_CONFINE=detect: use detection even where Landlock works (docs/safety.md). */
const CONFINE_SWITCH = "PERFLOOP_CONFINE";
/** Confined commands: the repository's permissions and times are checked at most this often (and at the end). */
const GUARD_INTERVAL_MS = 1_000;
/** Paths of a changed repository listed in the error before "and N more". */
const SHOWN_PATHS = 8;

export type ConfinementMode = { mode: "landlock"; abi: number } | { mode: "detect"; reason: string };

export interface SandboxOptions {
  /** The person's repository: its work tree and git directory (fingerprinted in detection mode). */
  repoDir: string;
  gitdir: string;
  /** More directories every command may write (`--allow-write`), absolute. */
  allowWrite?: readonly string[];
  /** Says something to the person (the fallback notice, once per sandbox). */
  notice?(message: string): void;
  /**
   * Ctrl-C (or SIGTERM) seen by perfloop: no new command starts, and the running one gets SIGTERM,
   * whenever the signal came (before the command started, too).
   */
  signal?: AbortSignal;
}

interface Side {
  dir: string;
  tmp: string;
  spawner: Promise<Spawner> | null;
  /** The side directory's inode when its spawner started: Landlock's rule binds the inode. */
  ino: number | null;
}

export class Sandbox {
  readonly platform: Platform;
  private readonly sides = new Map<string, Side>();
  /** Services started and not yet stopped. */
  private readonly services = new Set<Service>();
  private fingerprint: Fingerprint | null = null;
  private checkedAt = 0;
  private noticed = false;
  private lastMode: ConfinementMode | null = null;

  constructor(
    private readonly base: Platform,
    private readonly options: SandboxOptions,
  ) {
    const spawn = (request: SpawnRequest) => this.spawn(request);
    const startService = (request: SpawnRequest) => this.startService(request);
    this.platform = Object.create(base, { spawn: { value: spawn }, startService: { value: startService } }) as Platform;
  }

  /** Registers a side tree: commands whose cwd is inside `dir` run confined to it. Returns its scratch directory. */
  side(dir: string): string {
    const root = resolve(dir);
    const existing = this.sides.get(root);
    if (existing) return existing.tmp;
    const tmp = join(dirname(root), `.tmp-${basename(root)}`);
    this.sides.set(root, { dir: root, tmp, spawner: null, ino: null });
    return tmp;
  }

  /** How commands are confined here: Landlock, or detection (and why). Starts no spawner when one already answered. */
  async mode(): Promise<ConfinementMode> {
    if (this.lastMode) return this.lastMode;
    const side = [...this.sides.values()][0];
    if (!side) throw new Error("Sandbox.mode: no side tree registered");
    return toMode((await this.spawnerOf(side)).confinement, this.forced());
  }

  /** Ends every service and spawner and what they started; then the repository is checked one last time. */
  async close(): Promise<void> {
    const services = [...this.services];
    this.services.clear();
    // A service's stop checks the repository (and throws on a change): every spawner is closed first.
    const stops = await Promise.allSettled(services.map((service) => service.stop()));
    const spawners = [...this.sides.values()].map((side) => side.spawner).filter((s): s is Promise<Spawner> => s !== null);
    for (const side of this.sides.values()) side.spawner = null;
    const closed = await Promise.all(spawners.map(async (s) => await s.catch(() => null)));
    await Promise.all(closed.map((spawner) => spawner?.close()));
    const failed = stops.find((stop) => stop.status === "rejected");
    if (failed) throw failed.reason;
    if (closed.some((spawner) => spawner?.confinement.confined)) this.verify(null, true);
  }

  private forced(): boolean {
    return this.base.env[CONFINE_SWITCH] === "detect";
  }

  private sideOf(cwd: string): Side {
    const at = resolve(cwd);
    let best: Side | null = null;
    for (const side of this.sides.values()) {
      if (isInside(at, side.dir) && (!best || side.dir.length > best.dir.length)) best = side;
    }
    if (!best) throw new PerfloopError("unconfined_command", `refusing to run a command in ${at}: it is not inside a side tree perfloop confines`, { hint: "this is a bug in perfloop; please report it" });
    return best;
  }

  private async spawnerOf(side: Side): Promise<Spawner> {
    const ino = inodeOf(side.dir);
    if (side.spawner && ino !== side.ino) {
      // The side tree was replaced: its spawner's rules name the old directory.
      const old = side.spawner;
      side.spawner = null;
      await (await old.catch(() => null))?.close();
    }
    if (!side.spawner) {
      ensureDirAt(side.dir);
      freshDir(side.tmp);
      side.ino = inodeOf(side.dir);
      side.spawner = this.base.startSpawner(this.configOf(side));
      const spawner = await side.spawner;
      this.lastMode = toMode(spawner.confinement, this.forced());
      if (this.lastMode.mode === "detect" && !this.noticed) {
        this.noticed = true;
        this.options.notice?.(`commands in side trees are not confined here (${this.lastMode.reason}); perfloop checks your repository after each of them instead (docs/safety.md)`);
      }
    }
    return await side.spawner;
  }

  /** What a side's spawners may write: the side tree, its scratch directory, the devices and what the person allowed. */
  private configOf(side: Side): SpawnerConfig {
    return { version: 1, dirs: [side.dir, side.tmp, ...(this.options.allowWrite ?? [])], files: [...WRITABLE_DEVICES], confine: !this.forced() };
  }

  private async spawnIn(side: Side, spawner: Spawner, request: SpawnRequest): Promise<SpawnResult> {
    const stop = this.options.signal;
    if (stop?.aborted) throw new CancelledError("stopped before the next command");
    const onAbort = () => spawner.interrupt("SIGTERM");
    stop?.addEventListener("abort", onAbort);
    try {
      const result = await spawner.spawn(request);
      // A command the person's Ctrl-C ended has no result to judge.
      if (stop?.aborted) throw new CancelledError("stopped while a command ran");
      return result;
    } catch (error) {
      if (!(error instanceof PerfloopError && error.code === "spawner_failed")) throw error;
      const current = side.spawner;
      side.spawner = null;
      await (await current?.catch(() => null))?.close();
      return spawnerKilled(error.message);
    } finally {
      stop?.removeEventListener("abort", onAbort);
    }
  }

  private async spawn(request: SpawnRequest): Promise<SpawnResult> {
    const side = this.sideOf(request.cwd);
    const spawner = await this.spawnerOf(side);
    const env = sideEnv(side, request.env);
    const what = request.shell ?? request.argv?.join(" ") ?? "";
    this.fingerprint ??= fingerprintRepository(this.options.repoDir, this.options.gitdir);
    const result = await this.spawnIn(side, spawner, { ...request, env } as SpawnRequest);
    // Confined, only what Landlock leaves open can change (permissions and times), so the check
    // runs at most every GUARD_INTERVAL_MS; unconfined, after every command.
    if (!spawner.confinement.confined || this.base.now() - this.checkedAt >= GUARD_INTERVAL_MS) this.verify(what, spawner.confinement.confined);
    return result;
  }

  /**
   * A server in the side tree holding `request.cwd`, in a spawner of its own with that side's
   * rules. The side's own spawner is started first (it prepares the side's directories, once, and
   * tells the confinement mode); stopping the service checks the repository as a command's end does.
   */
  private async startService(request: SpawnRequest): Promise<Service> {
    if (this.options.signal?.aborted) throw new CancelledError("stopped before the next command");
    const side = this.sideOf(request.cwd);
    const sideSpawner = await this.spawnerOf(side);
    const confined = sideSpawner.confinement.confined;
    const what = request.shell ?? request.argv?.join(" ") ?? "";
    this.fingerprint ??= fingerprintRepository(this.options.repoDir, this.options.gitdir);
    const running = await serviceInSpawner(() => this.base.startSpawner(this.configOf(side)), { ...request, env: sideEnv(side, request.env) } as SpawnRequest);
    let stopped: Promise<void> | null = null;
    const service: Service = {
      exited: running.exited,
      stop: () => {
        stopped ??= (async () => {
          this.services.delete(service);
          await running.stop();
          if (!confined || this.base.now() - this.checkedAt >= GUARD_INTERVAL_MS) this.verify(what, confined);
        })();
        return stopped;
      },
    };
    this.services.add(service);
    return service;
  }

  /**
   * Compares the person's repository with its fingerprint: a change stops the run, after the
   * permissions and times that a command changed are put back (restoreMetadata).
   */
  private verify(what: string | null, confined: boolean): void {
    if (!this.fingerprint) return;
    this.checkedAt = this.base.now();
    const after = fingerprintRepository(this.options.repoDir, this.options.gitdir);
    const changed = changedPaths(this.fingerprint, after, confined);
    if (changed.length === 0) {
      if (confined) this.fingerprint = after;
      return;
    }
    const left = restoreMetadata(this.fingerprint, after, changed);
    this.fingerprint = fingerprintRepository(this.options.repoDir, this.options.gitdir);
    const list = (paths: readonly string[]) => paths.slice(0, SHOWN_PATHS).join(", ") + (paths.length > SHOWN_PATHS ? ` and ${paths.length - SHOWN_PATHS} more` : "");
    // Confined, the check is throttled: the change came from one of the commands since the last one.
    const by = !what ? "a command run in a side tree" : confined ? `a command run in a side tree (the last one: \`${what}\`)` : `a command run in a side tree (\`${what}\`)`;
    const restored = changed.filter((path) => !left.includes(path));
    const putBack = confined ? "the permissions" : "the permissions and times";
    const done = [restored.length > 0 ? `perfloop put back ${putBack} of ${list(restored)}` : null, left.length > 0 ? `changed ${list(left)}` : null].filter(Boolean).join("; ");
    throw new PerfloopError("repository_changed", `${by} changed your repository: ${done}; perfloop stopped`, {
      hint: confined
        ? "Landlock confines writes but not permissions or ownership (docs/safety.md); look at the hypotheses' commands"
        : "look at the change with git status (perfloop did not touch it); commands are not confined on this machine: docs/safety.md",
      data: { paths: changed, restored },
    });
  }
}

/**
 * A command's environment in `side`: its scratch directory as TMPDIR (TMP, TEMP), and git's search
 * for a repository stopped at the folder that holds the side trees (they live inside the person's
 * repository), so a `git` command there finds none instead of the person's.
 */
function sideEnv(side: Side, env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  return { ...env, TMPDIR: side.tmp, TMP: side.tmp, TEMP: side.tmp, GIT_CEILING_DIRECTORIES: dirname(side.dir) };
}

/**
 * A command shares its spawner's Landlock domain, so it can signal its spawner (nothing outside).
 * One that kills it ended its own run: that is the command's result (it could not be measured),
 * and the next command gets a new spawner.
 */
function spawnerKilled(reason: string): SpawnResult {
  return failedToStart(`the command ended perfloop's spawner that ran it (${reason})`, 0);
}

/** How commands would be confined here, without starting anything (for research: agents' commands). */
export async function confinementMode(platform: Platform): Promise<ConfinementMode> {
  const forced = platform.env[CONFINE_SWITCH] === "detect";
  return toMode(forced ? { confined: false, reason: "" } : await platform.probeConfinement(), forced);
}

function toMode(confinement: Confinement, forced: boolean): ConfinementMode {
  if (confinement.confined) return { mode: "landlock", abi: confinement.abi };
  return { mode: "detect", reason: forced ? `${CONFINE_SWITCH}=detect is set` : confinement.reason };
}

function inodeOf(dir: string): number | null {
  try {
    return statSync(dir).ino;
  } catch {
    return null;
  }
}

/** An empty directory at `path`, never following a link that stands there. */
function freshDir(path: string): void {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (stat) rmSync(path, { recursive: true, force: true });
  ensureDirAt(path);
}
