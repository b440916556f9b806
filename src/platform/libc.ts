/**
 * The few C library calls the confinement layer needs (Landlock's system calls, prctl, waitpid),
 * as one interface over each runtime's FFI: libc-bun.ts (bun:ffi) and libc-deno.ts (Deno.dlopen).
 * Linux only: on any other OS, or where the C library cannot be opened, there is no Libc and the
 * callers say so instead of confining (docs/safety.md).
 */

/** One argument of a raw system call: a number, or the address of a buffer (`Libc.address`). */
export type SyscallArg = number | bigint;

export interface Libc {
  /** syscall(2) with four arguments (pass 0 for unused ones); the raw return value. */
  syscall(number: number, a: SyscallArg, b: SyscallArg, c: SyscallArg, d: SyscallArg): bigint;
  /** prctl(2) with one argument after the option; the raw return value. */
  prctl(option: number, arg: number): number;
  /** open(2) of a path with O_PATH | O_CLOEXEC (a handle for Landlock rules); -1 on failure. */
  openPath(path: string): number;
  close(fd: number): number;
  /** waitpid(pid, NULL, WNOHANG): reaps one exited child; its pid, 0 while it runs, -1 if none. */
  reap(pid: number): number;
  /** The address of a buffer, to pass to `syscall`. The buffer must stay alive during the call. */
  address(buffer: ArrayBufferView): bigint;
  /** errno of the calling thread, right after a failed call. */
  errno(): number;
}

/** x86_64 and aarch64 numbers (Landlock's calls have one number on every architecture). */
export const SYS = { landlock_create_ruleset: 444, landlock_add_rule: 445, landlock_restrict_self: 446 } as const;
export const PR_SET_NO_NEW_PRIVS = 38;
export const PR_SET_CHILD_SUBREAPER = 36;
export const O_PATH = 0o10000000;
export const O_CLOEXEC = 0o2000000;
export const WNOHANG = 1;
/** glibc first, then the names musl and others use. */
export const LIBC_NAMES = ["libc.so.6", "libc.so", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1"] as const;

/** errno names for the reasons perfloop prints (Linux numbering). */
const ERRNO_NAMES: Readonly<Record<number, string>> = { 1: "EPERM", 2: "ENOENT", 13: "EACCES", 22: "EINVAL", 38: "ENOSYS", 95: "EOPNOTSUPP" };

export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}
