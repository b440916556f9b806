/**
 * The spinner on a terminal, drawn with clack's symbols so that it sits with clack's prompts, but
 * not clack's spinner: that one holds stdin in raw mode and ends the process with exit 0 when
 * Ctrl-C or Esc is typed (@clack/core's `block()`), so a Ctrl-C while it spun neither stopped at a
 * safe point nor named the resume command.
 *
 * This one holds the terminal's input too, so that keys typed meanwhile neither echo into the
 * animation nor reach the next prompt. A Ctrl-C byte becomes what the terminal sends without raw
 * mode: SIGINT to perfloop (`interrupt`), handled like any other (Platform.onInterrupt). The input
 * is given back to the terminal first, so a second Ctrl-C is the terminal's own SIGINT, which ends
 * perfloop at once with the terminal as it was.
 */
import { S_BAR, S_STEP_ERROR, S_STEP_SUBMIT, unicode } from "@clack/prompts";

/** The parts of a terminal's input stream (process.stdin) the spinner uses. */
export interface TerminalInput {
  readonly isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
  on(event: "data", listener: (chunk: Uint8Array | string) => void): unknown;
  off(event: "data", listener: (chunk: Uint8Array | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export interface SpinnerIo {
  write(text: string): void;
  /** The terminal's width in columns. */
  columns(): number;
  /** The input to hold while spinning; null when stdin is not a terminal (it is left alone). */
  input: TerminalInput | null;
  /** Ctrl-C was typed while the input was held. */
  interrupt(): void;
  now(): number;
  color: boolean;
}

/** clack's frames and their delay (a unicode terminal; the ASCII fallback otherwise). */
const FRAMES = unicode ? ["◒", "◐", "◓", "◑"] : ["•", "o", "O", "0"];
const FRAME_MS = unicode ? 80 : 120;
/** The byte a terminal in raw mode gives for Ctrl-C. */
const CTRL_C = 0x03;
const HIDE_CURSOR = "\u001b[?25l";
const SHOW_CURSOR = "\u001b[?25h";
/** Back to the start of the line, and the line cleared. */
const CLEAR_LINE = "\r\u001b[K";
const COLORS = { frame: 35, done: 32, error: 31, bar: 90 } as const;

/** clack's timer: `[7s]`, `[2m 5s]`. */
export function elapsedText(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.floor(seconds % 60);
  return minutes > 0 ? `[${minutes}m ${rest}s]` : `[${rest}s]`;
}

/**
 * One frame: the symbol, the label (trailing dots dropped, as clack does) and the timer, cut to
 * the width so that it never wraps (a wrapped line could not be redrawn in place).
 */
export function spinnerLine(symbol: string, label: string, elapsedMs: number, columns: number): string {
  const line = `${symbol}  ${label.replace(/\.+$/, "")} ${elapsedText(elapsedMs)}`;
  const width = Math.max(10, columns - 1);
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}

export class Spinner {
  private label = "";
  private started = 0;
  private frame = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private holding = false;

  constructor(private readonly io: SpinnerIo) {}

  start(label: string): void {
    this.label = label;
    this.started = this.io.now();
    this.io.write(`${this.paint("bar", S_BAR)}\n${HIDE_CURSOR}`);
    this.hold();
    this.draw();
    this.timer = setInterval(() => this.draw(), FRAME_MS);
  }

  message(label: string): void {
    this.label = label;
  }

  /** A finished step, kept on the screen above the spinner. */
  step(text: string): void {
    this.io.write(`${CLEAR_LINE}${this.paint("done", S_STEP_SUBMIT)}  ${text}\n`);
    this.draw();
  }

  stop(text: string, outcome: "done" | "error"): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.release();
    const symbol = outcome === "done" ? this.paint("done", S_STEP_SUBMIT) : this.paint("error", S_STEP_ERROR);
    this.io.write(`${CLEAR_LINE}${spinnerLine(symbol, text || this.label, this.io.now() - this.started, Number.POSITIVE_INFINITY)}\n${SHOW_CURSOR}`);
  }

  private draw(): void {
    const symbol = this.paint("frame", FRAMES[this.frame]!);
    this.frame = (this.frame + 1) % FRAMES.length;
    this.io.write(`${CLEAR_LINE}${spinnerLine(symbol, this.label, this.io.now() - this.started, this.io.columns())}`);
  }

  private paint(kind: keyof typeof COLORS, text: string): string {
    return this.io.color ? `\u001b[${COLORS[kind]}m${text}\u001b[39m` : text;
  }

  private readonly onData = (chunk: Uint8Array | string): void => {
    const ctrlC = typeof chunk === "string" ? chunk.includes("\u0003") : chunk.includes(CTRL_C);
    if (!ctrlC) return; // anything else typed is dropped, as clack's spinner drops it
    this.release();
    this.io.write(SHOW_CURSOR);
    this.io.interrupt();
  };

  private hold(): void {
    const input = this.io.input;
    if (!input?.isTTY || !input.setRawMode || this.holding) return;
    this.holding = true;
    input.setRawMode(true);
    input.on("data", this.onData);
    input.resume();
  }

  private release(): void {
    const input = this.io.input;
    if (!input || !this.holding) return;
    this.holding = false;
    input.off("data", this.onData);
    input.setRawMode?.(false);
    input.pause();
  }
}
