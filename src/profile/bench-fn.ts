/**
 * One round of a function target, in a process of its own (src/execute/target-runners.ts):
 * `perfloop __bench-fn '<request json>'`, never typed by a person, imports the export from a side
 * tree, times it with mitata for the request's minimum time (function-target.ts) and prints one
 * JSON line: its median time per call, or the one-line reason it could not (the export missing,
 * a call that threw). Its exit code is 0 either way; a crash is the process's own exit.
 */
import * as v from "valibot";
import { PerfloopError } from "../errors.ts";
import { measureFunction } from "./function-target.ts";

export const BENCH_FN_COMMAND = "__bench-fn";

export const BenchFnRequestSchema = v.object({
  /** Absolute path of the module in the side tree. */
  file: v.string(),
  export_name: v.string(),
  args: v.array(v.unknown()),
  min_time_ms: v.pipe(v.number(), v.minValue(1)),
  project_root: v.string(),
});
export type BenchFnRequest = v.InferOutput<typeof BenchFnRequestSchema>;

export const BenchFnResultSchema = v.variant("ok", [
  v.object({ ok: v.literal(true), time_per_call_ns: v.pipe(v.number(), v.minValue(0)), heap_bytes_per_call: v.nullable(v.number()), samples: v.number() }),
  v.object({ ok: v.literal(false), error: v.string() }),
]);
type BenchFnResult = v.InferOutput<typeof BenchFnResultSchema>;

/** Runs one round from `args` (the request as JSON) and writes its result line; returns the exit code. */
export async function serveBenchFn(args: readonly string[], writeStdout: (text: string) => void): Promise<number> {
  const write = (result: BenchFnResult) => writeStdout(`${JSON.stringify(result)}\n`);
  let raw: unknown;
  try {
    raw = JSON.parse(args[0] ?? "");
  } catch {
    write({ ok: false, error: `${BENCH_FN_COMMAND} takes one JSON request` });
    return 2;
  }
  const request = v.safeParse(BenchFnRequestSchema, raw);
  if (!request.success) {
    write({ ok: false, error: `${BENCH_FN_COMMAND}: ${request.issues[0]!.message}` });
    return 2;
  }
  const { file, export_name, args: callArgs, min_time_ms, project_root } = request.output;
  try {
    const profile = await measureFunction({ file, exportName: export_name, args: callArgs, projectRoot: project_root, minTimeMs: min_time_ms });
    write({ ok: true, time_per_call_ns: profile.time_per_call_ns.median, heap_bytes_per_call: profile.heap_bytes_per_call, samples: profile.samples });
  } catch (error) {
    if (!(error instanceof PerfloopError)) throw error;
    write({ ok: false, error: error.message });
  }
  return 0;
}
