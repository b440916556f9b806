/**
 * Progress for long work: a spinner on a terminal (spinner.ts), plain lines on stderr when `CI` is
 * set or output is not a terminal (throttled so a 60-run profile prints a handful of lines), and
 * nothing at all with --json. The spinner is imported lazily: it brings clack, which costs ~25 ms
 * at startup (FACTS.md).
 */
import process from "node:process";
import type { Spinner, SpinnerIo } from "./spinner.ts";

export interface Progress {
  start(message: string): Promise<void>;
  /** `important`: printed even within the plain lines' interval (a new phase, say). */
  update(message: string, important?: boolean): void;
  /** A step that has finished (with its duration, say): kept on the screen, always printed. */
  step(message: string): void;
  stop(message?: string): void;
  fail(message?: string): void;
}

export type ProgressMode = "spinner" | "lines" | "silent";

export function progressMode(options: { json: boolean; env: Readonly<Record<string, string | undefined>>; stderrIsTTY: boolean }): ProgressMode {
  if (options.json) return "silent";
  if (options.env.CI && options.env.CI !== "false" && options.env.CI !== "0") return "lines";
  return options.stderrIsTTY ? "spinner" : "lines";
}

/** Minimum time between two plain progress lines. */
export const LINE_INTERVAL_MS = 2_000;

/** Where progress goes: stderr, the clock, and (for the spinner) the terminal. */
export type ProgressIo = SpinnerIo;

/**
 * The process's own terminal: `write` (stderr) and `now` as given, stdin held by the spinner when
 * it is a terminal (read lazily: touching process.stdin creates the stream), and a Ctrl-C typed
 * while it is held raised as SIGINT to perfloop.
 */
export function terminalIo(write: (text: string) => void, now: () => number, color: boolean): ProgressIo {
  return {
    write,
    now,
    color,
    columns: () => process.stderr.columns ?? 80,
    get input() {
      return process.stdin.isTTY ? process.stdin : null;
    },
    interrupt: () => process.kill(process.pid, "SIGINT"),
  };
}

export function createProgress(mode: ProgressMode, io: ProgressIo): Progress {
  if (mode === "silent") {
    return { start: async () => {}, update: () => {}, step: () => {}, stop: () => {}, fail: () => {} };
  }
  if (mode === "lines") return linesProgress(io.write, io.now);
  let spin: Spinner | null = null;
  return {
    // Starting a spinner that runs gives it the new label.
    start: async (message) => {
      if (spin) return spin.message(message);
      const { Spinner } = await import("./spinner.ts");
      spin = new Spinner(io);
      spin.start(message);
    },
    update: (message) => spin?.message(message),
    step: (message) => spin?.step(message),
    // A stopped spinner is forgotten: stopping it again (after a prompt stopped it) prints nothing.
    stop: (message) => {
      spin?.stop(message ?? "", "done");
      spin = null;
    },
    fail: (message) => {
      spin?.stop(message ?? "", "error");
      spin = null;
    },
  };
}

function linesProgress(write: (text: string) => void, now: () => number): Progress {
  let last = 0;
  let pending: string | null = null;
  return {
    start: async (message) => {
      last = now();
      write(`${message}\n`);
    },
    update: (message, important = false) => {
      pending = message;
      if (important || now() - last >= LINE_INTERVAL_MS) {
        last = now();
        pending = null;
        write(`${message}\n`);
      }
    },
    step: (message) => {
      last = now();
      pending = null;
      write(`${message}\n`);
    },
    stop: (message) => {
      if (message) write(`${message}\n`);
      else if (pending) write(`${pending}\n`);
      pending = null;
    },
    fail: (message) => {
      if (message) write(`${message}\n`);
    },
  };
}
