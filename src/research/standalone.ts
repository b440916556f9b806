/**
 * `perfloop research <target>`, the research worker on its own (as `perfloop profile` is): it
 * profiles the target where the person runs it, then proposes what a run's research would: the
 * knobs from the stack and the profile, and the built-in rules' patches for the hot functions
 * (docs/research.md), with their evidence, and the patterns the rules left alone with why. Nothing is changed; `--out FILE` (the command) writes
 * the hypotheses as a hypotheses file to edit and pass to `perfloop run --hypotheses`.
 *
 * The rules read the files as they are in the work tree (what was profiled). A patch for a file
 * that differs from HEAD is made against the person's version, and says so: `perfloop run` starts
 * from HEAD, so such a file must be committed first.
 */
import * as fs from "node:fs";
import { lstatSync, readFileSync, realpathSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { openRepo, readTextAt } from "../git/index.ts";
import { headCommit } from "../git/repo.ts";
import type { Platform } from "../platform/index.ts";
import { runProfile, type ProfileEvent, type ProfileOptions, type ProfileReport } from "../profile/profile.ts";
import { availableParallelism } from "node:os";
import { parseHypotheses } from "./hypotheses.ts";
import { proposeKnobs } from "./knobs.ts";
import { detectStack } from "./stack.ts";
import type { Hypothesis } from "./hypotheses-schema.ts";
import { hotEvidenceFrom, MAX_RULE_FUNCTIONS, proposeFromHotCode, type RuleRun } from "./rules/propose.ts";

export interface ResearchReport {
  target: string;
  profile: ProfileReport;
  hypotheses: Hypothesis[];
  rules: Omit<RuleRun, "hypotheses">;
  /** Files a patch was made for that differ from HEAD (commit them before `perfloop run`). */
  modified: string[];
  /** Why there is nothing to look at, when there is not. */
  notes: string[];
}

/** A regular file inside `root` (no symlink out), as text; null otherwise. */
function readInside(root: string, path: string): string | null {
  const full = join(root, path);
  try {
    if (!lstatSync(full).isFile()) return null;
    const real = realpathSync(full);
    const rel = relative(realpathSync(root), real);
    if (rel.startsWith(`..${sep}`) || rel === "..") return null;
    return new TextDecoder("utf-8", { fatal: true }).decode(readFileSync(real));
  } catch {
    return null;
  }
}

export async function researchStandalone(
  platform: Platform,
  options: ProfileOptions,
  progress: (event: ProfileEvent | { kind: "rules"; message: string }) => void,
  signal?: AbortSignal,
): Promise<ResearchReport> {
  const profile = await runProfile(platform, { ...options, cpuProfile: true }, progress, signal);
  const notes: string[] = [];
  let root = options.projectRoot;
  let head: { repo: Awaited<ReturnType<typeof openRepo>>; commit: string } | null = null;
  try {
    const repo = await openRepo(fs, options.projectRoot);
    root = repo.dir;
    head = { repo, commit: await headCommit(repo) };
  } catch {
    notes.push("not in a git repository with a commit: patches are made against the files as they are");
  }
  const subdir = relative(root, options.projectRoot).split(sep).join("/");
  const cpu = profile.cpu_profile;
  if (!cpu?.ok) notes.push(cpu ? `no CPU profile (${cpu.reason}): the rules need one to know which functions are hot` : "no CPU profile for this target: the rules read the hot functions of a JS/TS command's CPU profile");
  const hot = cpu?.ok ? hotEvidenceFrom([...cpu.profile.top_by_self, ...cpu.profile.top_by_total], subdir, MAX_RULE_FUNCTIONS) : [];
  progress({ kind: "rules", message: `built-in rules on ${hot.length} hot function${hot.length === 1 ? "" : "s"}` });
  const run = await proposeFromHotCode(hot, async (path) => readInside(root, path), { now: () => platform.now() });
  if (cpu?.ok && run.functions === 0) notes.push("the CPU profile names no function of the project's own JS/TS files with a share the rules look at");
  const knobs = proposeKnobs({
    command: options.target,
    stack: detectStack(options.projectRoot),
    profile: {
      classification: profile.result.bottleneck_classification,
      hot_functions: cpu?.ok ? cpu.profile.top_by_self.map((h) => ({ function: h.function, location: h.location, self_pct: h.self_pct })) : [],
      baseline: { ...profile.result.performance_map.baseline },
    },
    // The knobs tune JS runtimes; a Python profile gives them none.
    runtime: cpu?.runtime === "python" ? null : (cpu?.runtime ?? null),
    categories: cpu?.ok ? { duration_ms: cpu.profile.duration_ms, self_ms_by_category: { ...cpu.profile.self_ms_by_category } } : null,
    env: platform.env,
    cpu_count: availableParallelism(),
  });
  notes.push(...knobs.notes.map((n) => n.text));
  const hypotheses = parseHypotheses({ version: 1, hypotheses: [...knobs.hypotheses, ...run.hypotheses] }, "research's hypotheses");
  const modified: string[] = [];
  if (head) {
    for (const path of new Set(hypotheses.flatMap((h) => h.files_to_modify))) {
      const committed = await readTextAt(head.repo, head.commit, path);
      if (committed !== readInside(root, path)) modified.push(path);
    }
  }
  const { hypotheses: _made, ...rules } = run;
  return { target: options.target, profile, hypotheses, rules, modified, notes };
}
