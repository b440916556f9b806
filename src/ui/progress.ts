/**
 * Progress for long work: a clack spinner on a terminal, plain lines on stderr when `CI` is set or
 * output is not a terminal (throttled so a 60-run profile prints a handful of lines), and nothing
 * at all with --json. clack is imported lazily: it costs ~25 ms at startup (FACTS.md).
 */
import process from "node:process";

export interface Progress {
  start(message: string): Promise<void>;
  /** `important`: printed even within the plain lines' interval (a new phase, say). */
  update(message: string, important?: boolean): void;
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

export function createProgress(mode: ProgressMode, write: (text: string) => void = (text) => void process.stderr.write(text), now: () => number = Date.now): Progress {
  if (mode === "silent") {
    return { start: async () => {}, update: () => {}, stop: () => {}, fail: () => {} };
  }
  if (mode === "lines") {
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
  let spin: { start(m?: string): void; message(m?: string): void; stop(m?: string): void; error(m?: string): void } | null = null;
  return {
    start: async (message) => {
      const clack = await import("@clack/prompts");
      spin = clack.spinner({ output: process.stderr, indicator: "timer" });
      spin.start(message);
    },
    update: (message) => spin?.message(message),
    // A stopped spinner is forgotten: stopping it again (after a prompt stopped it) prints nothing.
    stop: (message) => {
      spin?.stop(message);
      spin = null;
    },
    fail: (message) => {
      spin?.error(message);
      spin = null;
    },
  };
}
