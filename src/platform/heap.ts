/**
 * Reads the bytes in use on the JavaScript heap, to measure what one call allocates.
 *
 * Bun's `process.memoryUsage().heapUsed` moves in 1 MiB steps and its `node:v8`
 * `getHeapStatistics()` returns constants (checked on Bun 1.4.5), so under Bun the reader is
 * `bun:jsc`'s `memoryUsage().current`, as mitata's own `B.run` does. Elsewhere (Deno, Node)
 * `process.memoryUsage().heapUsed` follows every allocation.
 *
 * Runtime-specific, so it lives in src/platform/.
 */
import process from "node:process";

export type HeapReader = () => number;

export async function defaultHeapReader(): Promise<HeapReader> {
  if (process.versions.bun) {
    const jsc = await import("bun:jsc");
    return () => jsc.memoryUsage().current;
  }
  return () => process.memoryUsage().heapUsed;
}
