/**
 * Every command perfloop runs on the person's behalf in a side tree (setup, tests, the target,
 * command hypotheses) goes through a Sandbox (docs/safety.md). Each side tree gets a resident
 * spawner of its own (src/platform/spawner-server.ts), confined with Landlock so that its commands
 * can write only inside that side tree and a scratch directory of its own (TMPDIR), plus a few
 * device files and the paths the person allowed (`--allow-write`): never the person's files, their
 * `.git`, another side tree (a candidate cannot tamper with the baseline), or anything else.
 *
 * Where Landlock is not available (another OS, an old kernel, a container that blocks it,
 * PERFLOOP_CONFINE=detect), the run says so once and falls back to detection: the person's
 * repository is fingerprinted (fingerprint.ts) before and after every command, and a change stops
 * the run with the paths named. Commands still cannot reach the repository through `git` itself
 * (GIT_CEILING_DIRECTORIES).
 *
 * `sandbox.platform` is a Platform whose `spawn` routes each request to the side tree holding its
 * working directory; a request outside every registered side tree is a bug and is refused.
 */
import { lstatSync, mkdirSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { PerfloopError } from "../errors.ts";
import type { Confinement, Platform, Spawner, SpawnRequest, SpawnResult } from "../platform/index.ts";
import { changedPaths, fingerprintRepository, type Fingerprint } from "./fingerprint.ts";

/** Device files a command may open for writing (nothing is created or removed there). */
export const WRITABLE_DEVICES = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/ptmx", "/dev/pts"] as const;
/** PERFLOOP_CONFINE=detect: use detection even where Landlock works (docs/safety.md). */
export const CONFINE_SWITCH = "PERFLOOP_CONFINE";
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
  private fingerprint: Fingerprint | null = null;
  private noticed = false;
  private lastMode: ConfinementMode | null = null;

  constructor(
    private readonly base: Platform,
    private readonly options: SandboxOptions,
  ) {
    const spawn = (request: SpawnRequest) => this.spawn(request);
    this.platform = Object.create(base, { spawn: { value: spawn } }) as Platform;
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

  /** Ends every spawner and what they started. */
  async close(): Promise<void> {
    const spawners = [...this.sides.values()].map((side) => side.spawner).filter((s): s is Promise<Spawner> => s !== null);
    for (const side of this.sides.values()) side.spawner = null;
    await Promise.all(spawners.map(async (s) => (await s.catch(() => null))?.close()));
  }

  private forced(): boolean {
    return this.base.env[CONFINE_SWITCH] === "detect";
  }

  private sideOf(cwd: string): Side {
    const at = resolve(cwd);
    let best: Side | null = null;
    for (const side of this.sides.values()) {
      const rel = relative(side.dir, at);
      const inside = rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !rel.startsWith(sep));
      if (inside && (!best || side.dir.length > best.dir.length)) best = side;
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
      mkdirSync(side.dir, { recursive: true });
      freshDir(side.tmp);
      side.ino = inodeOf(side.dir);
      side.spawner = this.base.startSpawner({
        version: 1,
        dirs: [side.dir, side.tmp, ...(this.options.allowWrite ?? [])],
        files: [...WRITABLE_DEVICES],
        confine: !this.forced(),
      });
      const spawner = await side.spawner;
      this.lastMode = toMode(spawner.confinement, this.forced());
      if (this.lastMode.mode === "detect" && !this.noticed) {
        this.noticed = true;
        this.options.notice?.(`commands in side trees are not confined here (${this.lastMode.reason}); perfloop checks your repository after each of them instead (docs/safety.md)`);
      }
    }
    return await side.spawner;
  }

  private async spawn(request: SpawnRequest): Promise<SpawnResult> {
    const side = this.sideOf(request.cwd);
    const spawner = await this.spawnerOf(side);
    const env = { ...request.env, TMPDIR: side.tmp, TMP: side.tmp, TEMP: side.tmp };
    if (spawner.confinement.confined) return await spawner.spawn({ ...request, env } as SpawnRequest);
    this.fingerprint ??= fingerprintRepository(this.options.repoDir, this.options.gitdir);
    const result = await spawner.spawn({ ...request, env } as SpawnRequest);
    const after = fingerprintRepository(this.options.repoDir, this.options.gitdir);
    const changed = changedPaths(this.fingerprint, after);
    this.fingerprint = after;
    if (changed.length > 0) {
      const shown = changed.slice(0, SHOWN_PATHS).join(", ") + (changed.length > SHOWN_PATHS ? ` and ${changed.length - SHOWN_PATHS} more` : "");
      const what = request.shell ?? request.argv?.join(" ") ?? "";
      throw new PerfloopError("repository_changed", `a command run in a side tree changed your repository (${shown}): \`${what}\`; perfloop stopped`, {
        hint: "look at the change with git status (perfloop did not touch it); commands are not confined on this machine: docs/safety.md",
        data: { paths: changed },
      });
    }
    return result;
  }
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
  mkdirSync(path, { recursive: true });
}
