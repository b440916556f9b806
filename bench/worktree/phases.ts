/**
 * Where a cold materialization spends its time (one process, one run, as perfloop does it):
 * loading isomorphic-git, opening the repository, listing the tree, reading the blobs (pack
 * lookups and pako inflate inside isomorphic-git), writing the files.
 *   bun bench/worktree/phases.ts <repo> <target>      (or: deno run -A bench/worktree/phases.ts ...)
 * env PHASES_FS=snapshot (default, as materialize does) | sync (syncBackedFs) | node (plain node:fs,
 * every call through node:fs/promises): the fs isomorphic-git is given, to measure sync-fs.ts.
 */
import * as fs from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { gitArgs } from "../../src/git/iso.ts";
import { writeEntry, WRITE_CONCURRENCY } from "../../src/git/materialize.ts";
import { mapLimit } from "../../src/git/pool.ts";
import { openRepo } from "../../src/git/repo.ts";
import { objectSnapshotFs, syncBackedFs } from "../../src/git/sync-fs.ts";
import type { GitFs } from "../../src/git/iso.ts";
import { listTree } from "../../src/git/tree.ts";

const [repoDir, target] = process.argv.slice(2);
if (!repoDir || !target) {
  console.error("usage: phases.ts <repo> <target>");
  process.exit(2);
}
const marks: [string, number][] = [["start", performance.now()]];
const mark = (name: string) => marks.push([name, performance.now()]);
const git = await import("isomorphic-git");
mark("import isomorphic-git");
const opened = await openRepo(fs, repoDir);
const kind = process.env.PHASES_FS ?? "snapshot";
const gitFs: GitFs = kind === "node" ? (fs as unknown as GitFs) : kind === "sync" ? syncBackedFs(fs) : objectSnapshotFs(fs, opened.gitdir);
const repo = { ...opened, gitFs };
mark("open");
const listing = await listTree(repo, "HEAD");
mark("list tree");
fs.rmSync(target, { recursive: true, force: true });
fs.mkdirSync(target);
for (const dir of listing.dirs) fs.mkdirSync(join(target, dir));
mark("mkdir");
const files = [...listing.files];
const blobs = await mapLimit(files, WRITE_CONCURRENCY, async ([, item]) => (await git.readBlob({ ...gitArgs(repo), oid: item.oid })).blob);
mark("read blobs");
await mapLimit(files, WRITE_CONCURRENCY, ([path, item], index) => writeEntry(fs, join(target, path), { mode: item.mode, data: blobs[index] as Uint8Array }));
mark("write files");
console.log(`[${kind}] ` + marks.slice(1).map(([name, at], index) => `${name} ${(at - (marks[index]?.[1] ?? at)).toFixed(0)}`).join(", ") + `; total ${((marks.at(-1)?.[1] ?? 0) - (marks[0]?.[1] ?? 0)).toFixed(0)} ms`);
