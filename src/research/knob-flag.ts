/**
 * `--knob NAME=a,b,c` (repeatable; docs/research.md, Knobs): the person's own sweep of an
 * environment variable, one env hypothesis per value in the contested group `knob:NAME`, so the
 * values are measured one against the other and at most one is kept. Values are split at commas,
 * so a value cannot hold a comma (give such a variable in a hypotheses file). Bad input is a
 * UsageError naming the problem and the fix.
 */
import * as v from "valibot";
import { UsageError } from "../errors.ts";
import { ENV_NAME_PATTERN, formatLimit, type HypothesisInput, MAX_ENV_VALUE_BYTES, reservedEnvReason, splitFix, utf8Bytes, withFix } from "./hypotheses-schema.ts";
import { sourceId } from "./source-ids.ts";

/** Values one `--knob` may sweep: each is measured against the others. */
const MAX_KNOB_VALUES = 8;
/** `knob:` + NAME must fit a group name (64 characters). */
const MAX_KNOB_NAME_LENGTH = 64 - "knob:".length;

const FLAG = "--knob";
const FLAG_FIX = `give ${FLAG} NAME=value1,value2 (an environment variable and the values to try)`;

const KnobNameSchema = v.pipe(
  v.string(),
  v.minLength(1, withFix("has no variable name before '='", FLAG_FIX)),
  v.regex(ENV_NAME_PATTERN, (issue) => withFix(`${JSON.stringify(issue.input)} is not an environment variable name`, "use letters, digits and '_', not starting with a digit")),
  v.maxLength(MAX_KNOB_NAME_LENGTH, withFix(`names a variable longer than ${MAX_KNOB_NAME_LENGTH} characters`, "a knob's group is knob:NAME, at most 64 characters: use a hypotheses file for this variable")),
  v.check(
    (name) => reservedEnvReason(name) === null,
    (issue) => withFix(`sets ${issue.input}, which perfloop sets itself: ${reservedEnvReason(String(issue.input))}`, "remove it; a knob may set any other variable"),
  ),
);

const KnobValueSchema = v.pipe(
  v.string(),
  v.minLength(1, withFix("has an empty value (two commas in a row, or one at an end)", "remove the extra comma; values are separated by commas, so a value cannot hold one")),
  v.check((value) => value.trim() === value, (issue) => withFix(`value ${JSON.stringify(issue.input)} starts or ends with a blank`, "remove the blanks around the commas")),
  v.check((value) => !value.includes("\0"), withFix("has a value with a NUL byte", "remove it: an environment value ends at its first NUL")),
  v.check(
    (value) => utf8Bytes(value) <= MAX_ENV_VALUE_BYTES,
    withFix(`has a value over the limit of ${formatLimit(MAX_ENV_VALUE_BYTES)}`, "put large data in a file and pass its path"),
  ),
);

const KnobFlagSchema = v.object({
  name: KnobNameSchema,
  values: v.pipe(
    v.array(KnobValueSchema),
    v.maxLength(MAX_KNOB_VALUES, (issue) => withFix(`gives ${(issue.input as unknown[]).length} values, over the limit of ${MAX_KNOB_VALUES}`, "each value is measured against the others: keep the most promising ones")),
    v.check(
      (values) => new Set(values).size === values.length,
      (issue) => {
        const values = issue.input as string[];
        const twice = values.find((value, index) => values.indexOf(value) !== index);
        return withFix(`gives the value ${JSON.stringify(twice)} twice`, "give each value once");
      },
    ),
  ),
});

/** One `--knob` value: `NAME=a,b,c`. Throws a UsageError naming the problem and the fix. */
export function parseKnobFlag(flag: string): { name: string; values: string[] } {
  const shown = JSON.stringify(flag.length > 60 ? `${flag.slice(0, 57)}...` : flag);
  const eq = flag.indexOf("=");
  if (eq < 0) throw new UsageError(`${FLAG} ${shown} has no '='`, FLAG_FIX);
  const result = v.safeParse(KnobFlagSchema, { name: flag.slice(0, eq), values: flag.slice(eq + 1).split(",") });
  if (result.success) return result.output;
  const { problem, fix } = splitFix(result.issues[0].message);
  throw new UsageError(`${FLAG} ${shown} ${problem}`, fix ?? FLAG_FIX);
}

/** Every `--knob` of the command line, each a contested group `knob:NAME` of env hypotheses. */
export function knobFlagHypotheses(flags: readonly string[]): HypothesisInput[] {
  const seen = new Set<string>();
  const hypotheses: HypothesisInput[] = [];
  for (const flag of flags) {
    const { name, values } = parseKnobFlag(flag);
    if (seen.has(name)) throw new UsageError(`${FLAG} ${name} is given twice`, `give all its values in one ${FLAG} ${name}=value1,value2`);
    seen.add(name);
    for (const value of values) {
      hypotheses.push({
        id: sourceId(`knob-${name}`, value),
        description: `${name}=${value} (${FLAG} ${name})`,
        fix_level: "configuration",
        expected_impact: null,
        complexity: "low",
        evidence: [`the person's own knob: ${FLAG} ${name}=${values.join(",")}`, "an env change: nothing in the tree changes, and the tests run with the same value"],
        change: { kind: "env", set: { [name]: value } },
        group: `knob:${name}`,
      });
    }
  }
  return hypotheses;
}
