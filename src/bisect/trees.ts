/**
 * The side trees a bisect measures in (docs/bisect.md): a few directories under
 * `.hex-skills/optimization/<slug>/worktree/`, each holding one commit of the history, written
 * with isomorphic-git (src/git/materialize.ts: the person's HEAD, index and files are never
 * touched), set up with `--setup` and checked with `--test` once per commit written. A measurement
 * needs at most three commits at once (a probed commit and the ends of its range), so there are
 * three slots; a commit already in a slot is used as it is, otherwise the slot used least recently
 * among those the measurement does not need is written again.
 *
 * Every command (setup, tests, the target) runs through one Sandbox (src/confine/sandbox.ts):
 * confined to its own slot and scratch directory. A commit that cannot be written, whose setup or
 * tests fail, is reported as failed: the search skips it, as `git bisect run` skips exit 125.
 */
import { join } from "node:path";
import { Sandbox } from "../confine/sandbox.ts";
import { PerfloopError } from "../errors.ts";
import { materialize, type GitRepo } from "../git/index.ts";
import type { Platform } from "../platform/index.ts";
import { outputTail } from "../profile/command-target.ts";
import { StateDirError } from "../runtime/state-dirs.ts";
import { WriteError } from "../runtime/write-error.ts";

/** Side trees: one measurement needs at most three commits (a probe and its range's ends). */
export const SLOT_NAMES = ["bisect-1", "bisect-2", "bisect-3"] as const;
/** `--setup` and `--test` get this long per commit. */
export const PREPARE_TIMEOUT_MS = 10 * 60_000;
const OUTPUT_LIMIT = 64 * 1024;

export interface TreeOptions {
  /** Run in each tree after it is written (an install, a build). */
  setup?: string;
  /** Must pass in each tree before it is measured. */
  test?: string;
  /** Where commands run inside a tree: the person's directory relative to the repository root. */
  subdir: string;
  allowWrite?: readonly string[];
  notice?(message: string): void;
  signal?: AbortSignal;
}

export type PreparedTree = { ok: true; commit: string; cwd: string; ms: number } | { ok: false; commit: string; stage: "write" | "setup" | "test"; reason: string; ms: number };

interface Slot {
  dir: string;
  commit: string | null;
  prepared: PreparedTree | null;
  used: number;
}

export class BisectTrees {
  readonly sandbox: Sandbox;
  private readonly slots: Slot[];
  private clock = 0;

  constructor(
    platform: Platform,
    private readonly repo: GitRepo,
    root: string,
    private readonly options: TreeOptions,
  ) {
    this.sandbox = new Sandbox(platform, { repoDir: repo.dir, gitdir: repo.gitdir, allowWrite: options.allowWrite, notice: options.notice, signal: options.signal });
    this.slots = SLOT_NAMES.map((name) => ({ dir: join(root, name), commit: null, prepared: null, used: 0 }));
    for (const slot of this.slots) this.sandbox.side(slot.dir);
  }

  /** The platform whose commands run confined in these trees. */
  get platform(): Platform {
    return this.sandbox.platform;
  }

  /** The environment of every command run in a tree (the sandbox adds TMPDIR and GIT_CEILING_DIRECTORIES). */
  env(): Record<string, string | undefined> {
    return { ...this.sandbox.platform.env };
  }

  /**
   * A tree holding `commit`, written, set up and tested; `keep` are the commits the measurement
   * also needs (their slots are not taken). A failure of the commit's own (its setup or tests, a
   * path that cannot be written) is returned, not thrown; a full disk or a changed repository throws.
   */
  async prepare(commit: string, keep: readonly string[]): Promise<PreparedTree> {
    this.clock++;
    const held = this.slots.find((slot) => slot.commit === commit && slot.prepared);
    if (held) {
      held.used = this.clock;
      return held.prepared as PreparedTree;
    }
    const free = this.slots.filter((slot) => slot.commit === null || !keep.includes(slot.commit)).sort((a, b) => a.used - b.used)[0];
    if (!free) throw new Error("BisectTrees.prepare: every slot is needed");
    free.commit = commit;
    free.prepared = null;
    free.used = this.clock;
    const started = performance.now();
    const done = (prepared: { ok: true; cwd: string } | { ok: false; stage: "write" | "setup" | "test"; reason: string }): PreparedTree => {
      free.prepared = { ...prepared, commit, ms: performance.now() - started };
      return free.prepared;
    };
    try {
      await materialize(this.repo, commit, free.dir, { replace: true });
    } catch (error) {
      if (!(error instanceof PerfloopError) || error instanceof WriteError || error instanceof StateDirError) throw error;
      return done({ ok: false, stage: "write", reason: `cannot be written to a side tree: ${error.message}` });
    }
    const cwd = join(free.dir, this.options.subdir);
    for (const [stage, command] of [["setup", this.options.setup], ["test", this.options.test]] as const) {
      if (!command) continue;
      const result = await this.sandbox.platform.spawn({ shell: command, cwd, env: this.env(), timeoutMs: PREPARE_TIMEOUT_MS, maxOutputBytes: OUTPUT_LIMIT });
      if (result.spawnError === null && result.exitCode === 0 && !result.timedOut) continue;
      const how = result.spawnError ? `could not start: ${result.spawnError}` : result.timedOut ? `timed out after ${PREPARE_TIMEOUT_MS / 1000} s` : result.signal ? `killed by ${result.signal}` : `exit ${result.exitCode}`;
      const tail = outputTail(result.stderr.trim() ? result.stderr : result.stdout);
      return done({ ok: false, stage, reason: `${stage === "setup" ? "--setup" : "--test"} failed (${how})${tail ? `: ${tail.split("\n").slice(-3).join(" | ")}` : ""}` });
    }
    return done({ ok: true, cwd });
  }

  /** Ends every process the trees' commands started; the repository is checked one last time. */
  async close(): Promise<void> {
    await this.sandbox.close();
  }
}
