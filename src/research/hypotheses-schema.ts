/**
 * The hypotheses file, version 1 (docs/hypotheses.md; spec/hypotheses.md): the one valibot schema
 * every source goes through (a file, `--try-branch`, `--knob`, built-in rules, an agent's answer).
 * Objects are strict: an unknown key is an error, so a misspelt optional field is not silently
 * ignored. Messages say what the value must be; hypotheses.ts adds the hypothesis id and the field.
 * A message may carry its fix after a newline (`withFix`): hypotheses-checks.ts prints that as the
 * hint instead of the generic "see docs/hypotheses.md".
 *
 * The limits (docs/hypotheses.md, "Limits") keep every input bounded, so a file cannot make
 * perfloop read, hold or exec something unbounded.
 */
import * as v from "valibot";

const KIB = 1024;
const MIB = 1024 * KIB;
/** A patch (inline or a file): far above any hand-written or generated source change, far below memory trouble. */
export const MAX_PATCH_BYTES = 5 * MIB;
/** A hypotheses file: room for many inline patches; a larger file is read nowhere near whole. */
export const MAX_HYPOTHESES_FILE_BYTES = 16 * MIB;
/**
 * One env knob's value. Linux refuses an exec whose single `NAME=value` string passes 128 KiB
 * (MAX_ARG_STRLEN); a knob is a setting, so 32 KiB leaves room and is still generous.
 */
export const MAX_ENV_VALUE_BYTES = 32 * KIB;
/** All `NAME=value` strings of one env change together: the measured command still has to exec. */
export const MAX_ENV_TOTAL_BYTES = 128 * KIB;
/**
 * Hypotheses in one file (or one agent answer): each is committed to the ledger, applied and
 * bisected; past a few hundred a cycle takes hours of measuring, and a file that large is more
 * likely a generator gone wrong than a plan.
 */
const MAX_HYPOTHESES = 200;

/** Separates a schema message's problem from its fix (one-line messages never contain a newline). */
const FIX_SEPARATOR = "\n";

/** A schema message with its fix; `splitFix` takes it apart again. */
export function withFix(problem: string, fix: string): string {
  return `${problem}${FIX_SEPARATOR}${fix}`;
}

/** The problem and, when the message carries one, its fix. */
export function splitFix(message: string): { problem: string; fix: string | undefined } {
  const at = message.indexOf(FIX_SEPARATOR);
  return at < 0 ? { problem: message, fix: undefined } : { problem: message.slice(0, at), fix: message.slice(at + 1) };
}

/** The UTF-8 length of a string, without encoding it. */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** `17.0 MiB (17825851 bytes)`: the unit a person reads, and the exact count that was compared. */
export function formatSize(bytes: number): string {
  if (bytes < KIB) return `${bytes} bytes`;
  const [unit, name] = bytes < MIB ? [KIB, "KiB"] : [MIB, "MiB"];
  return `${(bytes / unit).toFixed(1)} ${name} (${bytes} bytes)`;
}

/** A limit as documented: `5 MiB`, `32 KiB`. */
export function formatLimit(bytes: number): string {
  return bytes >= MIB ? `${bytes / MIB} MiB` : `${bytes / KIB} KiB`;
}

const SIDE_TREE_GIT =
  "it keeps commands in the side trees away from your repository (git's search stops at each side tree)";
/**
 * Variables an env knob may not set, and why: perfloop sets them for the commands it runs in side
 * trees, and a knob that overrides them could point git, or temporary files, at the person's
 * repository. Exact names, then prefixes.
 */
const RESERVED_ENV_NAMES: ReadonlyMap<string, string> = new Map([
  ...["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_CEILING_DIRECTORIES"].map(
    (name) => [name, SIDE_TREE_GIT] as const,
  ),
  ...["TMPDIR", "TMP", "TEMP"].map((name) => [name, "it points TMPDIR, TMP and TEMP at a scratch directory of each side tree"] as const),
]);
const RESERVED_ENV_PREFIXES: readonly (readonly [string, string])[] = [
  ["GIT_CONFIG", `GIT_CONFIG* would change git's configuration; ${SIDE_TREE_GIT}`],
  ["PERFLOOP_", "PERFLOOP_ variables are perfloop's own (measurement, restarts, the agent protocol)"],
];

/** Why an env knob may not set `name`, or `null` when it may. */
export function reservedEnvReason(name: string): string | null {
  const exact = RESERVED_ENV_NAMES.get(name);
  if (exact) return exact;
  return RESERVED_ENV_PREFIXES.find(([prefix]) => name.startsWith(prefix))?.[1] ?? null;
}

/** The bytes an env change adds to an exec: each `NAME=value`. */
export function envBytes(set: Readonly<Record<string, string>>): number {
  return Object.entries(set).reduce((sum, [name, value]) => sum + utf8Bytes(name) + 1 + utf8Bytes(value), 0);
}

const ENV_SIZE_FIX = "Linux refuses to start a program with a larger environment: put large data in a file and pass its path";

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
        v.pipe(
          v.string(),
          v.regex(ENV_NAME_PATTERN, "names must be environment variable names (A-Z, 0-9, _)"),
          v.check(
            (name) => reservedEnvReason(name) === null,
            (issue) => withFix(`is set by perfloop itself: ${reservedEnvReason(String(issue.input))}`, "remove it; an env knob may set any other variable"),
          ),
        ),
        v.pipe(
          v.string("values must be strings (quote numbers: \"4\")"),
          v.check(
            (value) => !value.includes("\0"),
            withFix("must not contain a NUL byte", "remove it: an environment value ends at its first NUL, so the command would see less than you wrote"),
          ),
          v.check(
            (value) => utf8Bytes(value) <= MAX_ENV_VALUE_BYTES,
            (issue) => withFix(`is ${formatSize(utf8Bytes(String(issue.input)))}, over the limit of ${formatLimit(MAX_ENV_VALUE_BYTES)} for one value`, ENV_SIZE_FIX),
          ),
        ),
        "must be an object of NAME: value",
      ),
      v.check((set) => Object.keys(set).length > 0, "must set at least one variable"),
      v.check(
        (set) => envBytes(set) <= MAX_ENV_TOTAL_BYTES,
        (issue) =>
          withFix(`is ${formatSize(envBytes(issue.input as Record<string, string>))} in all, over the limit of ${formatLimit(MAX_ENV_TOTAL_BYTES)} per hypothesis`, ENV_SIZE_FIX),
      ),
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
      hypotheses: v.pipe(
        v.array(HypothesisSchema, "must be an array of hypotheses"),
        v.maxLength(MAX_HYPOTHESES, (issue) => withFix(`holds ${(issue.input as unknown[]).length} hypotheses, over the limit of ${MAX_HYPOTHESES} per file`, "keep the most promising ones, or split them over several runs")),
      ),
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
