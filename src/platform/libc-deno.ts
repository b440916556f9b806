/**
 * Libc (libc.ts) through Deno's FFI (needs --allow-ffi, which `-A` gives). Checked by experiment:
 * Deno.Command spawns from the JavaScript thread, so a Landlock domain applied there holds for the
 * children it starts afterwards.
 */
import { LIBC_NAMES, O_CLOEXEC, O_PATH, WNOHANG, type Libc } from "./libc.ts";

type Native = "i32" | "i64" | "u64" | "buffer" | "pointer";

/** The part of the `Deno` global this file uses. */
export interface DenoLibcApi {
  readonly build: { readonly os: string };
  dlopen(path: string, symbols: Record<string, { parameters: Native[]; result: Native }>): { symbols: Record<string, (...args: unknown[]) => unknown> };
  readonly UnsafePointer: { of(buffer: ArrayBufferView): unknown; value(pointer: unknown): number | bigint };
  readonly UnsafePointerView: new (pointer: unknown) => { getInt32(offset?: number): number };
}

const SYMBOLS: Record<string, { parameters: Native[]; result: Native }> = {
  syscall: { parameters: ["i64", "i64", "i64", "i64", "i64"], result: "i64" },
  prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
  open: { parameters: ["buffer", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  waitpid: { parameters: ["i32", "pointer", "i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
};

export function openDenoLibc(deno: DenoLibcApi): Libc | null {
  if (deno.build.os !== "linux") return null;
  for (const name of LIBC_NAMES) {
    let s: Record<string, (...args: unknown[]) => unknown>;
    try {
      s = deno.dlopen(name, SYMBOLS).symbols;
    } catch {
      continue;
    }
    return {
      syscall: (number, a, b, c, d) => BigInt(s.syscall!(BigInt(number), BigInt(a), BigInt(b), BigInt(c), BigInt(d)) as bigint),
      prctl: (option, arg) => s.prctl!(option, BigInt(arg), 0n, 0n, 0n) as number,
      openPath: (path) => s.open!(new TextEncoder().encode(`${path}\0`), O_PATH | O_CLOEXEC) as number,
      close: (fd) => s.close!(fd) as number,
      reap: (pid) => s.waitpid!(pid, null, WNOHANG) as number,
      address: (buffer) => BigInt(deno.UnsafePointer.value(deno.UnsafePointer.of(buffer))),
      errno: () => {
        const at = s.__errno_location!();
        return at === null ? 0 : new deno.UnsafePointerView(at).getInt32(0);
      },
    };
  }
  return null;
}
