/**
 * The built-in rules, in the order they are run (docs/research.md lists each one: its pattern,
 * preconditions, rewrite, why it is safe and when it stays silent).
 */
import { accumulatingSpread } from "./accumulating-spread.ts";
import { awaitAll } from "./await-all.ts";
import { filterFirst } from "./filter-first.ts";
import { indexMap } from "./index-map.ts";
import { intlHoist } from "./intl-hoist.ts";
import { jsonParseOnce } from "./json-parse-once.ts";
import { queueShift } from "./queue-shift.ts";
import { readOnce } from "./read-once.ts";
import { regexpHoist } from "./regexp-hoist.ts";
import { setLookup } from "./set-lookup.ts";
import { setMembership } from "./set-membership.ts";
import { sortMinMax } from "./sort-min-max.ts";
import type { Rule } from "./types.ts";

export const RULES: readonly Rule[] = [
  setMembership,
  setLookup,
  indexMap,
  accumulatingSpread,
  queueShift,
  sortMinMax,
  filterFirst,
  regexpHoist,
  intlHoist,
  jsonParseOnce,
  readOnce,
  awaitAll,
];
