/**
 * A small tmpfs for the full-disk tests: mounted where the test runs as root (CI containers, this
 * machine), and filled to leave a chosen number of bytes free. Not a test file itself.
 */
import { spawnSync } from "node:child_process";
import { closeSync, ftruncateSync, fstatSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";

/** tmpfs hands out space in pages. */
export const PAGE_BYTES = 4096;
const FILL_CHUNK_BYTES = 64 * 1024;

/** Mounts a tmpfs of `size` (mount's syntax, e.g. "4m") at `dir`; false when not permitted. */
export function mountTmpfs(dir: string, size: string): boolean {
  return spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "ignore" }).status === 0;
}

export function unmount(dir: string): void {
  spawnSync("umount", ["-l", dir], { stdio: "ignore" });
}

/**
 * Makes the mount read-only (or writable again). A remount read-only is refused (EBUSY) while a
 * file on it is open for writing, as it is for a moment when a child forked elsewhere in this
 * process still holds a copy of a descriptor: it is tried again for up to a second. Returns
 * mount's last error, or null on success.
 */
export function remount(dir: string, mode: "ro" | "rw"): string | null {
  let error = "";
  for (let attempt = 0; attempt < 20; attempt++) {
    const result = spawnSync("mount", ["-o", `remount,${mode}`, dir], { encoding: "utf8" });
    if (result.status === 0) return null;
    error = `${result.stderr ?? ""}`.trim() || `mount exited with ${result.status}`;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
  return error;
}

/** Bytes free on the file system holding `dir` (df). */
export function freeBytes(dir: string): number {
  const out = spawnSync("df", ["-B1", "--output=avail", dir], { encoding: "utf8" }).stdout.trim().split("\n");
  return Number(out.at(-1));
}

/**
 * Fills the file system holding `dir` with `<dir>/<name>` until it is full, then gives back
 * `leave` bytes (rounded down to whole pages). Returns the filler's path (remove it to free all).
 */
export function fillLeaving(dir: string, leave: number, name = "filler"): string {
  const path = join(dir, name);
  const fd = openSync(path, "w");
  try {
    const chunk = new Uint8Array(FILL_CHUNK_BYTES).fill(120);
    for (;;) {
      try {
        if (writeSync(fd, chunk) < chunk.length) break;
      } catch (error) {
        if ((error as { code?: string }).code === "ENOSPC") break;
        throw error;
      }
    }
    // Whole pages only: the next page that is written is the one that does not fit.
    const size = fstatSync(fd).size;
    const give = Math.floor(leave / PAGE_BYTES) * PAGE_BYTES;
    ftruncateSync(fd, Math.max(0, Math.floor(size / PAGE_BYTES) * PAGE_BYTES - give));
  } finally {
    closeSync(fd);
  }
  return path;
}
