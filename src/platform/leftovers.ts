/**
 * Processes a command leaves behind, and ending them when its round ends (docs/safety.md).
 *
 * Two kinds are left: members of the command's own process group still running when its first
 * process exits (`server &`), and processes that left the group or the session (a daemon that
 * double-forks and calls setsid). The first kind is found by its group id. The second is found
 * through PR_SET_CHILD_SUBREAPER: perfloop's resident spawner marks itself a subreaper, so an
 * orphaned descendant is re-parented to the spawner instead of to init, and after each command the
 * spawner's children that it did not start itself are the command's leftovers.
 *
 * Linux's /proc is read for the counts; elsewhere a group is still ended, uncounted.
 */
import { readdirSync, readFileSync } from "node:fs";
import process from "node:process";
import { PR_SET_CHILD_SUBREAPER, type Libc } from "./libc.ts";

/** How long ended orphans get to become reapable zombies. */
const REAP_WAIT_MS = 1_000;
const REAP_POLL_MS = 5;
/** Each pass ends the orphans found; their own children are re-parented and found by the next pass. */
const MAX_PASSES = 50;

interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
}

/** /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces and parentheses. */
function readStat(pid: number | string): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { pid: Number(pid), state: fields[0] ?? "?", ppid: Number(fields[1]), pgrp: Number(fields[2]) };
}

function allProcesses(): ProcStat[] | null {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return null;
  }
  const out: ProcStat[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(name);
    if (stat) out.push(stat);
  }
  return out;
}

function signal(target: number, name: NodeJS.Signals | 0): boolean {
  try {
    process.kill(target, name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Ends what is left of process group `pgid` once its leader has exited: every member gets SIGKILL.
 * Returns how many were still running (zombies not counted), 0 when the group is gone, or null
 * when they could not be counted (no /proc) but the group was ended.
 */
export function endGroup(pgid: number): number | null {
  if (!signal(-pgid, 0)) return 0;
  const members = allProcesses()?.filter((p) => p.pgrp === pgid && p.state !== "Z").length ?? null;
  signal(-pgid, "SIGKILL");
  return members;
}

/** Marks this process as the reaper of its orphaned descendants; false where that is not possible. */
export function becomeSubreaper(libc: Libc): boolean {
  return libc.prctl(PR_SET_CHILD_SUBREAPER, 1) === 0;
}

/** The children of process `pid`, from /proc/<pid>/task/<tid>/children (any thread may be the parent). */
function childrenOf(pid: number): number[] {
  const children = new Set<number>();
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  let listed = false;
  for (const tid of tasks) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8");
      listed = true;
      for (const word of text.split(" ")) if (/^\d+$/.test(word)) children.add(Number(word));
    } catch {
      // Kernels without CONFIG_PROC_CHILDREN: scan /proc below.
    }
  }
  if (!listed) for (const p of allProcesses() ?? []) if (p.ppid === pid) children.add(p.pid);
  return [...children];
}

/**
 * Ends and reaps every child of this (subreaper) process that is not in `keep`: the orphans the
 * last command left. Returns how many of them were still running.
 */
export function endOrphans(libc: Libc, keep: ReadonlySet<number>): number {
  const self = process.pid;
  const ended = new Set<number>();
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const orphans = childrenOf(self).filter((pid) => !keep.has(pid));
    if (orphans.length === 0) break;
    for (const pid of orphans) {
      const stat = readStat(pid);
      if (stat && stat.state !== "Z" && !ended.has(pid)) {
        ended.add(pid);
        signal(pid, "SIGKILL");
      }
    }
    const deadline = Date.now() + REAP_WAIT_MS;
    const waiting = new Set(orphans);
    while (waiting.size > 0 && Date.now() < deadline) {
      for (const pid of waiting) if (libc.reap(pid) !== 0) waiting.delete(pid);
      if (waiting.size > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, REAP_POLL_MS);
    }
  }
  return ended.size;
}
