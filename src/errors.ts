/**
 * Typed errors. Domain code throws these; src/main.ts is the only place that turns them into
 * an exit code and a message. Each carries a stable code, optional data and a hint naming the fix.
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  paused: 3,
  cancelled: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class PerfloopError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly data: Record<string, unknown> | undefined;
  readonly exitCode: ExitCodeValue;

  constructor(
    code: string,
    message: string,
    options: { hint?: string; data?: Record<string, unknown>; exitCode?: ExitCodeValue } = {},
  ) {
    super(message);
    this.name = "PerfloopError";
    this.code = code;
    this.hint = options.hint;
    this.data = options.data;
    this.exitCode = options.exitCode ?? ExitCode.failure;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, data: this.data };
  }
}

/** Bad input or usage: exit 2, one line naming the problem and the fix. */
export class UsageError extends PerfloopError {
  constructor(message: string, hint?: string, data?: Record<string, unknown>) {
    super("usage", message, { hint, data, exitCode: ExitCode.usage });
    this.name = "UsageError";
  }
}

/** A file perfloop wrote earlier no longer parses: exit 2, name the file and how to recover. */
export class CorruptStateError extends PerfloopError {
  constructor(file: string, detail: string, hint?: string) {
    super("corrupt_state", `state file ${file} is corrupt: ${detail}`, { hint, data: { file }, exitCode: ExitCode.usage });
    this.name = "CorruptStateError";
  }
}

/** The person (or a signal) stopped the work: exit 130. */
export class CancelledError extends PerfloopError {
  constructor(message = "cancelled") {
    super("cancelled", message, { exitCode: ExitCode.cancelled });
    this.name = "CancelledError";
  }
}
