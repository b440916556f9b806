/**
 * How long a command waited for a CPU: the time its processes were runnable but not running
 * because other work held every CPU (a busy host). That time stretches the wall time without being
 * the command's own computation, I/O or sleep, so the performance map takes it out before it
 * compares CPU time with wall time (docs/profile-rules.md, "Bottleneck classification"). Linux
 * only: it is read from /proc; elsewhere every reading is null.
 *
 *  - The process tree's own wait (source "schedstat"). While the child runs, every poll (the first
 *    after FIRST_POLL_MS, each interval twice the last, up to POLL_MS) finds the members of its
 *    session (/proc/<pid>/stat field 6: the child leads a session of its own, spawn-runner.ts)
 *    among the pids not below the child's (a descendant gets a higher pid unless the pid counter
 *    wraps), and reads /proc/<pid>/task/<tid>/schedstat of each of their threads: field 1 is the
 *    thread's time on a CPU and field 2 its run-queue wait, in ns since it was created (sched_fork
 *    zeroes them; exec keeps them). The last reading of every thread seen gives the tree's seen
 *    CPU time and seen wait. Not everything is seen: the time after the last poll, and processes
 *    that start and end between two polls (a shell's `sed`, a version manager's shim scripts). The
 *    seen wait is therefore scaled by the share of the tree's CPU time (its rusage, which counts
 *    every process it reaped) that was seen: wait = seen wait x CPU / seen CPU, the unseen part of
 *    the tree taken to have waited at the rate of the seen part.
 *  - The host's run queue (source "loadavg"), when no schedstat was read (a run shorter than the
 *    first poll, a kernel without schedstat): /proc/loadavg field 4 counts the runnable tasks, R,
 *    read before the start and after the end (the reader, perfloop, stands in for the command's
 *    place in the queue). With N CPUs (the `cpuN` lines of /proc/stat) shared fairly, a runnable
 *    task waits f = 1 - N/R of the time, so a command with CPU time C waited C * f / (1 - f).
 *  - Steal, either way: /proc/stat's `steal` is time the hypervisor gave this VM's CPUs to another
 *    guest. A task loses about that share s of its running time, and the kernel counts it neither as
 *    the task's CPU time nor as its run-queue wait: C * s / (1 - s) is added.
 * Reading costs a few file reads per poll (about 10 µs each), none of them inside the child.
 */
import { readdirSync, readFileSync } from "node:fs";

/** First poll after the start, and the longest interval between polls (ms). */
const FIRST_POLL_MS = 5;
const POLL_MS = 50;
/** The fair-share wait fraction is capped here: R/N beyond 10 says "very busy", not more. */
const MAX_WAIT_FRACTION = 0.9;

export interface CpuWait {
  /** Run-queue wait plus steal of the command's process tree (ms); null when /proc could not tell. */
  readonly cpuWaitMs: number | null;
  readonly cpuWaitSource: "schedstat" | "loadavg" | null;
}

export const UNKNOWN_CPU_WAIT: CpuWait = { cpuWaitMs: null, cpuWaitSource: null };

interface HostSample {
  /** Runnable tasks (/proc/loadavg field 4, before the slash). */
  runnable: number;
  /** Jiffies over every CPU: all of them, and steal. */
  total: number;
  steal: number;
  cpus: number;
}

function readHost(): HostSample | null {
  try {
    const loadavg = readFileSync("/proc/loadavg", "utf8").split(" ");
    const runnable = Number((loadavg[3] ?? "").split("/")[0]);
    const lines = readFileSync("/proc/stat", "utf8").split("\n");
    const cpu = (lines[0] ?? "").trim().split(/\s+/);
    if (cpu[0] !== "cpu" || !Number.isFinite(runnable)) return null;
    // user nice system idle iowait irq softirq steal guest guest_nice: guest time is inside user.
    const fields = cpu.slice(1, 9).map(Number);
    if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return null;
    const cpus = lines.filter((line) => /^cpu\d+ /.test(line)).length;
    return { runnable, total: fields.reduce((a, b) => a + b, 0), steal: fields[7] as number, cpus: Math.max(1, cpus) };
  } catch {
    return null;
  }
}

/** Wait (ms) of a task with `cpuMs` of CPU among `runnable` tasks on `cpus` CPUs shared fairly. */
export function loadWaitMs(cpuMs: number, runnable: number, cpus: number): number {
  if (!(runnable > cpus) || cpus <= 0) return 0;
  const f = Math.min(MAX_WAIT_FRACTION, 1 - cpus / runnable);
  return (cpuMs * f) / (1 - f);
}

/** Running time lost to steal (ms): `cpuMs` of CPU while a share `steal` of the host's CPU time was stolen. */
export function stealWaitMs(cpuMs: number, steal: number): number {
  if (!(steal > 0)) return 0;
  const s = Math.min(MAX_WAIT_FRACTION, steal);
  return (cpuMs * s) / (1 - s);
}

/** The tree's wait from what the polls saw: `seenWaitMs` over `seenCpuMs` of its `cpuMs` of CPU time (see the module header). */
export function treeWaitMs(seenWaitMs: number, seenCpuMs: number, cpuMs: number): number {
  if (!(seenCpuMs > 0) || cpuMs <= seenCpuMs) return seenWaitMs;
  return (seenWaitMs * cpuMs) / seenCpuMs;
}

interface ThreadTimes {
  /** Time on a CPU and run-queue wait so far (ns). */
  run: number;
  wait: number;
}

/** pid's threads and each one's times so far. */
function readThreadTimes(pid: number, into: Map<number, ThreadTimes>): void {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return;
  }
  for (const tid of tids) {
    try {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").trim().split(" ");
      const run = Number(fields[0]);
      const wait = Number(fields[1]);
      if (Number.isFinite(run) && Number.isFinite(wait)) into.set(Number(tid), { run, wait });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
}

/** Pids (not below `leader`) in `leader`'s session or process group. */
function treeMembers(leader: number): number[] {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return [];
  }
  const members: number[] = [];
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid < leader) continue;
    if (pid === leader) {
      members.push(pid);
      continue;
    }
    try {
      const text = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === leader || Number(fields[3]) === leader) members.push(pid);
    } catch {
      // Ended meanwhile.
    }
  }
  return members;
}

export interface CpuWaitProbe {
  /** Starts polling the tree of the child `pid`, just spawned. */
  watch(pid: number): void;
  /** Stops polling and gives the wait of the run that just ended, whose tree had `cpuMs` of CPU time. */
  finish(cpuMs: number | null): CpuWait;
  /** Stops polling (an error path); harmless after `finish`. */
  stop(): void;
}

/** Reads the host once (call before the spawn's clock starts); a probe that measures nothing where /proc is missing. */
export function startCpuWaitProbe(): CpuWaitProbe {
  const before = readHost();
  /** Last times per thread id; a reading below the last means the tid was reused: the old one is banked. */
  const threads = new Map<number, ThreadTimes>();
  const banked: ThreadTimes = { run: 0, wait: 0 };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = before === null;

  const poll = (leader: number) => {
    const seen = new Map<number, ThreadTimes>();
    for (const pid of treeMembers(leader)) readThreadTimes(pid, seen);
    for (const [tid, times] of seen) {
      const previous = threads.get(tid);
      if (previous !== undefined && times.run < previous.run) {
        banked.run += previous.run;
        banked.wait += previous.wait;
      }
      threads.set(tid, times);
    }
  };
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
  };

  return {
    watch(pid) {
      if (stopped) return;
      const schedule = (interval: number) => {
        timer = setTimeout(() => {
          if (stopped) return;
          poll(pid);
          schedule(Math.min(POLL_MS, interval * 2));
        }, interval);
      };
      schedule(FIRST_POLL_MS);
    },
    finish(cpuMs) {
      const polled = !stopped;
      stop();
      if (!before || !polled || cpuMs === null) return UNKNOWN_CPU_WAIT;
      const after = readHost();
      if (!after) return UNKNOWN_CPU_WAIT;
      const totalJiffies = after.total - before.total;
      const steal = totalJiffies > 0 ? (after.steal - before.steal) / totalJiffies : 0;
      const stolen = stealWaitMs(cpuMs, steal);
      if (threads.size > 0) {
        let run = banked.run;
        let wait = banked.wait;
        for (const times of threads.values()) {
          run += times.run;
          wait += times.wait;
        }
        return { cpuWaitMs: treeWaitMs(wait / 1e6, run / 1e6, cpuMs) + stolen, cpuWaitSource: "schedstat" };
      }
      const runnable = (before.runnable + after.runnable) / 2;
      return { cpuWaitMs: loadWaitMs(cpuMs, runnable, after.cpus) + stolen, cpuWaitSource: "loadavg" };
    },
    stop,
  };
}
