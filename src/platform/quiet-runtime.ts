/**
 * A quiet runtime for measuring: while a measured command runs, perfloop's own process must not
 * compete with it for the CPU. Under Bun two kinds of background thread did (strace -f of a
 * `perfloop profile` run, bench/vs-hyperfine, docs/measurement.md "perfloop's own process"):
 *
 * - JavaScriptCore's JIT workers compile perfloop's hot functions (the statistics) on other threads,
 *   so the compiling happens while perfloop waits for the child;
 * - mimalloc's scavenger thread returns freed pages to the system (madvise(MADV_DONTNEED): 29 + 10
 *   calls during one run of a 270 ms loop under the binary, 84 from source), each a TLB shootdown,
 *   which costs a VM exit on a virtual machine.
 *
 * On a 2-CPU machine those threads compete with the command (how much of the gap to hyperfine they
 * explain: docs/measurement.md). Both are switched off with environment variables that the runtime
 * reads only at startup, so a measuring command replaces its own process (execve, same pid, before anything else
 * runs) with one started with them set. JIT compilation then happens on perfloop's main thread,
 * between runs, and freed memory is kept for reuse.
 *
 * The person's command must see the person's environment, not these settings: the replacement
 * process records what the variables were (`PERFLOOP_QUIET_SAVED`) and `personEnvironment` gives
 * them back for every child perfloop starts. Set `PERFLOOP_QUIET=0` to keep the runtime as it is.
 */
import process from "node:process";

/** JSC (BUN_JSC_*) and mimalloc options read once at startup; names and values as those libraries spell them. */
export const QUIET_SETTINGS: Readonly<Record<string, string>> = {
  BUN_JSC_useConcurrentJIT: "0",
  MIMALLOC_PURGE_DELAY: "-1",
};
/** Set in the replacement process: it is quiet already (and must not replace itself again). */
export const QUIET_MARKER = "PERFLOOP_QUIET_ACTIVE";
/** The person's own values of the QUIET_SETTINGS names before the replacement (JSON, null = unset). */
export const QUIET_SAVED = "PERFLOOP_QUIET_SAVED";
/** The person's switch: "0" keeps the runtime as it started. */
export const QUIET_SWITCH = "PERFLOOP_QUIET";

/**
 * The commands that measure a command and so restart quietly from their arguments alone; the rest
 * start as fast as they can. `resume` learns its target from the run on disk and restarts itself
 * (src/cli/resume.ts, restartQuietly in index.ts).
 */
export const MEASURING_COMMANDS: ReadonlySet<string> = new Set(["profile", "compare", "execute", "run", "demo"]);

type Env = Readonly<Record<string, string | undefined>>;

/** Asking for help or the version measures nothing, whatever command it names. */
const NOTHING_TO_MEASURE: ReadonlySet<string> = new Set(["--help", "-h", "--version", "-v"]);

/**
 * True when `args` name a measuring command (any argument: a global flag may come before it), do
 * not only ask for help, and name no `fn:` target: a function is benchmarked inside perfloop's own
 * process, and must be measured with the runtime's JIT as the person's program has it. The
 * replacement costs one more start of the runtime (about 20 ms).
 */
export function wantsQuietRuntime(args: readonly string[], env: Env): boolean {
  if (!mayRestart(env)) return false;
  if (args.some((arg) => NOTHING_TO_MEASURE.has(arg) || arg.trim().startsWith("fn:"))) return false;
  return args.some((arg) => MEASURING_COMMANDS.has(arg));
}

/** False in a process that is quiet already, or when the person said PERFLOOP_QUIET=0. */
function mayRestart(env: Env): boolean {
  return env[QUIET_MARKER] !== "1" && env[QUIET_SWITCH] !== "0";
}

/** The environment of the replacement process: the settings, the marker, and what they replaced. */
export function quietEnvironment(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value;
  const saved: Record<string, string | null> = {};
  for (const [name, value] of Object.entries(QUIET_SETTINGS)) {
    saved[name] = env[name] ?? null;
    out[name] = value;
  }
  out[QUIET_MARKER] = "1";
  out[QUIET_SAVED] = JSON.stringify(saved);
  return out;
}

/**
 * The environment as the person gave it: in a quiet process, without the settings and the marker
 * and with the person's own values of those names back; otherwise `env` itself.
 */
export function personEnvironment(env: Env): Env {
  if (env[QUIET_MARKER] !== "1") return env;
  const saved = parseSaved(env[QUIET_SAVED]);
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name === QUIET_MARKER || name === QUIET_SAVED || name in QUIET_SETTINGS) continue;
    out[name] = value;
  }
  for (const [name, value] of Object.entries(saved)) if (value !== null && name in QUIET_SETTINGS) out[name] = value;
  return Object.freeze(out);
}

function parseSaved(text: string | undefined): Record<string, string | null> {
  if (text === undefined) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== "object" || Array.isArray(value)) return {};
    const out: Record<string, string | null> = {};
    for (const [name, saved] of Object.entries(value)) if (typeof saved === "string" || saved === null) out[name] = saved;
    return out;
  } catch {
    return {};
  }
}

/**
 * Replaces this process with the same program started quietly, when `args` name a measuring
 * command and the runtime can (Bun's process.execve). Returns only when it does not replace it:
 * not wanted, not supported, or execve failed (then perfloop runs on as it is).
 */
export function enterQuietRuntime(selfCommand: readonly string[], args: readonly string[]): void {
  if (wantsQuietRuntime(args, process.env)) replaceWithQuietProcess(selfCommand, args);
}

/**
 * Replaces this process with `selfCommand args` started quietly, whatever the command (a benchmark
 * driver uses it), unless it is quiet already or PERFLOOP_QUIET=0. Returns when it cannot.
 */
export function replaceWithQuietProcess(selfCommand: readonly string[], args: readonly string[]): void {
  if (!mayRestart(process.env)) return;
  const execve = (process as { execve?: (file: string, argv: string[], env: Record<string, string>) => never }).execve;
  const [file] = selfCommand;
  if (typeof execve !== "function" || file === undefined) return;
  try {
    execve(file, [...selfCommand, ...args], quietEnvironment(process.env));
  } catch {
    // Not replaced: measure with the runtime as it is.
  }
}
