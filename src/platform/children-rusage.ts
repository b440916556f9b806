/**
 * getrusage(RUSAGE_CHILDREN) through Deno's FFI: the running totals of every child this process
 * has reaped, each with the descendants it reaped in turn. Diffed around one child they give that
 * child's CPU time and block I/O exactly (when no other child was reaped meanwhile). `ru_maxrss`
 * is different: it is the LARGEST peak of any child so far, not a sum, so it tells one child's peak
 * only when that child raised it.
 *
 * Layout of `struct rusage` on 64-bit Linux and macOS: two `struct timeval` (16 bytes each) then
 * fourteen `long`s, 144 bytes in all; read here as 18 int64 words.
 */

/** Cumulative resource usage of all reaped children of this process. */
export interface ChildrenRusage {
  readonly userUs: bigint;
  readonly systemUs: bigint;
  /** Largest peak RSS of any reaped child, in bytes. */
  readonly maxRssBytes: number;
  readonly inBlocks: bigint;
  readonly outBlocks: bigint;
}

/** The part of the `Deno` global this file uses. */
export interface DenoFfiApi {
  readonly build: { readonly os: string };
  dlopen(
    path: string,
    symbols: { getrusage: { parameters: ["i32", "buffer"]; result: "i32" } },
  ): { symbols: { getrusage(who: number, usage: BigInt64Array): number } };
}

const RUSAGE_CHILDREN = -1;
const RUSAGE_WORDS = 18;
/** Word indices into `struct rusage`. */
const W = { utimeSec: 0, utimeUsec: 1, stimeSec: 2, stimeUsec: 3, maxrss: 4, inblock: 11, oublock: 12 } as const;
/** C libraries that export getrusage, by `Deno.build.os`. */
const LIBC_NAMES: Readonly<Record<string, readonly string[]>> = {
  linux: ["libc.so.6", "libc.so"],
  darwin: ["libSystem.B.dylib"],
};
const MICROS = 1_000_000n;
/** macOS `tv_usec` is a 32-bit int followed by 4 bytes of padding. */
const LOW_32_BITS = 0xffff_ffffn;

/**
 * Opens the C library and returns a reader of the totals, or `null` when that is impossible (no
 * FFI permission, an OS not listed above): then the caller reports `null` measurements.
 */
export function openChildrenRusage(deno: DenoFfiApi): (() => ChildrenRusage) | null {
  const os = deno.build.os;
  for (const name of LIBC_NAMES[os] ?? []) {
    let getrusage: (who: number, usage: BigInt64Array) => number;
    try {
      const lib = deno.dlopen(name, { getrusage: { parameters: ["i32", "buffer"], result: "i32" } });
      getrusage = lib.symbols.getrusage;
    } catch {
      continue;
    }
    // ru_maxrss is in kibibytes on Linux and in bytes on macOS.
    const rssUnit = os === "darwin" ? 1 : 1024;
    const usecMask = os === "darwin" ? LOW_32_BITS : -1n;
    return () => {
      const words = new BigInt64Array(RUSAGE_WORDS);
      if (getrusage(RUSAGE_CHILDREN, words) !== 0) throw new Error("getrusage(RUSAGE_CHILDREN) failed");
      const word = (index: number) => words[index] ?? 0n;
      return {
        userUs: word(W.utimeSec) * MICROS + (word(W.utimeUsec) & usecMask),
        systemUs: word(W.stimeSec) * MICROS + (word(W.stimeUsec) & usecMask),
        maxRssBytes: Number(word(W.maxrss)) * rssUnit,
        inBlocks: word(W.inblock),
        outBlocks: word(W.oublock),
      };
    };
  }
  return null;
}
