/**
 * File contents as text, for diffing and merging. A file is binary when its first 8,000 bytes
 * hold a NUL (git's own test: xdiff's `buffer_is_binary`, FIRST_FEW_BYTES = 8000) or when it is
 * not valid UTF-8 (decoding it would change its bytes). Lines keep their terminators ("\n" or
 * "\r\n"), so a last line without one, and CRLF files, survive a split and a join unchanged.
 */
import type { FileEntry } from "../git/types.ts";

/** How far git looks for a NUL byte to call a file binary. */
export const BINARY_SNIFF_BYTES = 8000;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** The text of a file, or `null` when it is binary. */
export function decodeText(data: Uint8Array): string | null {
  if (data.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return null;
  try {
    return strictUtf8.decode(data);
  } catch {
    return null;
  }
}

export function encodeText(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Lines with their terminators: `"a\r\nb\nc"` -> `["a\r\n", "b\n", "c"]`; `""` -> `[]`. */
export function splitLines(text: string): string[] {
  return text === "" ? [] : text.split(/(?<=\n)/);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/** Same mode and bytes; two absent entries are the same too. */
export function sameEntry(a: FileEntry | null | undefined, b: FileEntry | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.mode === b.mode && sameBytes(a.data, b.data);
}
