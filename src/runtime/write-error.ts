/**
 * File system failures that belong to the machine, not to perfloop: a full disk, a read-only mount,
 * a missing permission, a path too long. Each becomes one line naming the path, what happened and
 * the fix (exit 2), never "internal error" (docs/runtime.md, "Durability"). IO_ERRORS is the one
 * table of them: the durable primitives (atomic-fs.ts) throw a WriteError for these codes, and
 * src/main.ts turns any Node fs error with one of them into the same line.
 */
import { isAbsolute, relative, sep } from "node:path";
import { ExitCode, PerfloopError } from "../errors.ts";

export interface IoErrorKind {
  /** What happened, in the words of strerror. */
  what: string;
  /** What the person can do about it. */
  fix: string;
}

/** The errno codes that are the machine's doing, with their fix; anything else is a bug in perfloop. */
export const IO_ERRORS: Readonly<Record<string, IoErrorKind>> = {
  ENOSPC: { what: "no space left on device", fix: "free some space" },
  EDQUOT: { what: "disk quota exceeded", fix: "free some space or raise your quota" },
  EFBIG: { what: "file too large", fix: "raise the file size limit (ulimit -f) or free some space" },
  EROFS: { what: "read-only file system", fix: "make it writable (remount it read-write), or run perfloop in a writable copy" },
  EACCES: { what: "permission denied", fix: "give your user write access to it (chmod, chown)" },
  EPERM: { what: "operation not permitted", fix: "give your user write access to it (chmod, chown, chattr -i)" },
  ENAMETOOLONG: { what: "file name too long", fix: "use a shorter --slug, or a project path closer to /" },
  ELOOP: { what: "too many levels of symbolic links", fix: "remove the loop of symbolic links on that path" },
  EIO: { what: "input/output error", fix: "check the disk (dmesg)" },
  EMFILE: { what: "too many open files", fix: "raise the open-file limit (ulimit -n)" },
  ENFILE: { what: "too many open files in the system", fix: "close other programs, or raise the system's open-file limit" },
};

export type WriteAction = "write" | "create" | "remove" | "read";

/** What to do once the cause is fixed, when the caller knows nothing better. */
export const DEFAULT_NEXT = "run the command again";

const VERBS: Record<WriteAction, string> = { write: "write", create: "create the directory", remove: "remove", read: "read" };

/** The syscalls Node names in its errors, by what they were doing. */
const SYSCALL_ACTIONS: Record<string, WriteAction> = {
  mkdir: "create",
  mkdtemp: "create",
  unlink: "remove",
  rmdir: "remove",
  rm: "remove",
  read: "read",
  readdir: "read",
  scandir: "read",
  stat: "read",
  lstat: "read",
  access: "read",
  readlink: "read",
  realpath: "read",
};

/** `.hex-skills/...` for perfloop's own files, else relative to `cwd` when inside it, else absolute. */
export function displayPath(path: string, cwd?: string): string {
  const parts = path.split(sep);
  const state = parts.indexOf(".hex-skills");
  if (isAbsolute(path) && state > 0) return parts.slice(state).join("/");
  if (cwd && isAbsolute(path)) {
    const rel = relative(cwd, path);
    if (rel !== "" && !rel.startsWith("..") && !isAbsolute(rel)) return rel;
  }
  return path;
}

/** A failed read or write of a file, for a reason of the machine's: exit 2, the path and the fix. */
export class WriteError extends PerfloopError {
  constructor(
    readonly path: string | null,
    readonly errno: string,
    readonly action: WriteAction,
    readonly next: string = DEFAULT_NEXT,
    readonly shown: string | null = path,
  ) {
    const kind = IO_ERRORS[errno] ?? { what: errno, fix: "fix the cause" };
    const where = shown ? ` ${shown}` : " a file";
    super("io_error", `cannot ${VERBS[action]}${where}: ${kind.what} (${errno})`, {
      hint: `${kind.fix}, then ${next}`,
      data: { path, errno, action },
      exitCode: ExitCode.usage,
    });
    this.name = "WriteError";
  }

  /** The same failure with another next step (e.g. the resume command of the run it broke). */
  withNext(next: string): WriteError {
    return new WriteError(this.path, this.errno, this.action, next, this.shown);
  }
}

/**
 * The WriteError for `error` when its code is one of IO_ERRORS (the path and action given win over
 * the error's own: a temp file's failure is reported for the file it stands for); else null.
 */
export function ioErrorOf(error: unknown, at: { path?: string; action?: WriteAction; cwd?: string } = {}): WriteError | null {
  if (error instanceof WriteError) return error;
  if (typeof error !== "object" || error === null) return null;
  const { code, path, syscall } = error as { code?: unknown; path?: unknown; syscall?: unknown };
  if (typeof code !== "string" || !(code in IO_ERRORS)) return null;
  const where = at.path ?? (typeof path === "string" && path !== "" ? path : null);
  const action = at.action ?? (typeof syscall === "string" ? SYSCALL_ACTIONS[syscall] : undefined) ?? "write";
  return new WriteError(where, code, action, DEFAULT_NEXT, where === null ? null : displayPath(where, at.cwd));
}

/** Throws the WriteError for `error` when there is one, else `error` itself. */
export function rethrowIo(error: unknown, path: string, action: WriteAction): never {
  throw ioErrorOf(error, { path, action }) ?? error;
}
