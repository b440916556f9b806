/**
 * The rules for slugs, in one place. A slug names a run's directory
 * (`.hex-skills/optimization/<slug>/`), its pointer file, its run ids and its branch
 * (`perfloop/<slug>`), so it must be short and plain.
 *
 * - perfloop's own commands (`run`, `execute`, `profile`, `demo`, `resume`, `status`, `report`)
 *   take `--slug` only as ASCII letters, digits, `-`, `_` and `.`, not starting with `.` or `-`,
 *   at most SLUG_MAX_LENGTH characters (`parseSlug`); a refused one comes with its cleaned form
 *   when there is one. (The layout then applies the contract's `safe()`, as before.)
 * - `perfloop runtime <verb>` is a drop-in for another tool: it keeps `safe()` (paths.ts), but
 *   refuses a slug whose cleaned form is longer than the limit (`runtimeSlugProblem`), where the
 *   original failed with ENAMETOOLONG or wrote files no one could find again.
 * - slugs derived from a target are cut to their length with a hash of the whole (`boundedSlug`),
 *   so two long targets that share a beginning still get different slugs.
 */
import * as v from "valibot";
import { UsageError } from "../errors.ts";
import { safe } from "./paths.ts";

/** Far below a file name's 255 bytes once `ln-810-…-<epoch ms>-<8 hex>` and `.json` are added; a readable branch name. */
export const SLUG_MAX_LENGTH = 64;
const SLUG_CHARACTERS = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const RULE = "use ASCII letters, digits, '-', '_' and '.', not starting with '.' or '-'";
/** Characters of a refused value shown in a message: enough to recognise it, one line always. */
const SHOWN = 30;
/** Hex digits of the hash that keeps a cut slug apart from others with the same beginning. */
const HASH_DIGITS = 8;
const EXAMPLE = "my-run";

const SlugSchema = v.pipe(
  v.string(),
  v.regex(SLUG_CHARACTERS, "characters"),
  v.maxLength(SLUG_MAX_LENGTH, "length"),
);

/** A value as a message shows it: JSON-quoted (control characters escaped), cut when long. */
function shown(value: string): string {
  return JSON.stringify(value.length > SHOWN ? `${value.slice(0, SHOWN)}...` : value);
}

/**
 * The nearest valid slug, or `null` when nothing is left: accents dropped (`ĥé` -> `he`), each
 * run of other characters becomes `-`, leading `.`/`-` and trailing `-` removed, cut to the limit.
 */
export function cleanSlug(raw: string): string | null {
  const plain = raw.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  const cleaned = plain
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[.-]+/, "")
    .slice(0, SLUG_MAX_LENGTH)
    .replace(/[-.]+$/, "");
  return v.is(SlugSchema, cleaned) ? cleaned : null;
}

/** Why `slug` is not a valid slug for perfloop's own commands, or `null`. */
export function slugProblem(slug: string): "characters" | "length" | null {
  const result = v.safeParse(SlugSchema, slug);
  return result.success ? null : (result.issues[0]!.message as "characters" | "length");
}

/** `--slug` of perfloop's own commands: the slug as given, or a UsageError naming the fix. */
export function parseSlug(raw: string, flag = "--slug"): string {
  const problem = slugProblem(raw);
  if (problem === null) return raw;
  const cleaned = cleanSlug(raw);
  const hint = cleaned === null ? `e.g. ${flag} ${EXAMPLE}` : `try ${flag} ${cleaned}`;
  if (problem === "length") {
    throw new UsageError(`${flag} ${shown(raw)} is ${raw.length} characters long; a slug has at most ${SLUG_MAX_LENGTH}`, hint);
  }
  throw new UsageError(`${flag} ${shown(raw)} is not a valid slug: ${RULE}`, hint);
}

/** `perfloop runtime`: the error for a slug whose `safe()` form is too long, or `null`. */
export function runtimeSlugProblem(raw: string): string | null {
  const cleaned = safe(raw);
  if (cleaned.length <= SLUG_MAX_LENGTH) return null;
  return `Invalid slug: ${shown(raw)} is ${cleaned.length} characters once normalised (at most ${SLUG_MAX_LENGTH}: it names files of the run)`;
}

/** FNV-1a, 32 bits: a short, stable fingerprint (not for security). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(HASH_DIGITS, "0");
}

/**
 * A slug of at most `max` characters from an already clean one (`safe()` output): as it is when it
 * fits, else its beginning and `-<8 hex>` of the whole. Empty becomes `default`.
 */
export function boundedSlug(slug: string, max = SLUG_MAX_LENGTH): string {
  const limit = Math.min(max, SLUG_MAX_LENGTH);
  const trimmed = slug.replace(/-+$/, "");
  if (trimmed.length <= limit) return trimmed || "default";
  return `${trimmed.slice(0, limit - HASH_DIGITS - 1).replace(/[-.]+$/, "")}-${fnv1a(trimmed)}`;
}
