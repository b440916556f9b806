/**
 * The executor's side work trees under `.hex-skills/optimization/<slug>/worktree/`: `base` (the
 * base commit, never changed), `candidate` and `alternative` (the base plus a set of hypotheses),
 * and `scratch` (a fresh base for `command` hypotheses). A tree is switched from one set to another
 * by writing only the files that differ. The person's own work tree, index and HEAD are never
 * touched. A kill at any moment leaves directories the next run replaces; a run that ends (done,
 * paused, failed or stopped) removes them (removeSideTrees), unless `--keep-trees`.
 *
 * Every command run in a side tree goes through the workspace's Sandbox (src/confine/sandbox.ts):
 * it can write only in its own side tree and scratch directory; `close()` ends them all.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { join } from "node:path";
import type { Platform } from "../platform/index.ts";
import { diffTrees, materialize, readTreeAt, removeEntry, writeChanges, type GitRepo } from "../git/index.ts";
import type { FileTree, TreeChanges } from "../git/types.ts";
import { applyHypothesis, type Applied } from "./apply.ts";
import { PerfloopError, UsageError } from "../errors.ts";
import { confinementHint } from "../confine/hint.ts";
import { runtimePaths, sideTreesDir } from "../runtime/paths.ts";
import { ensureDirAt, splitStatePath, stateDirExists, StateDirError } from "../runtime/state-dirs.ts";
import { WriteError } from "../runtime/write-error.ts";
import { combineChanges } from "./combine.ts";
import { sameEntry } from "./combine-text.ts";
import { FAILURE_MARKS, tailWithFailures } from "./test-output/failure-lines.ts";
import { Sandbox } from "../confine/sandbox.ts";
import type { Hypothesis } from "../research/hypotheses-schema.ts";

/** A command hypothesis or a setup command gets this long. */
export const COMMAND_TIMEOUT_MS = 10 * 60_000;
const OUTPUT_LIMIT = 64 * 1024;
/** Lines of a command's output kept for messages (a stack trace can push the error line far up). */
const TAIL_LINES = 40;

export type SideName = "base" | "candidate" | "alternative" | "scratch";
const SIDES: readonly SideName[] = ["base", "candidate", "alternative", "scratch"];

/** `--setup`: run in each side tree after it is written from the base. */
export interface Setup {
  command: string;
  /** Where it runs, relative to the side tree's root. */
  subdir: string;
}

export interface WorkspaceOptions {
  /** More directories commands may write (`--allow-write`). */
  allowWrite?: readonly string[];
  /** Tells the person something once (that commands are not confined here). */
  notice?(message: string): void;
  /** Ctrl-C: no new command starts and the running one is ended (src/confine/sandbox.ts). */
  signal?: AbortSignal;
}

export interface RunResult {
  /** null when it was killed (a timeout) or could not start. */
  exitCode: number | null;
  /** The last lines of its output, after the kept lines that name a failing test (or why it could not start). */
  tail: string;
  timedOut: boolean;
  wallMs: number;
  leftoverProcesses: number | null;
}

export interface Prepared {
  applied: Map<string, Applied>;
  failed: Map<string, string>;
}

export class Workspace {
  readonly root: string;
  readonly baseTree: FileTree;
  private readonly current = new Map<SideName, FileTree>();
  private readonly applied = new Map<string, Applied>();
  /** Hypotheses rebased onto a kept set (rebase): their changes were made on the tree of `onto`. */
  private readonly rebasedOnto = new Map<string, readonly string[]>();
  private readonly hypotheses = new Map<string, Hypothesis>();
  private setup: Setup | null = null;
  /** Time spent writing side trees (materializing, setting up, switching), for the report. */
  sideTreesMs = 0;

  /** Runs the commands of the side trees, confined; its `platform` is what measuring code gets. */
  readonly sandbox: Sandbox;

  private constructor(
    platform: Platform,
    private readonly repo: GitRepo,
    readonly base: string,
    root: string,
    baseTree: FileTree,
    options: WorkspaceOptions,
  ) {
    this.root = root;
    this.baseTree = baseTree;
    this.sandbox = new Sandbox(platform, { repoDir: repo.dir, gitdir: repo.gitdir, allowWrite: options.allowWrite, notice: options.notice, signal: options.signal });
    for (const side of SIDES) this.sandbox.side(this.dir(side));
  }

  /** Reads the base tree; nothing is written until materializeSides (or a command hypothesis). */
  static async create(platform: Platform, repo: GitRepo, base: string, root: string, options: WorkspaceOptions = {}): Promise<Workspace> {
    const baseTree = await readTreeAt(repo, base);
    return new Workspace(platform, repo, base, root, baseTree, options);
  }

  /** The platform whose commands run confined in these side trees (src/confine/sandbox.ts). */
  get platform(): Platform {
    return this.sandbox.platform;
  }

  /** Ends every process the side trees' commands started. */
  async close(): Promise<void> {
    await this.sandbox.close();
  }

  /** Writes the base into the base, candidate and alternative trees (replacing a previous run's); `setup` runs in each. */
  async materializeSides(setup?: Setup): Promise<void> {
    this.setup = setup ?? null;
    const started = performance.now();
    for (const side of ["base", "candidate", "alternative"] as const) await this.reset(side);
    this.sideTreesMs += performance.now() - started;
  }

  /** A side tree back to the base, set up again: after a change that could not be written completely. */
  private async reset(side: SideName): Promise<void> {
    this.current.delete(side);
    ensureDirAt(this.dir(side));
    await materialize(this.repo, this.base, this.dir(side), { replace: true });
    if (this.setup) {
      const done = await this.run(this.setup.command, join(this.dir(side), this.setup.subdir), {});
      if (done.exitCode !== 0) {
        throw new UsageError(`the setup command failed in the side work tree (${done.timedOut ? "timed out" : `exit ${done.exitCode}`}): ${done.tail.split("\n").slice(-3).join(" | ")}`, confinementHint(done.tail) ?? "fix --setup; it runs once in each side tree");
      }
    }
    this.current.set(side, this.baseTree);
  }

  /** The environment of every command run in a side tree (the sandbox adds TMPDIR and GIT_CEILING_DIRECTORIES). */
  childEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
    return { ...this.sandbox.platform.env, ...extra };
  }

  dir(side: SideName): string {
    return join(this.root, side);
  }

  /**
   * Runs a shell command in a side tree with a timeout; the exit code and the end of its output,
   * after the lines further up that name a failing test (src/execute/test-output/failure-lines.ts).
   */
  async run(command: string, cwd: string, env: Record<string, string>, timeoutMs = COMMAND_TIMEOUT_MS): Promise<RunResult> {
    const result = await this.sandbox.platform.spawn({ shell: command, cwd, env: this.childEnv(env), timeoutMs, maxOutputBytes: OUTPUT_LIMIT, keepLines: FAILURE_MARKS });
    return { exitCode: result.spawnError ? null : result.exitCode, tail: result.spawnError ?? tailWithFailures(result, TAIL_LINES), timedOut: result.timedOut, wallMs: result.wallMs, leftoverProcesses: result.leftoverProcesses };
  }

  /** Applies each hypothesis to the base on its own; the ones that cannot apply are reported, not thrown. */
  async prepare(hypotheses: readonly Hypothesis[], commandTimeoutMs = COMMAND_TIMEOUT_MS): Promise<Prepared> {
    const failed = new Map<string, string>();
    for (const hypothesis of hypotheses) {
      this.hypotheses.set(hypothesis.id, hypothesis);
      const scratch = this.dir("scratch");
      try {
        if (hypothesis.change.kind === "command") {
          ensureDirAt(scratch);
          await materialize(this.repo, this.base, scratch, { replace: true, linkDependencies: true });
        }
        const applied = await applyHypothesis(this.baseTree, hypothesis, {
          workDir: scratch,
          run: async (command, cwd) => {
            const outcome = await this.run(command, cwd, {}, commandTimeoutMs);
            return { exitCode: outcome.exitCode, stderrTail: outcome.tail, ...(outcome.timedOut ? { timedOutAfterMs: commandTimeoutMs } : {}) };
          },
          ignore: (path) => path === "node_modules" || path.startsWith("node_modules/") || path.startsWith(".hex-skills/"),
          readTreeAt: (ref) => readTreeAt(this.repo, ref),
        });
        this.applied.set(hypothesis.id, applied);
      } catch (error) {
        // A full disk or a link in perfloop's directories is not the hypothesis's fault.
        // Nor is a command that changed the person's repository: that stops the run (src/confine/sandbox.ts).
        if (!(error instanceof PerfloopError) || error instanceof WriteError || error instanceof StateDirError || error.code === "repository_changed") throw error;
        failed.set(hypothesis.id, (error as Error).message);
      }
    }
    return { applied: new Map(this.applied), failed };
  }

  changesOf(id: string): Applied | undefined {
    return this.applied.get(id);
  }

  /** The environment the hypotheses set (env changes), later ones winning. */
  envOf(ids: readonly string[]): Record<string, string> {
    const env: Record<string, string> = {};
    for (const id of ids) Object.assign(env, this.applied.get(id)?.env ?? {});
    return env;
  }

  /** The base with `ids` combined; conflicts name the path and the hypotheses. */
  combine(ids: readonly string[]): { tree: FileTree; conflicts: { path: string; ids: string[]; reason: string }[] } {
    const parts = ids.map((id, index) => {
      const onto = this.rebasedOnto.get(id);
      const before = new Set(ids.slice(0, index));
      const replaces = onto !== undefined && onto.length === before.size && onto.every((other) => before.has(other));
      return { id, changes: this.applied.get(id)?.changes ?? (new Map() as TreeChanges), replaces };
    });
    return combineChanges(this.baseTree, parts);
  }

  /**
   * Applies hypothesis `id` again, this time to the base with `onto` (a kept set) combined: its
   * edit finds its text there, its patch applies there (docs/run.md, "Overlapping hypotheses").
   * From then on `combine([...onto, id])` is that tree. Returns why it cannot be, or null.
   */
  async rebase(id: string, onto: readonly string[]): Promise<string | null> {
    const hypothesis = this.hypotheses.get(id);
    if (!hypothesis) return `${id} was not prepared`;
    if (hypothesis.change.kind !== "edit" && hypothesis.change.kind !== "patch") return `a ${hypothesis.change.kind} change is not replayed on another tree`;
    const { tree, conflicts } = this.combine(onto);
    if (conflicts.length > 0) return `${onto.join(", ")} cannot be combined`;
    try {
      const applied = await applyHypothesis(tree, hypothesis);
      this.applied.set(id, applied);
      this.rebasedOnto.set(id, [...onto]);
      return null;
    } catch (error) {
      if (!(error instanceof PerfloopError) || error instanceof WriteError || error instanceof StateDirError) throw error;
      return (error as Error).message;
    }
  }

  /**
   * Makes a side tree hold the base plus `ids`, writing only what differs from what it holds. A
   * change that cannot be written there (perfloop's checks refuse it, or the file system does) is
   * the hypotheses' problem, not the run's: the side tree is reset to the base and the reason is
   * returned; null when it was written.
   */
  async switchTo(side: SideName, ids: readonly string[]): Promise<string | null> {
    const { tree, conflicts } = this.combine(ids);
    if (conflicts.length > 0) return `cannot be combined: ${conflicts.map((c) => `${c.ids.join(" and ")} in ${c.path} (${c.reason})`).join("; ")}`;
    const before = this.current.get(side) ?? this.baseTree;
    const started = performance.now();
    try {
      await writeChanges(fs, this.dir(side), diffTrees(before, tree));
    } catch (error) {
      if (error instanceof WriteError || error instanceof StateDirError) throw error;
      if (!(error instanceof PerfloopError) && !isChangeError(error)) throw error;
      await this.reset(side);
      return `cannot be written to the side tree: ${(error as Error).message}`;
    } finally {
      this.sideTreesMs += performance.now() - started;
    }
    this.current.set(side, tree);
    return null;
  }

  /**
   * What a side tree with `ids` holds, as one id: a hash of every path it holds differently from
   * the base (mode and bytes) and of the environment the hypotheses set. Two sets that make the
   * same tree have the same key (their tests need running once); null when they cannot combine.
   */
  treeKey(ids: readonly string[]): string | null {
    const { tree, conflicts } = this.combine(ids);
    if (conflicts.length > 0) return null;
    const paths = [...new Set(ids.flatMap((id) => [...(this.applied.get(id)?.changes.keys() ?? [])]))].sort();
    const hash = createHash("sha256");
    for (const path of paths) {
      const entry = tree.get(path);
      const base = this.baseTree.get(path);
      if (sameEntry(entry ?? null, base ?? null)) continue;
      hash.update(`${path}\0${entry ? entry.mode : "deleted"}\0`);
      if (entry) hash.update(entry.data);
      hash.update("\0");
    }
    hash.update(JSON.stringify(Object.entries(this.envOf(ids)).sort()));
    return hash.digest("hex");
  }

  /** The changes of the base plus `ids` against the base (for the branch commit and the ledger). */
  changesAgainstBase(ids: readonly string[]): TreeChanges {
    return diffTrees(this.baseTree, this.combine(ids).tree);
  }
}

/**
 * Removes a slug's side work trees, the whole `.hex-skills/optimization/<slug>/worktree/` (base,
 * candidate, alternative, scratch, profile, agent and their scratch directories), without following
 * a link: every directory down to `worktree` must be a real one (a link there is refused, not
 * followed: state-dirs.ts), and the removal removes the links inside rather than following them
 * (src/git/no-follow.ts). perfloop never writes trees behind such a link, so there is nothing of
 * its own to remove there, and nothing is said (the command that meets the link refuses it). Every
 * phase writes the trees it needs again, so a resume loses nothing. The ledger refs and the result
 * branch are git refs and stay. Returns why the trees were left (a file system error), or null.
 */
export function removeSideTrees(projectRoot: string, slug: string): string | null {
  const dir = sideTreesDir(runtimePaths(projectRoot), slug);
  const state = splitStatePath(dir)!;
  try {
    if (stateDirExists(state.root, state.relative)) removeEntry(fs, dir);
    return null;
  } catch (error) {
    if (error instanceof StateDirError) return null;
    return `the side work trees were left in ${state.relative}: ${(error as Error).message}`;
  }
}

/** Errors of the machine, not of the change: a full or read-only disk fails the run (and says so), never a hypothesis. */
const MACHINE_ERRORS = new Set(["ENOSPC", "EDQUOT", "EROFS", "EIO", "ENOMEM", "EMFILE", "ENFILE"]);

/** A file system error caused by what a change asks for (a name too long, a file where a directory must be, ...). */
function isChangeError(error: unknown): boolean {
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return typeof code === "string" && /^E[A-Z]+$/.test(code) && !MACHINE_ERRORS.has(code);
}
