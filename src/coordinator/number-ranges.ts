/**
 * Every numeric flag of every command, with its documented range (README.md, docs/run.md), and the
 * one valibot schema that reads them. A value is refused, with the range in the message, when it
 * is not a plain decimal number (`ten`, `0x10`, `NaN`, `Infinity`, an exponent that overflows to
 * Infinity such as `1e400`), not whole where a count is needed, or out of range. Percentages may
 * carry a `%` (`--threshold 5%`). The command line reads them from the raw arguments
 * (src/cli/number-flags.ts): cac's parser would turn `1e3` into 1000 and `99999999999999999999`
 * into 1e20 before anyone sees them. Preflight checks the values it is given against the same table.
 */
import * as v from "valibot";
import { UsageError } from "../errors.ts";

export interface NumberFlag {
  /** The flag without dashes: `max-cycles`. */
  name: string;
  /** A count: only whole numbers. */
  integer: boolean;
  min: number;
  /** `min` itself is refused (a budget of 0 minutes means nothing). */
  minExclusive?: boolean;
  max: number;
  /** Shown after the range: `percent`, `minutes`. */
  unit?: string;
  /** A `%` after the number is allowed (and ignored). */
  percent?: boolean;
  /** A good value for the hint. */
  example: number;
}

const count = (name: string, min: number, max: number, example: number): NumberFlag => ({ name, integer: true, min, max, example });
const percent = (name: string, max: number, example: number): NumberFlag => ({ name, integer: false, min: 0, max, unit: "percent", percent: true, example });

/**
 * The ranges, and why. Counts of runs stop at 10,000 (hours for any real command; adaptive
 * measuring decides long before); warm-ups at 1,000; cycles at 100 (each profiles, measures and
 * commits); percentages below 100 (a 100% gain or threshold cannot be measured); the budget at a
 * week; a candidate's time limit at a day; requests at profile/target.ts's MAX_REQUESTS and
 * concurrency at its 1,000.
 */
export const NUMBER_FLAGS = {
  maxCycles: count("max-cycles", 1, 100, 3),
  runs: count("runs", 1, 10_000, 10),
  maxRuns: count("max-runs", 2, 10_000, 60),
  warmup: count("warmup", 0, 1_000, 1),
  requests: count("requests", 1, 100_000, 200),
  concurrency: count("concurrency", 1, 1_000, 4),
  threshold: percent("threshold", 99, 5),
  plateau: percent("plateau", 99, 5),
  targetPct: percent("target-pct", 99.9, 40),
  budget: { name: "budget", integer: false, min: 0, minExclusive: true, max: 7 * 24 * 60, unit: "minutes", example: 60 },
  /** A candidate's time limit (docs/safety.md): up to a day. */
  timeout: { name: "timeout", integer: false, min: 0, minExclusive: true, max: 24 * 60 * 60, unit: "seconds", example: 60 },
  /** One agent call's time limit (docs/agents.md): up to a day. */
  agentTimeout: { name: "agent-timeout", integer: false, min: 0, minExclusive: true, max: 24 * 60 * 60, unit: "seconds", example: 600 },
  /** Agent calls in the whole run (research and edits), docs/agents.md. */
  agentCalls: count("agent-calls", 1, 1_000, 20),
  /** How long an endpoint's server started with --serve may take to answer (docs/run.md): up to an hour. */
  readyTimeout: { name: "ready-timeout", integer: false, min: 0, minExclusive: true, max: 60 * 60, unit: "seconds", example: 30 },
} as const satisfies Record<string, NumberFlag>;

/** A plain decimal number, optionally signed, with an optional exponent: what a person types. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function range(flag: NumberFlag): string {
  const low = flag.minExclusive ? `above ${flag.min}` : `${flag.min}`;
  return `${low} to ${flag.max}${flag.unit ? ` ${flag.unit}` : ""}`;
}

/** The schema of one flag: its text in, the checked number out. `typed` is quoted in messages as given. */
function flagSchema(flag: NumberFlag, typed: string) {
  const kind = flag.integer ? "a whole number" : "a number";
  const notNumber = `--${flag.name} needs a number, got ${JSON.stringify(typed)}; the range is ${range(flag)}`;
  const outside = (problem: string) => `--${flag.name} must be ${problem} (got ${typed}); the range is ${range(flag)}`;
  const number = (text: string) => (flag.percent ? text.replace(/%$/, "") : text);
  return v.pipe(
    v.string(),
    v.trim(),
    v.check((text) => DECIMAL.test(number(text)), notNumber),
    v.transform((text) => Number(number(text))),
    v.check((value: number) => Number.isFinite(value), notNumber),
    v.check((value) => !flag.integer || Number.isInteger(value), outside(kind)),
    v.check(
      (value) => (flag.minExclusive ? value > flag.min : value >= flag.min),
      outside(flag.minExclusive ? `${kind} above ${flag.min}` : `${kind} of at least ${flag.min}`),
    ),
    v.check((value) => value <= flag.max, outside(`${kind} of at most ${flag.max}`)),
  );
}

/**
 * Checks `text` (as typed) against the flag's range: the number, or a UsageError with the range
 * in the message and an example as the fix.
 */
export function checkNumberText(flag: NumberFlag, text: string): number {
  const result = v.safeParse(flagSchema(flag, text.trim()), text, { abortPipeEarly: true });
  if (!result.success) throw new UsageError(result.issues[0]!.message, `e.g. --${flag.name} ${flag.example}`);
  return result.output;
}

/** The same for a number a caller already holds (the demo's, a request built in code). */
export function checkNumber(flag: NumberFlag, value: number): number {
  return checkNumberText(flag, String(value));
}
