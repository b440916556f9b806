/**
 * The hypotheses file, version 1 (docs/hypotheses.md; spec/hypotheses.md): the one valibot schema
 * every source goes through (a file, `--try-branch`, `--knob`, built-in rules, an agent's answer).
 * Objects are strict: an unknown key is an error, so a misspelt optional field is not silently
 * ignored. Messages say what the value must be; hypotheses.ts adds the hypothesis id and the field.
 */
import * as v from "valibot";

export const HYPOTHESES_VERSION = 1;

/** Best first: a configuration knob beats new infrastructure, which beats a framework change... */
export const FIX_LEVELS = ["configuration", "infrastructure", "framework", "application", "removal"] as const;
export type FixLevel = (typeof FIX_LEVELS)[number];

export const LEVELS = ["low", "medium", "high"] as const;
export type Level = (typeof LEVELS)[number];

export const CHANGE_KINDS = ["patch", "edit", "command", "env", "branch"] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** Ids end up in branch names, ledger rows and reports: short, no spaces, no slashes. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Group names follow the same rule, plus `:` for generated groups such as `knob:NAME`. */
export const GROUP_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
/** POSIX environment variable names. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** valibot's object schemas accept arrays: refuse them first, with the object's own message. */
const plainObject = <S extends v.GenericSchema>(schema: S, message: string) =>
  v.pipe(
    v.unknown(),
    v.check((value) => typeof value === "object" && value !== null && !Array.isArray(value), message),
    schema,
  );

const oneOf = (values: readonly string[]) => `must be one of: ${values.join(", ")}`;
const text = (what = "a non-empty string") =>
  v.pipe(v.string(`must be ${what}`), v.minLength(1, `must be ${what}`));
const id = () =>
  v.pipe(
    v.string("must be a string"),
    v.regex(ID_PATTERN, "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"),
  );
const idList = () => v.optional(v.array(id(), "must be an array of hypothesis ids"), []);
const level = () => v.optional(v.picklist(LEVELS, oneOf(LEVELS)), "medium");

export const PatchChangeSchema = v.strictObject(
  {
    kind: v.literal("patch"),
    /** The unified diff itself. */
    diff: v.optional(text("a unified diff (non-empty string)")),
    /** A file holding the unified diff, relative to the repository root. */
    path: v.optional(text("a path relative to the repository root")),
  },
  "must be an object",
);

export const EditChangeSchema = v.strictObject(
  {
    kind: v.literal("edit"),
    file: text("a path relative to the repository root"),
    /** Exact text; it must occur exactly once in `file`. */
    search: text("the exact text to find (non-empty string)"),
    replace: v.string("must be a string (the text that replaces `search`)"),
  },
  "must be an object",
);

export const CommandChangeSchema = v.strictObject(
  {
    kind: v.literal("command"),
    /** A shell command line, run as given with `sh -c` in the side work tree. */
    run: text("a shell command (non-empty string)"),
  },
  "must be an object",
);

export const EnvChangeSchema = v.strictObject(
  {
    kind: v.literal("env"),
    set: v.pipe(
      v.record(
        v.pipe(v.string(), v.regex(ENV_NAME_PATTERN, "names must be environment variable names (A-Z, 0-9, _)")),
        v.string("values must be strings (quote numbers: \"4\")"),
        "must be an object of NAME: value",
      ),
      v.check((set) => Object.keys(set).length > 0, "must set at least one variable"),
    ),
  },
  "must be an object",
);

export const BranchChangeSchema = v.strictObject(
  {
    kind: v.literal("branch"),
    /** A branch, tag or commit; a leading `-` is refused so it can never read as an option. */
    ref: v.pipe(text("a branch name or commit id"), v.check((ref) => !ref.startsWith("-"), "must not start with '-'")),
  },
  "must be an object",
);

export const ChangeSchema = v.pipe(
  v.variant(
    "kind",
    [PatchChangeSchema, EditChangeSchema, CommandChangeSchema, EnvChangeSchema, BranchChangeSchema],
    oneOf(CHANGE_KINDS),
  ),
  v.check(
    (change) => change.kind !== "patch" || (change.diff === undefined) !== (change.path === undefined),
    "of kind patch needs exactly one of diff (inline unified diff) or path (a patch file)",
  ),
);

/** A bare number is the percentage of the metric the change is expected to save. */
const ImpactSchema = v.nullish(
  v.union(
    [
      text("a string such as \"3x\" or \"-40%\", or a number (percent saved, 0-100)"),
      v.pipe(
        v.number(),
        v.finite(),
        v.minValue(0, "as a number is a percentage saved, from 0 to 100 (write \"3x\" for a factor)"),
        v.maxValue(100, "as a number is a percentage saved, from 0 to 100 (write \"3x\" for a factor)"),
      ),
    ],
    "must be a string such as \"3x\" or \"-40%\", or a number (percent saved, 0-100)",
  ),
  null,
);

/** One hypothesis as written; `HypothesisSchema` adds the defaults that depend on other fields. */
export const HypothesisObjectSchema = v.strictObject(
  {
    id: id(),
    description: text(),
    /** Defaults to `configuration` for an env change, `application` otherwise. */
    fix_level: v.optional(v.picklist(FIX_LEVELS, oneOf(FIX_LEVELS))),
    /** A step of the performance map (e.g. "1.2"), or free text. */
    bottleneck_addressed: v.nullish(text(), null),
    expected_impact: ImpactSchema,
    complexity: level(),
    risk: level(),
    evidence: v.optional(v.union([v.string(), v.array(v.string())], "must be a string or an array of strings"), []),
    change: ChangeSchema,
    /** Derived from the change where it can be (patch, edit); given otherwise. */
    files_to_modify: v.optional(v.array(text("a path relative to the repository root"), "must be an array of paths"), []),
    dependencies: idList(),
    conflicts_with: idList(),
    /** Hypotheses sharing a group are alternatives: at most one of them is kept. */
    group: v.nullish(
      v.pipe(v.string("must be a string"), v.regex(GROUP_PATTERN, "must be 1-64 letters, digits, '.', '_', ':' or '-'")),
      null,
    ),
  },
  "must be an object",
);

export const HypothesisSchema = v.pipe(
  plainObject(HypothesisObjectSchema, "must be an object"),
  v.transform((input) => ({
    ...input,
    fix_level: input.fix_level ?? (input.change.kind === "env" ? "configuration" : "application"),
    evidence: typeof input.evidence === "string" ? (input.evidence === "" ? [] : [input.evidence]) : input.evidence,
    dependencies: [...new Set(input.dependencies)],
    conflicts_with: [...new Set(input.conflicts_with)],
  })),
);

const FILE_MESSAGE = "must be an object with version and hypotheses";

export const HypothesesFileSchema = plainObject(
  v.strictObject(
    {
      version: v.literal(HYPOTHESES_VERSION, `must be ${HYPOTHESES_VERSION} (the hypotheses file format this perfloop reads)`),
      hypotheses: v.array(HypothesisSchema, "must be an array of hypotheses"),
    },
    FILE_MESSAGE,
  ),
  FILE_MESSAGE,
);

export type Change = v.InferOutput<typeof ChangeSchema>;
export type PatchChange = v.InferOutput<typeof PatchChangeSchema>;
export type EditChange = v.InferOutput<typeof EditChangeSchema>;
export type CommandChange = v.InferOutput<typeof CommandChangeSchema>;
export type EnvChange = v.InferOutput<typeof EnvChangeSchema>;
export type BranchChange = v.InferOutput<typeof BranchChangeSchema>;
/** A hypothesis as the rest of perfloop sees it: every optional field filled in. */
export type Hypothesis = v.InferOutput<typeof HypothesisSchema>;
/** What a source may write: optional fields may be left out. */
export type HypothesisInput = v.InferInput<typeof HypothesisObjectSchema>;
export type HypothesesFile = v.InferOutput<typeof HypothesesFileSchema>;
