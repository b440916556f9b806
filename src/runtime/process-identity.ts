/**
 * Who a pid is, from /proc (Linux): when the process started (so a reused pid is told apart from
 * the process that took a lock) and its command line (so a live process that is not perfloop is
 * told apart from a perfloop). Where /proc is absent (macOS), nothing is known and the locks fall
 * back to "alive means held".
 */
import { existsSync, readFileSync } from "node:fs";

const PROC = "/proc";
/** proc(5): field 22 of /proc/<pid>/stat is the start time in clock ticks after boot. */
const STAT_START_TIME_FIELD = 22;
/** Fields after the command name (field 2, in parentheses) start at field 3. */
const STAT_FIELDS_AFTER_NAME = 3;
/** Characters of a holder's command line quoted in messages. */
const COMMAND_SHOWN_CHARS = 120;

export function procAvailable(): boolean {
  return existsSync(`${PROC}/self/stat`);
}

function readProc(pid: number, file: string): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    return readFileSync(`${PROC}/${pid}/${file}`, "utf8");
  } catch {
    return null;
  }
}

/** The process's start time (clock ticks after boot, as text), or null when unknown. */
export function processStartTime(pid: number): string | null {
  const stat = readProc(pid, "stat");
  if (stat === null) return null;
  // The name may hold spaces and parentheses: the fields after it follow the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const value = fields[STAT_START_TIME_FIELD - STAT_FIELDS_AFTER_NAME];
  return value && /^\d+$/.test(value) ? value : null;
}

/** The process's arguments (argv), or null when unknown; [] for a kernel thread or a zombie. */
export function processCommandLine(pid: number): string[] | null {
  const text = readProc(pid, "cmdline");
  if (text === null) return null;
  const args = text.split("\0");
  if (args.at(-1) === "") args.pop();
  return args;
}

const isEntry = (arg: string) => /(^|\/)src\/main\.ts$/.test(arg);
const isPerfloop = (arg: string) => /^perfloop/i.test(arg.slice(arg.lastIndexOf("/") + 1));

/**
 * A perfloop: the binary (any argument whose file name starts with "perfloop") or the sources
 * run by a runtime (an argument ending in src/main.ts).
 */
export function namesPerfloop(argv: readonly string[]): boolean {
  return argv.some((arg) => isPerfloop(arg) || isEntry(arg));
}

/** `perfloop <its arguments>` for a perfloop's command line, else the command line; shortened. */
export function describeCommand(argv: readonly string[]): string {
  const at = argv.findIndex((arg) => isPerfloop(arg) || isEntry(arg));
  const quote = (arg: string) => (/^[\w./:=@%+-]+$/.test(arg) ? arg : JSON.stringify(arg));
  const words = at === -1 ? argv.map(quote) : ["perfloop", ...argv.slice(at + 1).map(quote)];
  const text = words.join(" ");
  return text.length > COMMAND_SHOWN_CHARS ? `${text.slice(0, COMMAND_SHOWN_CHARS - 1)}…` : text;
}
