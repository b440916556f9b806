/**
 * Crash-safe, self-checking file primitives (docs/runtime.md, "Durability"):
 *  - a snapshot is written whole to a temp file (every byte: a short write is continued), fsynced,
 *    and only then renamed over its target (then the directory is fsynced), so a reader sees the old
 *    file or the new one, never half; on any failure the temp file is removed;
 *  - an append (history.jsonl, the experiment log) is fsynced, and one that fails part-way is cut
 *    back to the file's previous length, so no torn line is left by a full disk;
 *  - directories under `.hex-skills` are made and checked without following links (state-dirs.ts);
 *  - a failure for a reason of the machine's (ENOSPC, EROFS, EACCES, ...) is a WriteError naming
 *    the file (write-error.ts), exit 2.
 */
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  lstatSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { ensureParentDir, parentDirExists, StateDirError } from "./state-dirs.ts";
import { displayPath, rethrowIo } from "./write-error.ts";

/** Append, create when missing, and fail (ELOOP) rather than follow a link at the file itself. */
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);
const FILE_MODE = 0o644;

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes every byte, continuing after a short write. A write that takes nothing at all is what a
 * full device does on some file systems instead of failing: it is reported as ENOSPC.
 */
export function writeFully(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) {
    const written = writeSync(fd, bytes, offset, bytes.length - offset);
    if (written <= 0) throw Object.assign(new Error("the device took no more bytes"), { code: "ENOSPC", syscall: "write" });
    offset += written;
  }
}

/** A link where a state file belongs is refused, not followed (nor silently replaced). */
function refuseLink(path: string): void {
  let isLink = false;
  try {
    isLink = lstatSync(path).isSymbolicLink();
  } catch {
    return; // absent: it is created
  }
  if (isLink) {
    const shown = displayPath(path);
    throw new StateDirError(shown, "is a symbolic link: perfloop never writes its state through a link", `remove the link (rm ${shown}), then run the command again`);
  }
}

export function writeFileAtomic(path: string, text: string, pid: number): void {
  const dir = ensureParentDir(path);
  refuseLink(path);
  const temp = `${path}.tmp-${pid}`;
  try {
    // A temp file left by a killed process with the same pid; rm removes a link, never its target.
    rmSync(temp, { force: true });
    const fd = openSync(temp, "wx", FILE_MODE);
    try {
      writeFully(fd, Buffer.from(text));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    try {
      rmSync(temp, { force: true });
    } catch {
      // The first error is the one to report.
    }
    rethrowIo(error, path, "write");
  }
  fsyncDir(dir);
}

/** 2-space JSON plus a newline, as the original writes its snapshots. */
export function writeJsonAtomic(path: string, value: unknown, pid: number): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, pid);
}

/**
 * Appends `text` durably, all or nothing: when the write or the fsync fails, the file is cut back
 * to its length before. `validBytes`: the file is first cut to this length (a torn last line left
 * by a crash).
 */
export function appendDurable(path: string, text: string, validBytes?: number): void {
  ensureParentDir(path);
  refuseLink(path);
  let fd: number;
  try {
    fd = openSync(path, APPEND_FLAGS, FILE_MODE);
  } catch (error) {
    return rethrowIo(error, path, "write");
  }
  try {
    let before = fstatSync(fd).size;
    if (validBytes !== undefined && validBytes < before) {
      ftruncateSync(fd, validBytes);
      before = validBytes;
    }
    try {
      writeFully(fd, Buffer.from(text));
      fsyncSync(fd);
    } catch (error) {
      try {
        ftruncateSync(fd, before);
        fsyncSync(fd);
      } catch {
        // Left torn: the store ignores a torn last line and cuts it at the next write.
      }
      throw error;
    }
  } catch (error) {
    rethrowIo(error, path, "write");
  } finally {
    closeSync(fd);
  }
}

/** Removes a state file; its directories are checked (never followed through a link) first. */
export function removeStateFile(path: string): void {
  if (!parentDirExists(path)) return;
  try {
    rmSync(path, { force: true });
  } catch (error) {
    rethrowIo(error, path, "remove");
  }
}

export function readTextIfExists(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    // Absent, or a path through something that is not a directory: either way there is no file.
    const code = (error as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    return rethrowIo(error, path, "read");
  }
}

/** Parsed JSON, or null when the file is missing or not JSON. */
export function readJsonLoose(path: string): unknown {
  const text = readTextIfExists(path);
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
