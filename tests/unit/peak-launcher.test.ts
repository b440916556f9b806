// The committed launcher bytes against their source, and the record the launcher writes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { decodeRecord } from "../../src/platform/peak-launcher.ts";
import { PEAK_LAUNCHER_X86_64 } from "../../src/platform/peak-launcher-x86_64.ts";

const script = fileURLToPath(new URL("../../scripts/peak-launcher.sh", import.meta.url));
const hasBinutils = ["as", "objcopy"].every((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0) && process.arch === "x64";

test("the committed launcher is what its assembly source assembles to", { skip: hasBinutils ? false : "needs GNU as and objcopy on x86_64" }, () => {
  const built = spawnSync("sh", [script], { encoding: "utf8" });
  assert.equal(built.status, 0, built.stderr);
  assert.equal(built.stdout.trim(), PEAK_LAUNCHER_X86_64, "run scripts/peak-launcher.sh and paste its output into src/platform/peak-launcher-x86_64.ts");
});

test("the committed launcher is a static x86_64 ELF executable with no interpreter", () => {
  const bytes = Buffer.from(PEAK_LAUNCHER_X86_64, "base64");
  assert.deepEqual([...bytes.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
  assert.equal(bytes.readUInt16LE(16), 2, "ET_EXEC");
  assert.equal(bytes.readUInt16LE(18), 62, "EM_X86_64");
  const phoff = Number(bytes.readBigUInt64LE(32));
  const types = Array.from({ length: bytes.readUInt16LE(56) }, (_, i) => bytes.readUInt32LE(phoff + i * 56));
  assert.deepEqual(types, [1, 0x6474e551], "one PT_LOAD and PT_GNU_STACK, no PT_INTERP");
  assert.ok(bytes.length < 4096, `${bytes.length} bytes`);
});

function record(kind: number, value: number, fields: Record<number, bigint> = {}): Buffer {
  const buffer = Buffer.alloc(8 + 144);
  buffer.writeUInt32LE(kind, 0);
  buffer.writeUInt32LE(value, 4);
  for (const [offset, field] of Object.entries(fields)) buffer.writeBigInt64LE(field, 8 + Number(offset));
  return buffer;
}

test("records: an exit, a signal, a command that could not start, garbage", () => {
  // utime 1.5 s, stime 0.25 s, maxrss 41 MiB, 8 blocks in, 2 out.
  const ended = decodeRecord(record(2, 3 << 8, { 0: 1n, 8: 500_000n, 16: 0n, 24: 250_000n, 32: 41n * 1024n, 88: 8n, 96: 2n }));
  assert.deepEqual(ended, {
    started: true,
    exitCode: 3,
    signal: null,
    usage: { cpuUserMs: 1500, cpuSystemMs: 250, maxRssBytes: 41 * 1024 * 1024, ioReadBytes: 4096, ioWriteBytes: 1024 },
  });
  const killed = decodeRecord(record(2, 9));
  assert.equal(killed?.started && killed.signal, "SIGKILL");
  assert.equal(killed?.started && killed.exitCode, null);
  assert.deepEqual(decodeRecord(record(1, 13).subarray(0, 8)), { started: false, reason: "EACCES" });
  assert.equal(decodeRecord(record(2, 0).subarray(0, 100)), null, "a cut record");
  assert.equal(decodeRecord(record(7, 0)), null, "an unknown kind");
});
