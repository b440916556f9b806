/**
 * The built-in rules, in the order they are run (docs/research.md lists each one: its pattern,
 * preconditions, rewrite, why it is safe and when it stays silent).
 */
import { accumulatingSpread } from "./accumulating-spread.ts";
import { queueShift } from "./queue-shift.ts";
import { setLookup } from "./set-lookup.ts";
import { setMembership } from "./set-membership.ts";
import type { Rule } from "./types.ts";

export const RULES: readonly Rule[] = [setMembership, setLookup, accumulatingSpread, queueShift];
