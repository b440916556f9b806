/**
 * Benchmark driver: materializes HEAD of a repository with perfloop's git layer.
 *   bun bench/worktree/driver.ts <repo> <target>          one materialization (timed by hyperfine)
 *   bun bench/worktree/driver.ts --noop <repo>            startup + loading isomorphic-git only
 *   bun bench/worktree/driver.ts --inproc <repo> <tmp> N  N materializations in one process; prints
 *                                                         the median ms (no process startup)
 */
import * as fs from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { materialize } from "../../src/git/materialize.ts";
import { openRepo } from "../../src/git/repo.ts";

const args = process.argv.slice(2);
if (args[0] === "--noop") {
  await import("isomorphic-git");
  await openRepo(fs, args[1] ?? ".");
} else if (args[0] === "--inproc") {
  const [, repoDir = ".", tmp = "/tmp", runs = "10"] = args;
  const repo = await openRepo(fs, repoDir);
  const times: number[] = [];
  for (let i = 0; i < Number(runs); i++) {
    const target = join(tmp, `inproc-${i}`);
    fs.rmSync(target, { recursive: true, force: true });
    const start = performance.now();
    await materialize(repo, "HEAD", target, { linkDependencies: false });
    times.push(performance.now() - start);
    fs.rmSync(target, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  console.log((times[Math.floor(times.length / 2)] ?? 0).toFixed(1));
} else {
  const [repoDir, target] = args;
  if (!repoDir || !target) {
    console.error("usage: driver.ts <repo> <target>");
    process.exit(2);
  }
  await materialize(await openRepo(fs, repoDir), "HEAD", target, { linkDependencies: false });
}
