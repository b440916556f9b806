/**
 * The scratch side tree a coding agent works in (docs/agents.md, "Where an agent runs"):
 * `.hex-skills/optimization/<slug>/worktree/agent/`, written fresh from the cycle's base commit
 * before every call, with the person's dependency folders linked in (read-only through the link).
 *
 * The agent's process runs through a Sandbox of its own (src/confine/sandbox.ts), so under Landlock
 * it can write only this tree, its scratch directory (`worktree/.tmp-agent`, TMPDIR), the CLI's own
 * state directories (its login and session files, presets.ts) and the person's `--allow-write`
 * directories: never the person's work tree, index, refs or the other side trees. Where commands
 * cannot be confined, no agent is run at all (`confinedOrWhy`): a model's edits are not something
 * to find out about afterwards.
 *
 * What a call changed is read back by comparing the tree before and after (lstat, links never
 * followed): `.git` anywhere in the tree, the linked dependency folders and `.hex-skills/` are not
 * part of a change, and are named when the agent wrote there.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Sandbox, type ConfinementMode } from "../confine/sandbox.ts";
import { materialize, readTreeAt, type GitRepo } from "../git/index.ts";
import type { FileTree, TreeChanges } from "../git/types.ts";
import type { Platform, SpawnRequest, SpawnResult } from "../platform/index.ts";
import { ensureDirAt } from "../runtime/state-dirs.ts";
import { changedPaths, readDirEntry, snapshotDir } from "../execute/apply-snapshot.ts";
import { sameEntry } from "../execute/combine-text.ts";

/** Paths of the tree that are never part of an agent's change. */
function ignored(path: string): boolean {
  return path === "node_modules" || path.startsWith("node_modules/") || path.includes("/node_modules/") || path.startsWith(".hex-skills/") || path === ".hex-skills";
}

export interface AgentTreeOptions {
  platform: Platform;
  repo: GitRepo;
  /** `.hex-skills/optimization/<slug>/worktree`: the tree is its `agent` directory. */
  worktreeRoot: string;
  /** Directories the agent may write besides the tree (the CLI's state, `--allow-write`), absolute. */
  allowWrite: readonly string[];
  signal?: AbortSignal;
}

export interface TreeCall {
  result: SpawnResult;
  /** What the call changed against the base (added or modified entries; null: deleted). */
  changes: TreeChanges;
  /** What the agent wrote that is not part of a change (`.git`), for the transcript. */
  ignoredWrites: string[];
}

export class AgentTree {
  readonly dir: string;
  private readonly sandbox: Sandbox;
  private baseTree: FileTree | null = null;
  private baseCommit: string | null = null;

  constructor(private readonly options: AgentTreeOptions) {
    this.dir = join(options.worktreeRoot, "agent");
    this.sandbox = new Sandbox(options.platform, { repoDir: options.repo.dir, gitdir: options.repo.gitdir, allowWrite: options.allowWrite, signal: options.signal });
    this.sandbox.side(this.dir);
  }

  /** How commands would be confined here; `null` when they are (Landlock), else why not. */
  async confinedOrWhy(): Promise<string | null> {
    ensureDirAt(this.dir);
    const mode: ConfinementMode = await this.sandbox.mode();
    return mode.mode === "landlock" ? null : mode.reason;
  }

  /** The tree written fresh from `base` (the person's dependency folders linked in). */
  async fresh(base: string): Promise<void> {
    ensureDirAt(this.dir);
    await materialize(this.options.repo, base, this.dir, { replace: true, linkDependencies: true });
    if (this.baseCommit !== base) {
      this.baseTree = await readTreeAt(this.options.repo, base);
      this.baseCommit = base;
    }
  }

  /** Runs one request in the tree (confined) and says what it changed against the base. */
  async run(request: Omit<SpawnRequest, "cwd">, subdir = ""): Promise<TreeCall> {
    if (!this.baseTree) throw new Error("AgentTree.run: call fresh(base) first");
    const before = await snapshotDir(this.dir, ignored);
    const result = await this.sandbox.platform.spawn({ ...request, cwd: join(this.dir, subdir) } as SpawnRequest);
    const after = await snapshotDir(this.dir, ignored);
    const changes: TreeChanges = new Map();
    for (const path of changedPaths(before, after)) {
      const entry = after.has(path) ? await readDirEntry(this.dir, path) : null;
      if (!sameEntry(entry, this.baseTree.get(path))) changes.set(path, entry);
    }
    const ignoredWrites = existsSync(join(this.dir, ".git")) ? [".git"] : [];
    return { result, changes, ignoredWrites };
  }

  get base(): FileTree {
    if (!this.baseTree) throw new Error("AgentTree.base: call fresh(base) first");
    return this.baseTree;
  }

  /** Ends what the agent left running; the person's repository is checked one last time. */
  async close(): Promise<void> {
    await this.sandbox.close();
  }
}
