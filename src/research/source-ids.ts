/**
 * Ids for hypotheses perfloop builds itself (`--knob`, knobs from the stack, `--try-branch`,
 * `--try-commit`). An id must be a function of what it stands for alone, never of the other
 * hypotheses of the cycle: a later cycle recognises a hypothesis it already tried by its id.
 *
 * `sourceId("branch", "try-cache")` is `branch-try-cache`: a raw text made only of id characters
 * (`A-Z a-z 0-9 . _ -`) is kept as it is. Any other text is slugged (each run of other characters
 * becomes `-`) and gets `-` and 8 hex digits of a hash of the prefix and the raw text, so that `feature/x` and
 * `feature-x` stay apart; so does a text cut to fit the 64 characters of an id.
 */
import { ID_PATTERN } from "./hypotheses-schema.ts";

/** An id's length limit (ID_PATTERN). */
export const MAX_ID_LENGTH = 64;
const HASH_DIGITS = 8;

/** FNV-1a (32 bits) of the UTF-16 code units, as 8 hex digits: short, stable, not a secret. */
export function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(HASH_DIGITS, "0");
}

/**
 * `<prefix>-<raw>` when that is a valid id of raw's own characters, else a slug with a hash of the
 * prefix and raw. `prefix` must be made of id characters and start with a letter or digit.
 */
export function sourceId(prefix: string, raw: string): string {
  const plain = `${prefix}-${raw}`;
  if (/^[A-Za-z0-9._-]+$/.test(raw) && ID_PATTERN.test(plain)) return plain;
  const hash = fnv1a(`${prefix}\0${raw}`);
  const room = MAX_ID_LENGTH - HASH_DIGITS - 1;
  const slug = `${prefix}-${raw.replace(/[^A-Za-z0-9._-]+/g, "-")}`.slice(0, room).replace(/[-.]+$/, "");
  return `${slug}-${hash}`;
}
