/**
 * Where perfloop's words go: plain text for people (colour only on a terminal, never with
 * --no-color or NO_COLOR), or exactly one JSON document with --json.
 */
export interface OutputSink {
  writeStdout(text: string): void;
  writeStderr(text: string): void;
}

export interface OutputOptions {
  json: boolean;
  color: boolean;
}

const ANSI = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39] } as const;
export type Style = keyof typeof ANSI;

export class Output {
  constructor(
    private readonly sink: OutputSink,
    readonly options: OutputOptions,
  ) {}

  style(style: Style, text: string): string {
    if (!this.options.color) return text;
    const [open, close] = ANSI[style];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  }

  /** A line for people on stdout; nothing in --json mode. */
  line(text = ""): void {
    if (!this.options.json) this.sink.writeStdout(`${text}\n`);
  }

  /** A warning or progress note for people, on stderr; nothing in --json mode. */
  note(text: string): void {
    if (!this.options.json) this.sink.writeStderr(`${text}\n`);
  }

  /** The one JSON document of a --json run (2-space indented). */
  json(value: unknown): void {
    this.sink.writeStdout(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** An error: one line on stderr (or a JSON object on stderr in --json mode). */
  error(message: string, hint?: string, code?: string): void {
    if (this.options.json) {
      this.sink.writeStderr(`${JSON.stringify({ ok: false, error: message, code, hint })}\n`);
      return;
    }
    const tail = hint ? ` (${hint})` : "";
    this.sink.writeStderr(`${this.style("red", "perfloop:")} ${message}${tail}\n`);
  }
}

/** Colour is on only for a terminal, and off with --no-color or a non-empty NO_COLOR. */
export function colorEnabled(flag: boolean, env: Readonly<Record<string, string | undefined>>, isTTY: boolean): boolean {
  if (!flag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && !["", "0", "false"].includes(force.toLowerCase())) return true;
  return isTTY && env.TERM !== "dumb";
}
