/**
 * A measured command's own peak memory on Linux (docs/measurement.md, Peak memory).
 *
 * On Linux a child's ru_maxrss is never below the RSS high-water mark of the process it was forked
 * from: at execve the kernel folds the old memory map's high-water mark into the new program's
 * (fs/exec.c, setmax_mm_hiwater_rss). Forked from perfloop (tens of MiB), a small command reads
 * as perfloop. So a measured run starts a launcher instead, a static executable of a few pages
 * (peak-launcher/x86_64.S): exec'd, its own memory map is small; it forks the command, which
 * starts from that small map, waits for it, and writes the command's wait status and rusage to
 * fd 3. That is what GNU time does, from a process of about 1 MiB; this one's ru_maxrss reads 0 KiB
 * (`launcher launcher`, the inner one exiting at once).
 *
 * The launcher's bytes are written once to the temporary directory (`perfloop-peak-<uid>-<hash>`)
 * and reused while they are intact and ours. Where there is no launcher for the machine (any OS
 * but Linux, any CPU but x86_64), it cannot be written or cannot be executed (a `noexec` /tmp),
 * commands are spawned directly and a peak below perfloop's own is unknown, as before.
 */
import { createHash } from "node:crypto";
import { closeSync, lstatSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { PEAK_LAUNCHER_X86_64 } from "./peak-launcher-x86_64.ts";
import { type ChildUsage, RUSAGE_BLOCK_BYTES } from "./spawn-runner.ts";

/** The launcher writes its record to this file descriptor of its own. */
export const LAUNCHER_RESULT_FD = 3;
/** u32 kind, u32 value, then `struct rusage` (144 bytes on 64-bit Linux). */
const RECORD_BYTES = 8 + 144;
const KIND_NOT_STARTED = 1;
const KIND_ENDED = 2;
/** Byte offsets of the fields read from the rusage (two timevals, then longs). */
const RUSAGE_AT = 8;
const FIELD = { utimeSec: 0, utimeUsec: 8, stimeSec: 16, stimeUsec: 24, maxrssKib: 32, inblock: 88, oublock: 96 } as const;

let path: string | null | undefined;

/** The launcher's path, written at first use; null where there is none for this machine or it cannot be written. */
export function peakLauncherPath(): string | null {
  if (path === undefined) path = process.platform === "linux" && process.arch === "x64" ? install(Buffer.from(PEAK_LAUNCHER_X86_64, "base64")) : null;
  return path;
}

/** After the launcher could not be executed (a `noexec` temporary directory): spawn directly from now on. */
export function disablePeakLauncher(): void {
  path = null;
}

function install(bytes: Buffer): string | null {
  const uid = process.getuid?.() ?? -1;
  const hash = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
  const target = join(tmpdir(), `perfloop-peak-${uid}-${hash}`);
  if (isIntact(target, bytes, uid)) return target;
  // Written aside and renamed: a concurrent perfloop never executes a half-written file.
  const aside = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(aside, bytes, { mode: 0o755, flag: "wx" });
    renameSync(aside, target);
  } catch {
    rmSync(aside, { force: true });
    return null;
  }
  return isIntact(target, bytes, uid) ? target : null;
}

/** A regular file of ours that nobody else can write, holding exactly these bytes. */
function isIntact(file: string, bytes: Buffer, uid: number): boolean {
  try {
    const stat = lstatSync(file);
    if (!stat.isFile() || stat.uid !== uid || (stat.mode & 0o022) !== 0 || (stat.mode & 0o100) === 0) return false;
    return readFileSync(file).equals(bytes);
  } catch {
    return false;
  }
}

/** What the launcher reported: the command's end and usage, or why it could not start. */
export type LauncherReport =
  | { readonly started: true; readonly exitCode: number | null; readonly signal: string | null; readonly usage: ChildUsage }
  | { readonly started: false; readonly reason: string };

/**
 * Reads the launcher's record from the read end of its fd 3, once it has exited, and closes it;
 * null when there is none (the launcher was killed before writing it).
 */
export function readLauncherReport(fd: number): LauncherReport | null {
  const record = Buffer.alloc(RECORD_BYTES);
  let length = 0;
  try {
    for (;;) {
      const read = readSync(fd, record, length, RECORD_BYTES - length, null);
      if (read <= 0) break;
      length += read;
      if (length === RECORD_BYTES) break;
    }
  } catch {
    // EAGAIN: nothing was written.
  } finally {
    closeSync(fd);
  }
  return length >= 8 ? decodeRecord(record.subarray(0, length)) : null;
}

/** The record's bytes (exported for tests). */
export function decodeRecord(record: Buffer): LauncherReport | null {
  const kind = record.readUInt32LE(0);
  const value = record.readUInt32LE(4);
  if (kind === KIND_NOT_STARTED) return { started: false, reason: errnoName(value) };
  if (kind !== KIND_ENDED || record.length < RECORD_BYTES) return null;
  const long = (field: number) => Number(record.readBigInt64LE(RUSAGE_AT + field));
  const signalNumber = value & 0x7f;
  return {
    started: true,
    exitCode: signalNumber === 0 ? (value >> 8) & 0xff : null,
    signal: signalNumber === 0 ? null : signalName(signalNumber),
    usage: {
      cpuUserMs: long(FIELD.utimeSec) * 1000 + long(FIELD.utimeUsec) / 1000,
      cpuSystemMs: long(FIELD.stimeSec) * 1000 + long(FIELD.stimeUsec) / 1000,
      maxRssBytes: long(FIELD.maxrssKib) * 1024,
      ioReadBytes: long(FIELD.inblock) * RUSAGE_BLOCK_BYTES,
      ioWriteBytes: long(FIELD.oublock) * RUSAGE_BLOCK_BYTES,
    },
  };
}

function errnoName(errno: number): string {
  const name = Object.entries(constants.errno).find(([, number]) => number === errno)?.[0];
  return name ?? `errno ${errno}`;
}

function signalName(signal: number): string {
  return Object.entries(constants.signals).find(([, number]) => number === signal)?.[0] ?? `signal ${signal}`;
}
