/**
 * A step's name as a label: what the map stores in a step's `function` and prints. Names come from
 * the program (step markers) or from its CPU profile (function names), and either can be long: a
 * marker named after a 300-character regex, a minified frame. Cut to STEP_LABEL_MAX_CHARS with an
 * ellipsis; a label is cut again to itself, so applying it twice changes nothing.
 */

/** The longest label, ellipsis included. */
export const STEP_LABEL_MAX_CHARS = 60;
const ELLIPSIS = "…";

export function stepLabel(name: string): string {
  const chars = [...name];
  if (chars.length <= STEP_LABEL_MAX_CHARS) return name;
  return `${chars.slice(0, STEP_LABEL_MAX_CHARS - 1).join("").trimEnd()}${ELLIPSIS}`;
}
