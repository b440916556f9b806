/**
 * What a hostile case must leave exactly as it was, and the difference when it did not: every
 * file of the person (ignored ones included) with its bytes, mode bits and link target; the
 * person's git state (HEAD, index, config, hooks, every ref but perfloop's own, packed-refs);
 * and whole directories outside the repository. Nothing is followed through a symlink.
 */
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import type { World } from "./hostile-world.ts";

export type Snapshot = Record<string, string>;

/** One path as a string: its type, mode bits and bytes (a hash) or link target. */
function entry(path: string): string {
  const stat = lstatSync(path);
  const mode = (stat.mode & 0o7777).toString(8);
  if (stat.isSymbolicLink()) return `link -> ${readlinkSync(path)}`;
  if (stat.isDirectory()) return `dir ${mode}`;
  if (stat.isFile()) return `file ${mode} ${createHash("sha256").update(readFileSync(path)).digest("hex").slice(0, 16)} ${stat.size}`;
  return `special ${stat.mode.toString(8)}`;
}

/**
 * Every path under `dir` (relative, `/`-separated), skipping the top-level names in `skip`
 * unless they are symlinks (a committed `.hex-skills` link is the person's file).
 */
export function snapshotDir(dir: string, skip: readonly string[] = []): Snapshot {
  const out: Snapshot = {};
  if (!existsSync(dir)) return out;
  const walk = (relative: string) => {
    const path = relative ? join(dir, relative) : dir;
    for (const name of readdirSync(path).sort()) {
      const child = relative ? `${relative}/${name}` : name;
      const full = join(dir, child);
      const isLink = lstatSync(full).isSymbolicLink();
      if (!relative && skip.includes(name) && !isLink) continue;
      out[child] = entry(full);
      if (!isLink && lstatSync(full).isDirectory()) walk(child);
    }
  };
  walk("");
  return out;
}

/** perfloop's own refs: the result branch and the ledger. */
const OWN_REF = /^refs\/(heads\/)?perfloop\//;

function gitOut(repo: string, args: string[]): string {
  const result = spawnSync("git", args, { cwd: repo, encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin", GIT_CONFIG_NOSYSTEM: "1", HOME: "/nonexistent" } });
  return `${result.status} ${result.stdout}${result.stderr}`;
}

function fileOrNone(path: string): string {
  try {
    return lstatSync(path).isFile() ? readFileSync(path, "latin1") : entry(path);
  } catch {
    return "(none)";
  }
}

/** packed-refs without perfloop's own entries (and their peeled `^` lines). */
function packedRefs(gitDir: string): string {
  const lines = fileOrNone(join(gitDir, "packed-refs")).split("\n");
  const kept: string[] = [];
  let dropping = false;
  for (const line of lines) {
    if (line.startsWith("^")) {
      if (!dropping) kept.push(line);
      continue;
    }
    dropping = OWN_REF.test(line.split(" ")[1] ?? "");
    if (!dropping) kept.push(line);
  }
  return kept.join("\n");
}

/** The person's git state. `.git/info/exclude` may gain perfloop's `.hex-skills/` line (and its comment). */
export function gitState(repo: string): Snapshot {
  const gitDir = join(repo, ".git");
  const listed = gitOut(repo, ["for-each-ref", "--format=%(refname) %(objectname) %(symref)"]);
  const exclude = fileOrNone(join(gitDir, "info", "exclude")).replace(/^(# perfloop.*|\.hex-skills\/)\n/gm, "");
  const state: Snapshot = {
    "git:HEAD": fileOrNone(join(gitDir, "HEAD")),
    "git:head-commit": gitOut(repo, ["rev-parse", "HEAD"]),
    "git:index": createHash("sha256").update(fileOrNone(join(gitDir, "index")), "latin1").digest("hex"),
    "git:config": fileOrNone(join(gitDir, "config")),
    "git:for-each-ref": listed.startsWith("0 ") ? "0" : listed,
    "git:packed-refs": packedRefs(gitDir),
    "git:info/exclude": exclude,
  };
  // One key per ref, so that a difference names the ref.
  for (const line of listed.replace(/^\d+ /, "").split("\n")) {
    const [name, ...rest] = line.split(" ");
    if (name && !OWN_REF.test(name)) state[`git:ref ${name}`] = rest.join(" ");
  }
  for (const [path, value] of Object.entries(snapshotDir(join(gitDir, "hooks")))) state[`git:hooks/${path}`] = value;
  for (const [path, value] of Object.entries(snapshotDir(join(gitDir, "refs")))) {
    if (!OWN_REF.test(`refs/${path}`) && path !== "perfloop" && path !== "heads/perfloop") state[`git:refs-dir/${path}`] = value;
  }
  return state;
}

/** `git fsck` in the person's repository: "" when clean, else what it said. */
export function fsckProblems(repo: string): string {
  const out = gitOut(repo, ["fsck", "--no-progress", "--no-dangling"]);
  return out.startsWith("0 ") && !/error|missing|broken|corrupt/i.test(out) ? "" : out.trim();
}

/** Everything of a world that must not change: the person's files and git state, outside/, hyp/ and home/. */
export function worldState(world: World, tracked: readonly string[] = []): Snapshot {
  const state: Snapshot = {};
  for (const [path, value] of Object.entries(snapshotDir(world.repo, [".git", ".hex-skills"]))) state[`repo:${path}`] = value;
  // Files the person committed under .hex-skills/ are theirs too.
  for (const path of tracked) state[`repo:${path}`] = existsSync(join(world.repo, path)) || isLink(join(world.repo, path)) ? entry(join(world.repo, path)) : "(none)";
  Object.assign(state, gitState(world.repo));
  for (const name of ["outside", "hyp", "home"] as const) {
    for (const [path, value] of Object.entries(snapshotDir(world[name]))) state[`${name}:${path}`] = value;
  }
  return state;
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** What differs between two snapshots, one line per path: `added`, `removed` or `changed`. */
export function snapshotDiff(before: Snapshot, after: Snapshot): string[] {
  const lines: string[] = [];
  for (const key of Object.keys(before)) {
    if (!(key in after)) lines.push(`removed ${key}`);
    else if (after[key] !== before[key]) lines.push(`changed ${key}: ${short(before[key]!)} => ${short(after[key]!)}`);
  }
  for (const key of Object.keys(after)) if (!(key in before)) lines.push(`added ${key}: ${short(after[key]!)}`);
  return lines;
}

function short(text: string): string {
  const flat = text.replace(/\n/g, "\\n");
  return flat.length > 160 ? `${flat.slice(0, 160)}…` : flat;
}
