/**
 * The processes a test's perfloop left running, found through /proc by their working directory
 * (a server perfloop starts, and what that server starts, run in a side tree, the preflight copy
 * or the project root). Linux only. Not a test file itself (no `.test.` in the name).
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import process from "node:process";

/** Processes whose working directory starts with one of `roots` (a server and what it started run in a side tree or the preflight copy). */
export function processesIn(roots: readonly string[]): string[] {
  const found: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${entry}/cwd`);
    } catch {
      continue; // gone, or not ours to read
    }
    if (!roots.some((root) => cwd.startsWith(root))) continue;
    let command = "";
    try {
      command = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim();
    } catch {}
    found.push(`${entry} (${command}) in ${cwd}`);
  }
  return found;
}

/** Waits up to `ms` for no process to be left in `roots`; the ones still there. */
export async function leftAfter(roots: readonly string[], ms: number): Promise<string[]> {
  const until = Date.now() + ms;
  for (;;) {
    const left = processesIn(roots);
    if (left.length === 0 || Date.now() > until) return left;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
