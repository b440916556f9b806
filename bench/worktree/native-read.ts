/**
 * EXPERIMENT, not used by perfloop: how fast could the blob reads of a materialization be with a
 * native inflate (node:zlib) instead of isomorphic-git's pako? Reads pack v2 (.idx v2) and loose
 * objects by hand, resolves ofs/ref deltas, and materializes like materialize.ts does.
 * It exists to measure the cost of isomorphic-git's object reader (docs/git.md), not to ship.
 *   bun bench/worktree/native-read.ts <repo> <target>
 */
import * as fs from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { inflateSync } from "node:zlib";

const [repoDir = ".", target = "/tmp/native-read"] = process.argv.slice(2);
const t0 = performance.now();
const gitdir = join(repoDir, ".git");
const packDir = join(gitdir, "objects", "pack");
type Pack = { data: Buffer; offsets: Map<string, number>; ends: Map<number, number> };
const packs: Pack[] = [];
for (const name of fs.readdirSync(packDir).filter((n) => n.endsWith(".idx"))) {
  const idx = fs.readFileSync(join(packDir, name));
  const data = fs.readFileSync(join(packDir, name.replace(/\.idx$/, ".pack")));
  const count = idx.readUInt32BE(8 + 255 * 4);
  const oidsAt = 8 + 256 * 4;
  const offsetsAt = oidsAt + count * 20 + count * 4;
  const largeAt = offsetsAt + count * 4;
  const offsets = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    let offset = idx.readUInt32BE(offsetsAt + i * 4);
    if (offset & 0x80000000) offset = Number(idx.readBigUInt64BE(largeAt + (offset & 0x7fffffff) * 8));
    offsets.set(idx.toString("hex", oidsAt + i * 20, oidsAt + i * 20 + 20), offset);
  }
  const sorted = [...offsets.values()].sort((a, b) => a - b);
  const ends = new Map<number, number>();
  sorted.forEach((offset, i) => ends.set(offset, sorted[i + 1] ?? data.length - 20));
  packs.push({ data, offsets, ends });
}
const TYPES = ["", "commit", "tree", "blob", "tag", "", "ofs_delta", "ref_delta"];

function applyDelta(delta: Buffer, base: Buffer): Buffer {
  let pos = 0;
  const varint = () => { let value = 0, shift = 0, byte; do { byte = delta[pos++]!; value |= (byte & 0x7f) << shift; shift += 7; } while (byte & 0x80); return value; };
  varint();
  const out = Buffer.allocUnsafe(varint());
  let at = 0;
  while (pos < delta.length) {
    const op = delta[pos++]!;
    if (op & 0x80) {
      let offset = 0, size = 0;
      for (let i = 0; i < 4; i++) if (op & (1 << i)) offset |= delta[pos++]! << (8 * i);
      for (let i = 0; i < 3; i++) if (op & (1 << (4 + i))) size |= delta[pos++]! << (8 * i);
      if (size === 0) size = 0x10000;
      at += base.copy(out, at, offset, offset + size);
    } else {
      at += delta.copy(out, at, pos, pos + op);
      pos += op;
    }
  }
  return out;
}

function readAt(pack: Pack, start: number): { type: string; data: Buffer } {
  const d = pack.data;
  let pos = start;
  let byte = d[pos++]!;
  const type = TYPES[(byte >> 4) & 7]!;
  while (byte & 0x80) byte = d[pos++]!;
  if (type === "ofs_delta") {
    byte = d[pos++]!;
    let offset = byte & 0x7f;
    while (byte & 0x80) { byte = d[pos++]!; offset = ((offset + 1) << 7) | (byte & 0x7f); }
    const base = readAt(pack, start - offset);
    return { type: base.type, data: applyDelta(inflateSync(d.subarray(pos, pack.ends.get(start))), base.data) };
  }
  if (type === "ref_delta") {
    const base = readObject(d.toString("hex", pos, pos + 20));
    pos += 20;
    return { type: base.type, data: applyDelta(inflateSync(d.subarray(pos, pack.ends.get(start))), base.data) };
  }
  return { type, data: inflateSync(d.subarray(pos, pack.ends.get(start))) };
}

function readObject(oid: string): { type: string; data: Buffer } {
  for (const pack of packs) {
    const start = pack.offsets.get(oid);
    if (start !== undefined) return readAt(pack, start);
  }
  const raw = inflateSync(fs.readFileSync(join(gitdir, "objects", oid.slice(0, 2), oid.slice(2))));
  const nul = raw.indexOf(0);
  return { type: raw.toString("latin1", 0, raw.indexOf(32)), data: raw.subarray(nul + 1) };
}

function parseTree(data: Buffer): { mode: string; name: string; oid: string }[] {
  const entries = [];
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(32, pos);
    const nul = data.indexOf(0, space);
    entries.push({ mode: data.toString("latin1", pos, space), name: data.toString("utf8", space + 1, nul), oid: data.toString("hex", nul + 1, nul + 21) });
    pos = nul + 21;
  }
  return entries;
}

const head = fs.readFileSync(join(gitdir, "HEAD"), "utf8").trim();
const ref = head.startsWith("ref: ") ? head.slice(5) : head;
let commit = ref;
if (!/^[0-9a-f]{40}$/.test(ref)) {
  try { commit = fs.readFileSync(join(gitdir, ref), "utf8").trim(); }
  catch { commit = fs.readFileSync(join(gitdir, "packed-refs"), "utf8").split("\n").find((line) => line.endsWith(` ${ref}`))!.slice(0, 40); }
}
const rootTree = readObject(commit).data.toString("latin1", 5, 45);
const t1 = performance.now();
fs.rmSync(target, { recursive: true, force: true });
fs.mkdirSync(target);
const files: { path: string; mode: string; data: Buffer }[] = [];
const walk = (oid: string, prefix: string) => {
  for (const entry of parseTree(readObject(oid).data)) {
    const path = prefix + entry.name;
    if (entry.mode === "40000") { fs.mkdirSync(join(target, path)); walk(entry.oid, `${path}/`); }
    else if (entry.mode !== "160000") files.push({ path, mode: entry.mode, data: readObject(entry.oid).data });
  }
};
walk(rootTree, "");
const t2 = performance.now();
let next = 0;
await Promise.all(Array.from({ length: 32 }, async () => {
  while (next < files.length) {
    const file = files[next++]!;
    if (file.mode === "120000") await fs.promises.symlink(file.data.toString("utf8"), join(target, file.path));
    else await fs.promises.writeFile(join(target, file.path), file.data, { mode: file.mode === "100755" ? 0o777 : 0o666, flag: "wx" });
  }
}));
const t3 = performance.now();
console.log(`native: open ${(t1 - t0).toFixed(0)}, read ${(t2 - t1).toFixed(0)}, write ${(t3 - t2).toFixed(0)}; total ${(t3 - t0).toFixed(0)} ms`);
