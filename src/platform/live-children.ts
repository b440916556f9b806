/**
 * The process groups of perfloop's running children, so none outlives perfloop.
 *
 * Each child starts in a session of its own (its pid is its process-group id) so that a timeout can
 * kill its whole tree. The price: a Ctrl-C at the terminal, sent to the terminal's foreground group,
 * no longer reaches it. So while children run, SIGINT, SIGTERM and SIGHUP sent to perfloop are
 * forwarded to their groups; when perfloop has no other listener for that signal, the groups also
 * get SIGTERM and the signal is raised again on perfloop so its default action (ending perfloop)
 * still happens. With another listener, perfloop goes on, and `spawn` returns as the child ends. On
 * a normal exit
 * (`process.exit`), remaining groups get SIGKILL. Only a SIGKILL of perfloop itself leaves children
 * running, until they end on their own.
 *
 * The registry is module state on purpose: signal handlers and children belong to the process, not
 * to one Platform object.
 */
import process from "node:process";

const FORWARDED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
type ForwardedSignal = (typeof FORWARDED_SIGNALS)[number];

const groups = new Set<number>();
/** Groups that get forwarded signals but are not killed on exit (a resident spawner ends its own children when its input closes). */
const forwardOnly = new Set<number>();
/** Children starting or running; the handlers are installed while this is above zero. */
let slots = 0;
const forwarders = new Map<ForwardedSignal, () => void>();

/** Sends `signal` to every process in group `pgid`; a group that is already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: every process of the group has ended.
  }
}

/**
 * Reserves a place for a child that is about to start: the handlers are installed BEFORE the spawn,
 * so no signal slips between the spawn and the registration. `attach` its group once started;
 * `release` once it has ended (or failed to start).
 */
export function reserveGroupSlot(options: { killOnExit?: boolean } = {}): { attach(pgid: number): void; release(): void } {
  if (slots === 0) install();
  slots++;
  const set = options.killOnExit === false ? forwardOnly : groups;
  let pgid: number | undefined;
  let released = false;
  return {
    attach(id) {
      pgid = id;
      set.add(id);
    },
    release() {
      if (released) return;
      released = true;
      if (pgid !== undefined) set.delete(pgid);
      if (--slots === 0) uninstall();
    },
  };
}

/** Sends `signal` to every running child's group (the resident spawner forwards what perfloop sends it). */
export function signalAllGroups(signal: NodeJS.Signals): void {
  for (const pgid of groups) signalGroup(pgid, signal);
}

/** SIGKILL to every running child's group (the resident spawner, when perfloop is gone). */
export function killAllGroups(): void {
  killAll();
}

function killAll(): void {
  for (const pgid of groups) signalGroup(pgid, "SIGKILL");
}

function install(): void {
  process.on("exit", killAll);
  for (const signal of FORWARDED_SIGNALS) {
    const forward = () => {
      for (const pgid of [...groups, ...forwardOnly]) signalGroup(pgid, signal);
      if (process.listenerCount(signal) === 1) {
        // perfloop is about to die of it. SIGTERM also reaches background jobs of a `sh -c`, which
        // start with SIGINT ignored (POSIX) and would otherwise survive a Ctrl-C.
        if (signal !== "SIGTERM") for (const pgid of [...groups, ...forwardOnly]) signalGroup(pgid, "SIGTERM");
        uninstall();
        process.kill(process.pid, signal);
      }
    };
    forwarders.set(signal, forward);
    process.on(signal, forward);
  }
}

function uninstall(): void {
  process.off("exit", killAll);
  for (const [signal, forward] of forwarders) process.off(signal, forward);
  forwarders.clear();
}
