/**
 * Libc (libc.ts) through bun:ffi. Imported only under Bun (a dynamic import in index.ts), since
 * Deno cannot load `bun:` modules. Checked by experiment: a Landlock domain applied from Bun's
 * JavaScript thread holds for every child Bun.spawn starts afterwards.
 */
import { dlopen, FFIType, ptr, read } from "bun:ffi";
import { LIBC_NAMES, O_CLOEXEC, O_PATH, WNOHANG, type Libc } from "./libc.ts";

const SYMBOLS = {
  syscall: { args: [FFIType.i64, FFIType.i64, FFIType.i64, FFIType.i64, FFIType.i64], returns: FFIType.i64 },
  prctl: { args: [FFIType.i32, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i32 },
  open: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  close: { args: [FFIType.i32], returns: FFIType.i32 },
  waitpid: { args: [FFIType.i32, FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  __errno_location: { args: [], returns: FFIType.ptr },
} as const;

export function openBunLibc(): Libc | null {
  if (process.platform !== "linux") return null;
  for (const name of LIBC_NAMES) {
    let lib: ReturnType<typeof dlopen<typeof SYMBOLS>>;
    try {
      lib = dlopen(name, SYMBOLS);
    } catch {
      continue;
    }
    const s = lib.symbols;
    return {
      syscall: (number, a, b, c, d) => BigInt(s.syscall(number, a, b, c, d)),
      prctl: (option, arg) => s.prctl(option, BigInt(arg), 0n, 0n, 0n),
      openPath: (path) => s.open(ptr(Buffer.from(`${path}\0`)), O_PATH | O_CLOEXEC),
      close: (fd) => s.close(fd),
      reap: (pid) => s.waitpid(pid, null, WNOHANG),
      address: (buffer) => BigInt(ptr(buffer as DataView)),
      errno: () => {
        const at = s.__errno_location();
        return at === null ? 0 : read.i32(at, 0);
      },
    };
  }
  return null;
}
