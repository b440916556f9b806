/**
 * Numeric flags as typed: read from the raw arguments (raw-args.ts) and checked against their
 * documented ranges (src/coordinator/number-ranges.ts).
 */
import { checkNumberText, type NumberFlag } from "../coordinator/number-ranges.ts";
import { rawOption } from "./raw-args.ts";

export { NUMBER_FLAGS } from "../coordinator/number-ranges.ts";

/** The flag's value from the raw arguments, checked; `undefined` when it was not given. */
export function numberFlag(args: readonly string[], flag: NumberFlag): number | undefined {
  const raw = rawOption(args, flag.name);
  return raw === undefined ? undefined : checkNumberText(flag, raw);
}
