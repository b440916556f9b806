/**
 * The full-disk scenario of tests/e2e/full-disk.test.ts, on a tmpfs already mounted at the given
 * directory: for each amount of free space, a fresh repository (tests/fixtures/sum-loop) on the
 * tmpfs, the disk filled to leave that much, `perfloop run` with the closed-form hypothesis, and
 * then, with the space freed, what the error line said to do. Not a test file itself; run as a
 * script (`bun full-disk-scenario.ts <dir>`) inside `unshare -Urm` where mount needs a namespace.
 */
import assert from "node:assert/strict";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { FIXTURES, git } from "../helpers/repo.ts";
import { fillLeaving, PAGE_BYTES } from "../helpers/tmpfs.ts";
import { CLOSED_FORM, runPerfloop, TARGET, TEST } from "./run-helpers.ts";

/**
 * Free space left before each run, in pages: a whole run of the fixture writes about 64 pages
 * (260 KB: the run's files, three side trees, git objects), so these stop it at the lock, the
 * manifest, the history, each snapshot, the summaries, the side trees, the ledger and the report.
 */
export const FREE_PAGES = [0, 1, 2, 3, 4, 6, 8, 10, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64];
const SLUG = "s";
const RUN = ["run", TARGET, "--test", TEST, "--hypotheses", "h.json", "--yes", "--slug", SLUG, "--max-runs", "20"];
/** The one line a full disk must produce; the fix names the way back. */
const ENOSPC_LINE = /^perfloop: cannot (write|create the directory|remove|read) \S+: no space left on device \(ENOSPC\) \(free some space, then (continue with perfloop resume --slug s|run the command again)\)$/;

export interface LevelResult {
  freePages: number;
  code: number;
  line: string | null;
  next: "resume" | "rerun" | null;
}

function freshRepo(mount: string, index: number): string {
  for (const name of readdirSync(mount)) rmSync(join(mount, name), { recursive: true, force: true });
  const dir = join(mount, `repo-${index}`);
  cpSync(join(FIXTURES, "sum-loop"), dir, { recursive: true });
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "base");
  writeFileSync(join(dir, "h.json"), JSON.stringify({ version: 1, hypotheses: [CLOSED_FORM] }));
  return dir;
}

/** Every file perfloop wrote (side trees aside) is whole: JSON parses, history lines parse, no temp file. */
function assertFilesWhole(dir: string, what: string): void {
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const path = join(current, name);
      if (name === "worktree") continue; // the side trees: copies of the repository, replaced by the next run
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      assert.doesNotMatch(name, /\.tmp-/, `${what}: a temp file is left: ${path}`);
      const text = readFileSync(path, "utf8");
      if (name.endsWith(".json")) assert.doesNotThrow(() => JSON.parse(text), `${what}: ${path} is not whole JSON: ${text.slice(-80)}`);
      if (name === "history.jsonl") {
        const complete = text.slice(0, text.lastIndexOf("\n") + 1);
        for (const line of complete.split("\n").filter(Boolean)) assert.doesNotThrow(() => JSON.parse(line), `${what}: ${path} has a torn line`);
        assert.equal(complete, text, `${what}: ${path} ends in a torn line`);
      }
    }
  };
  const state = join(dir, ".hex-skills");
  if (existsSync(state)) walk(state);
}

/** One amount of free space: the run, the checks, then the way back once the space is free. */
async function level(mount: string, index: number, freePages: number): Promise<LevelResult> {
  const dir = freshRepo(mount, index);
  const what = `${freePages} pages free`;
  const filler = fillLeaving(mount, freePages * PAGE_BYTES);
  const first = await runPerfloop(RUN, { cwd: dir, limitMs: 60_000 });
  const both = `${first.stdout}\n${first.stderr}`;
  assert.doesNotMatch(both, /internal error/, `${what}: ${first.stderr}`);
  assert.ok([0, 2, 3].includes(first.code), `${what}: exit ${first.code}\n${first.stderr}`);
  assertFilesWhole(dir, what);
  let line: string | null = null;
  let next: LevelResult["next"] = null;
  if (first.code !== 0) {
    const errors = first.stderr.split("\n").filter((text) => text.startsWith("perfloop:"));
    assert.equal(errors.length, 1, `${what}: one error line:\n${first.stderr}`);
    line = errors[0]!;
    assert.match(line, ENOSPC_LINE, what);
    next = line.includes("perfloop resume") ? "resume" : "rerun";
  }
  rmSync(filler);
  if (next) {
    const again = await runPerfloop(next === "resume" ? ["resume", "--slug", SLUG, "--yes"] : RUN, { cwd: dir, limitMs: 60_000 });
    assert.equal(again.code, 0, `${what}: after freeing space, ${next} exits ${again.code}:\n${again.stderr}`);
  }
  const status = await runPerfloop(["status", "--slug", SLUG, "--json"], { cwd: dir, limitMs: 30_000 });
  assert.equal(status.code, 0, status.stderr);
  assert.deepEqual(status.json.runs, [], `${what}: no run left unfinished`);
  assert.equal(status.json.last_run?.phase, "DONE", `${what}: the run reached DONE`);
  assertFilesWhole(dir, `${what}, at the end`);
  assert.equal(git(dir, "status", "--porcelain"), "?? h.json\n", `${what}: the person's tree is untouched`);
  git(dir, "fsck", "--no-dangling"); // no empty or torn object or ref left in the person's repository
  return { freePages, code: first.code, line, next };
}

/** Runs every level on the tmpfs mounted at `mount`; throws on the first broken rule. */
export async function fullDiskScenario(mount: string, say: (text: string) => void = () => {}): Promise<LevelResult[]> {
  const results: LevelResult[] = [];
  for (const [index, pages] of FREE_PAGES.entries()) {
    const result = await level(mount, index, pages);
    say(`${pages} pages free: exit ${result.code}${result.line ? `: ${result.line}` : ""}`);
    results.push(result);
  }
  for (const name of readdirSync(mount)) rmSync(join(mount, name), { recursive: true, force: true });
  return results;
}

if (import.meta.main) {
  const mount = process.argv[2];
  if (!mount) throw new Error("usage: full-disk-scenario.ts <a mounted tmpfs>");
  const results = await fullDiskScenario(mount, (text) => process.stderr.write(`${text}\n`));
  process.stdout.write(`${JSON.stringify(results)}\n`);
}
