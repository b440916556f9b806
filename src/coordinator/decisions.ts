/**
 * Who answers the run's questions. On a terminal a person does, through clack prompts; otherwise
 * nobody is asked, ever (clack waits forever on a closed stdin: FACTS.md). The policy, the same
 * for every question (docs/run.md, "Questions"):
 *
 *   - interactive (stdin and stderr are terminals, no --yes, no --json, CI unset): ask;
 *   - a question with a safe default (the target, merging, ending at a blocked gate under --yes)
 *     takes it;
 *   - a question without one (a NO_GO plan; a blocked gate without --yes) pauses the run with a
 *     persisted pending decision, exit 3, answered later by `perfloop resume --decide <choice>`.
 *
 * A prompt the person leaves with Esc or Ctrl-C is `CANCELLED`: the run stops at that safe point
 * and can be resumed.
 */
import process from "node:process";

export const CANCELLED = Symbol("cancelled");
export type Answer<T> = T | typeof CANCELLED;

export interface Choice {
  value: string;
  label: string;
  hint?: string;
}

export interface Asker {
  /** A person is there to answer. */
  readonly interactive: boolean;
  /** --yes: take every documented default. */
  readonly yes: boolean;
  /** Shows a block of text to the person (a terminal only). */
  note(title: string, lines: readonly string[]): Promise<void>;
  select(question: string, choices: readonly Choice[], initial: string): Promise<Answer<string>>;
  /** `check` returns an error message for a bad answer, or undefined. */
  text(question: string, options: { placeholder: string; initial?: string; check: (value: string) => string | undefined }): Promise<Answer<string>>;
  confirm(question: string, initial: boolean): Promise<Answer<boolean>>;
}

export function isInteractive(options: { yes: boolean; json: boolean; env: Readonly<Record<string, string | undefined>>; stdinIsTTY: boolean; stderrIsTTY: boolean }): boolean {
  const ci = options.env.CI;
  const inCi = ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false";
  return !options.yes && !options.json && !inCi && options.stdinIsTTY && options.stderrIsTTY;
}

/** For scripts: never asks. A call to a prompt is a bug: the policy must have decided before. */
export function scriptedAsker(yes: boolean): Asker {
  const never = async (): Promise<never> => {
    throw new Error("no person to ask: the coordinator must take the default or pause");
  };
  return { interactive: false, yes, note: async () => {}, select: never, text: never, confirm: never };
}

/**
 * clack on the terminal. `around` stops the progress spinner before a prompt and starts it
 * again after, so the two never draw over each other. Its `signal` (Ctrl-C, SIGTERM, `kill -INT`)
 * cancels a prompt on the screen, and once it is aborted no prompt is shown: the answer is
 * CANCELLED. clack is imported when first used.
 */
export function terminalAsker(around: { signal: AbortSignal; before(): Promise<void>; after(): Promise<void> }): Asker {
  const clack = () => import("@clack/prompts");
  const wrap = async <T>(prompt: () => Promise<T | symbol>): Promise<Answer<T>> => {
    if (around.signal.aborted) return CANCELLED;
    await around.before();
    try {
      const value = await prompt();
      const { isCancel } = await clack();
      return isCancel(value) ? CANCELLED : (value as T);
    } finally {
      await around.after();
    }
  };
  return {
    interactive: true,
    yes: false,
    note: async (title, lines) => {
      await around.before();
      (await clack()).note(lines.join("\n"), title, { output: process.stderr });
      await around.after();
    },
    select: async (question, choices, initial) =>
      wrap<string>(async () => (await clack()).select({ message: question, options: choices.map((c) => ({ value: c.value, label: c.label, hint: c.hint })), initialValue: initial, output: process.stderr, signal: around.signal })),
    text: async (question, options) =>
      wrap<string>(async () =>
        (await clack()).text({ message: question, placeholder: options.placeholder, initialValue: options.initial, validate: (value) => options.check(value ?? ""), output: process.stderr, signal: around.signal }),
      ),
    confirm: async (question, initial) => wrap<boolean>(async () => (await clack()).confirm({ message: question, initialValue: initial, output: process.stderr, signal: around.signal })),
  };
}
