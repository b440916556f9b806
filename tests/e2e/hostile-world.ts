/**
 * One hostile case's world, in a fresh temporary directory:
 *
 *   repo/     the person's repository: tests/fixtures/hostile committed on `main`, branches
 *             `feature` and `try-fast`, tags `v1` (light) and `v2` (annotated), and the ignored
 *             `node_modules/` (victim/index.js, .bin/x, a link .bin/victim) and `.env`
 *   outside/  the rest of the person's disk (a file, a subfolder, an executable, a link)
 *   hyp/      the hypotheses file and its patch files
 *   home/     HOME of every command of the case
 *   tmp/      TMPDIR of every command of the case
 *
 * Not a test file itself (no `.test.` in the name).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";

const FIXTURE = resolve(import.meta.dirname, "..", "fixtures", "hostile");

/** The fixture's target and tests. */
export const TARGET = "sh work.sh";
export const TEST = "sh test.sh";

/** The loop of work.sh, and the one line that replaces it (about 30x less time). */
export const LOOP = "while [ $i -lt $n ]; do\n  i=$((i + 1))\n  t=$((i * 1))\n  s=$((s + t))\ndone";
export const CLOSED = "s=$((n * (n + 1) / 2))";

export interface World {
  /** The case's temporary directory (holds everything below). */
  root: string;
  repo: string;
  outside: string;
  hyp: string;
  home: string;
  tmp: string;
  /** Unique to the case: in the environment of everything it starts (HOSTILE_MARK), and usable in commands. */
  mark: string;
  /** A number for `sleep` that no other case uses (so that /proc/<pid>/cmdline names the case). */
  sleep: string;
  /** The environment perfloop runs with. */
  env: Record<string, string>;
}

const GIT_ENV = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t", GIT_CONFIG_NOSYSTEM: "1" };

export function git(world: World, ...args: string[]): string {
  const result = spawnSync("git", args, { cwd: world.repo, encoding: "utf8", env: { ...world.env, ...GIT_ENV } });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/** Runs `sh -c` in the case's world (for setup steps such as mkfifo). */
export function sh(world: World, script: string, cwd = world.root): string {
  const result = spawnSync("sh", ["-c", script], { cwd, encoding: "utf8", env: { ...world.env, ...GIT_ENV } });
  if (result.status !== 0) throw new Error(`sh -c ${script}: ${result.stderr}`);
  return result.stdout;
}

function write(path: string, text: string | Uint8Array, mode?: number): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  if (mode !== undefined) chmodSync(path, mode);
}

let counter = 0;

/** A new world for case `name`; `commit` may change the repository before its first commit. */
export function makeWorld(name: string, options: { beforeCommit?: (world: World) => void } = {}): World {
  const root = mkdtempSync(join(tmpdir(), `perfloop-hostile-${name.replace(/[^A-Za-z0-9-]/g, "")}-`));
  const unique = `${process.pid}${++counter}${Math.floor(Math.random() * 1e6)}`;
  const world: World = {
    root,
    repo: join(root, "repo"),
    outside: join(root, "outside"),
    hyp: join(root, "hyp"),
    home: join(root, "home"),
    tmp: join(root, "tmp"),
    mark: `hostile${unique}`,
    sleep: `1234.${unique}`,
    env: {},
  };
  for (const dir of [world.hyp, world.home, world.tmp]) mkdirSync(dir);
  world.env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    LANG: "C.UTF-8",
    HOME: world.home,
    TMPDIR: world.tmp,
    NO_COLOR: "1",
    CI: "1",
    HOSTILE_MARK: world.mark,
  };

  // The rest of the person's disk.
  write(join(world.outside, "secret.txt"), "the person's secret\n");
  write(join(world.outside, "sub", "notes.md"), "# notes\n");
  write(join(world.outside, "run.sh"), "#!/bin/sh\necho outside\n", 0o755);
  symlinkSync("secret.txt", join(world.outside, "link"));

  // The person's project, committed; then what git ignores.
  cpSync(FIXTURE, world.repo, { recursive: true });
  renameSync(join(world.repo, "gitignore"), join(world.repo, ".gitignore"));
  git(world, "init", "-q", "-b", "main");
  options.beforeCommit?.(world);
  git(world, "add", "-A");
  git(world, "commit", "-qm", "base");
  git(world, "tag", "v1");
  git(world, "tag", "-a", "v2", "-m", "release 2");
  git(world, "checkout", "-q", "-b", "feature");
  write(join(world.repo, "feature.txt"), "a feature\n");
  git(world, "add", "feature.txt");
  git(world, "commit", "-qm", "feature");
  git(world, "checkout", "-q", "main");
  git(world, "branch", "try-fast", "main");
  git(world, "pack-refs", "--all");
  git(world, "tag", "v3-loose");

  write(join(world.repo, "node_modules", "victim", "index.js"), "module.exports = 'the person\\'s dependency';\n");
  write(join(world.repo, "node_modules", "victim", "package.json"), '{ "name": "victim", "version": "1.0.0" }\n');
  write(join(world.repo, "node_modules", ".bin", "x"), "#!/bin/sh\necho x\n", 0o755);
  symlinkSync("../victim/index.js", join(world.repo, "node_modules", ".bin", "victim"));
  write(join(world.repo, ".env"), "API_KEY=the-person-s-key\n", 0o600);
  return world;
}

/** A hypothesis as the corpus writes them (description and evidence filled in). */
export function hypothesis(id: string, change: object, extra: object = {}): object {
  return { id, description: `hostile case ${id}`, evidence: "the hostile corpus", change, ...extra };
}

/** Writes a hypotheses file (version 1) into hyp/; returns its path. */
export function writeHypotheses(world: World, list: object[], name = "hypotheses.json"): string {
  const path = join(world.hyp, name);
  writeFileSync(path, JSON.stringify({ version: 1, hypotheses: list }, null, 2));
  return path;
}

/** The closed form, a real gain: lets a case check that the run goes on after a bad hypothesis. */
export function closedForm(id = "GOOD"): object {
  return hypothesis(id, { kind: "edit", file: "work.sh", search: LOOP, replace: CLOSED });
}

/** An edit of work.sh that puts `line` before the loop (a change of the target's behaviour). */
export function prepend(id: string, line: string): object {
  return hypothesis(id, { kind: "edit", file: "work.sh", search: "n=${1:-12000}\n", replace: `n=\${1:-12000}\n${line}\n` });
}

/** A git-style patch that creates `path` holding `text` (mode 100644, or 120000 for a symlink to `text`). */
export function newFilePatch(path: string, text: string, mode = "100644"): string {
  const lines = text.split("\n");
  const body = mode === "120000" ? `+${text}\n\\ No newline at end of file\n` : lines.map((line) => `+${line}\n`).join("");
  const count = mode === "120000" ? 1 : lines.length;
  return `diff --git a/${path} b/${path}\nnew file mode ${mode}\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1${count === 1 ? "" : `,${count}`} @@\n${body}`;
}

/** A plain unified diff (no git header, names used as they are) that creates `path`. */
export function plainNewFilePatch(path: string, text: string): string {
  return `--- /dev/null\n+++ ${path}\n@@ -0,0 +1 @@\n+${text}\n`;
}
