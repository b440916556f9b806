/**
 * The executor's side work trees under `.hex-skills/optimization/<slug>/worktree/`: `base` (the
 * base commit, never changed), `candidate` and `alternative` (the base plus a set of hypotheses),
 * and `scratch` (a fresh base for `command` hypotheses). A tree is switched from one set to another
 * by writing only the files that differ. The person's own work tree, index and HEAD are never
 * touched. A kill at any moment leaves directories the next run replaces.
 */
import * as fs from "node:fs";
import { join } from "node:path";
import type { Platform } from "../platform/index.ts";
import { diffTrees, materialize, readTreeAt, writeChanges, type GitRepo } from "../git/index.ts";
import type { FileTree, TreeChanges } from "../git/types.ts";
import { applyHypothesis, type Applied } from "./apply.ts";
import { PerfloopError } from "../errors.ts";
import { ensureDirAt, StateDirError } from "../runtime/state-dirs.ts";
import { WriteError } from "../runtime/write-error.ts";
import { combineChanges } from "./combine.ts";
import type { Hypothesis } from "../research/hypotheses-schema.ts";

/** A command hypothesis or a setup command gets this long. */
export const COMMAND_TIMEOUT_MS = 10 * 60_000;
const OUTPUT_LIMIT = 64 * 1024;
/** Lines of a command's output kept for messages (a stack trace can push the error line far up). */
const TAIL_LINES = 40;

export type SideName = "base" | "candidate" | "alternative" | "scratch";

export interface Prepared {
  applied: Map<string, Applied>;
  failed: Map<string, string>;
}

export class Workspace {
  readonly root: string;
  readonly baseTree: FileTree;
  private readonly current = new Map<SideName, FileTree>();
  private readonly applied = new Map<string, Applied>();

  private constructor(
    private readonly platform: Platform,
    private readonly repo: GitRepo,
    readonly base: string,
    root: string,
    baseTree: FileTree,
  ) {
    this.root = root;
    this.baseTree = baseTree;
  }

  /** Reads the base tree; nothing is written until materializeSides (or a command hypothesis). */
  static async create(platform: Platform, repo: GitRepo, base: string, root: string): Promise<Workspace> {
    const baseTree = await readTreeAt(repo, base);
    return new Workspace(platform, repo, base, root, baseTree);
  }

  /** Writes the base into the base, candidate and alternative trees (replacing a previous run's). */
  async materializeSides(): Promise<void> {
    for (const side of ["base", "candidate", "alternative"] as const) {
      ensureDirAt(this.dir(side));
      await materialize(this.repo, this.base, this.dir(side), { replace: true });
      this.current.set(side, this.baseTree);
    }
  }

  /**
   * The environment of every command run in a side tree. The side trees live inside the person's
   * repository, so a `git` command there (in a test script, say) would find and change the
   * person's repository: GIT_CEILING_DIRECTORIES stops git's search at the side trees.
   */
  childEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
    return { ...this.platform.env, ...extra, GIT_CEILING_DIRECTORIES: this.root };
  }

  dir(side: SideName): string {
    return join(this.root, side);
  }

  /** Runs a shell command in a side tree with a timeout; the exit code and the end of its output. */
  async run(command: string, cwd: string, env: Record<string, string>, timeoutMs = COMMAND_TIMEOUT_MS): Promise<{ exitCode: number | null; tail: string; timedOut: boolean }> {
    const result = await this.platform.spawn({ shell: command, cwd, env: this.childEnv(env), timeoutMs, maxOutputBytes: OUTPUT_LIMIT });
    const text = `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-TAIL_LINES).join("\n");
    return { exitCode: result.spawnError ? null : result.exitCode, tail: result.spawnError ?? text, timedOut: result.timedOut };
  }

  /** Applies each hypothesis to the base on its own; the ones that cannot apply are reported, not thrown. */
  async prepare(hypotheses: readonly Hypothesis[]): Promise<Prepared> {
    const failed = new Map<string, string>();
    for (const hypothesis of hypotheses) {
      const scratch = this.dir("scratch");
      try {
        if (hypothesis.change.kind === "command") {
          ensureDirAt(scratch);
          await materialize(this.repo, this.base, scratch, { replace: true, linkDependencies: true });
        }
        const applied = await applyHypothesis(this.baseTree, hypothesis, {
          workDir: scratch,
          run: async (command, cwd) => {
            const outcome = await this.run(command, cwd, {});
            return { exitCode: outcome.exitCode, stderrTail: outcome.tail };
          },
          ignore: (path) => path === "node_modules" || path.startsWith("node_modules/") || path.startsWith(".hex-skills/"),
          readTreeAt: (ref) => readTreeAt(this.repo, ref),
        });
        this.applied.set(hypothesis.id, applied);
      } catch (error) {
        // A full disk or a link in perfloop's directories is not the hypothesis's fault.
        if (!(error instanceof PerfloopError) || error instanceof WriteError || error instanceof StateDirError) throw error;
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
    const parts = ids.map((id) => ({ id, changes: this.applied.get(id)?.changes ?? (new Map() as TreeChanges) }));
    return combineChanges(this.baseTree, parts);
  }

  /** Makes a side tree hold the base plus `ids`, writing only what differs from what it holds. */
  async switchTo(side: SideName, ids: readonly string[]): Promise<FileTree> {
    const { tree } = this.combine(ids);
    const before = this.current.get(side) ?? this.baseTree;
    const changes = diffTrees(before, tree);
    // Deleted paths first would be fine too; writeChanges handles both kinds.
    await writeChanges(fs, this.dir(side), changes);
    this.current.set(side, tree);
    return tree;
  }

  /** The changes of the base plus `ids` against the base (for the branch commit and the ledger). */
  changesAgainstBase(ids: readonly string[]): TreeChanges {
    return diffTrees(this.baseTree, this.combine(ids).tree);
  }
}
