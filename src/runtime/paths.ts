import { join, resolve } from "node:path";
import { UsageError } from "../errors.ts";
import { SKILL } from "./phases.ts";

/**
 * `safe(x)` of the contract §3: trim; each run of characters outside [A-Za-z0-9_-] becomes "-";
 * strip leading/trailing "-"; lowercase; empty becomes "default".
 */
export function safe(value: unknown, keepDots = false): string {
  const text = String(value || "default").trim();
  const pattern = keepDots ? /[^A-Za-z0-9_.-]+/g : /[^A-Za-z0-9_-]+/g;
  let cleaned = text.replace(pattern, "-").replace(/^-+|-+$/g, "").toLowerCase();
  // With dots kept, "." and ".." must not survive as path segments that climb out of the layout.
  if (keepDots && /^\.+$/.test(cleaned)) cleaned = "";
  return cleaned || "default";
}

/** `ln-810-<safe(slug)>-<epoch ms>-<8 hex>` */
export function newRunId(slug: string, nowMs: number): string {
  return `${SKILL}-${safe(slug)}-${nowMs}-${globalThis.crypto.randomUUID().slice(0, 8)}`;
}

const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** A run id is joined into a path: refuse separators, "..", and anything odd (FIX 14). */
export function assertRunId(runId: string): string {
  if (!RUN_ID_PATTERN.test(runId) || runId.includes("..")) {
    throw new UsageError(
      `Invalid run id: ${JSON.stringify(runId)} (letters, digits, ".", "_" and "-" only; no "/" or "..")`,
      "pass a run id printed by `perfloop runtime start` or `perfloop runtime status`",
    );
  }
  return runId;
}

export interface RuntimePaths {
  projectRoot: string;
  /** `.hex-skills/optimization` */
  optimizationRoot: string;
  /** `.hex-skills/optimization/runtime` */
  root: string;
  lock: string;
  activeDir: string;
  runsDir: string;
}

export function runtimePaths(projectRoot: string): RuntimePaths {
  const absolute = resolve(projectRoot);
  const optimizationRoot = join(absolute, ".hex-skills", "optimization");
  const root = join(optimizationRoot, "runtime");
  return {
    projectRoot: absolute,
    optimizationRoot,
    root,
    lock: join(root, ".lock"),
    activeDir: join(root, "active", SKILL),
    runsDir: join(root, "runs"),
  };
}

export interface RunPaths {
  run_dir: string;
  manifest: string;
  state: string;
  checkpoints: string;
  history: string;
}

export function runPaths(paths: RuntimePaths, runId: string): RunPaths {
  const runDir = join(paths.runsDir, assertRunId(runId));
  return {
    run_dir: runDir,
    manifest: join(runDir, "manifest.json"),
    state: join(runDir, "state.json"),
    checkpoints: join(runDir, "checkpoints.json"),
    history: join(runDir, "history.jsonl"),
  };
}

export function pointerPath(paths: RuntimePaths, slug: string): string {
  return join(paths.activeDir, `${safe(slug)}.json`);
}

/** Slug-scoped artifacts: `.hex-skills/optimization/<slug>/` */
export function slugDir(paths: RuntimePaths, slug: string): string {
  return join(paths.optimizationRoot, safe(slug));
}

/** The side work trees of a slug's runs (src/execute/workspace.ts): `.hex-skills/optimization/<slug>/worktree/` */
export function sideTreesDir(paths: RuntimePaths, slug: string): string {
  return join(slugDir(paths, slug), "worktree");
}

/** The lock of the process driving a slug's run (coordinator/run-lock.ts): `.hex-skills/optimization/<slug>/run.lock` */
export function runLockPath(paths: RuntimePaths, slug: string): string {
  return join(slugDir(paths, slug), "run.lock");
}

/** Worker summaries: `.hex-skills/runtime-artifacts/runs/<run_id>/<kind>/<slug>.json` */
export function summaryPath(projectRoot: string, runId: string, kind: string, slug: string): string {
  return join(
    resolve(projectRoot),
    ".hex-skills",
    "runtime-artifacts",
    "runs",
    safe(runId, true),
    safe(kind, true),
    `${safe(slug, true)}.json`,
  );
}
