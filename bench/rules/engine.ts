/**
 * The rule engine's cost (docs/benchmarks.md, "Rule engine"): on large real files, the bare
 * @babel/parser parse (the reference), the engine's load (parse and scope analysis), and the load
 * plus every rule on the file's MAX_RULE_FUNCTIONS largest functions (the worst case of one
 * cycle: every hot function in one large file). Medians of REPEATS, and the ratio to the bare
 * parse. With RUN_MS (the median wall time of a whole `perfloop run`, from run.sh), also the share
 * of that run the engine takes (it runs once per cycle).
 * Usage: bun bench/rules/engine.ts   (env: REPEATS=15, RUN_MS)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "@babel/parser";
import type { Node } from "@babel/types";
import { isFunction, walk } from "../../src/source/ast.ts";
import { proposeForFile } from "../../src/research/rules/engine.ts";
import { loadSource, type SourceFile } from "../../src/source/load.ts";
import { RULES } from "../../src/research/rules/index.ts";
import { MAX_RULE_FUNCTIONS } from "../../src/research/rules/propose.ts";
import type { HotEvidence } from "../../src/research/rules/types.ts";

const root = join(import.meta.dirname, "..", "..");
const FILES = ["node_modules/isomorphic-git/index.cjs", "node_modules/@babel/parser/lib/index.js", "src/profile/cpu-profile-parse.ts"];
const repeats = Number(process.env.REPEATS ?? 15);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function time(fn: () => void): number {
  const out: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    fn();
    out.push(performance.now() - start);
  }
  return median(out);
}

function largestFunctions(file: SourceFile): HotEvidence[] {
  const fns: Node[] = [];
  walk(file.ast.program, (node) => {
    if (isFunction(node)) fns.push(node);
  });
  fns.sort((a, b) => (b.end ?? 0) - (b.start ?? 0) - ((a.end ?? 0) - (a.start ?? 0)));
  return fns.slice(0, MAX_RULE_FUNCTIONS).map((fn) => ({ function: "f", path: file.path, line: fn.loc!.start.line, column: fn.loc!.start.column + 1, self_pct: 50, self_with_runtime_pct: 50, total_pct: 60 }));
}

console.log(`== rule engine, ${RULES.length} rules, medians of ${repeats}, ${process.versions.bun ? `bun ${process.versions.bun}` : `node ${process.versions.node}`}`);
console.log("file                                         KiB  parse ms  load ms  +rules ms  x parse");
let worst = 0;
for (const rel of FILES) {
  const text = readFileSync(join(root, rel), "utf8");
  const ts = rel.endsWith(".ts");
  const bare = time(() => parse(text, { sourceType: "unambiguous", allowReturnOutsideFunction: true, plugins: ts ? ["typescript"] : ["jsx"] }));
  const load = time(() => loadSource(rel, text));
  const file = loadSource(rel, text) as SourceFile;
  const hot = largestFunctions(file);
  const all = time(() => proposeForFile(loadSource(rel, text) as SourceFile, hot, RULES));
  worst = Math.max(worst, all);
  console.log(`${rel.padEnd(42)} ${String(Math.round(text.length / 1024)).padStart(5)} ${bare.toFixed(1).padStart(9)} ${load.toFixed(1).padStart(8)} ${all.toFixed(1).padStart(10)} ${(all / bare).toFixed(2).padStart(8)}`);
}
const runMs = Number(process.env.RUN_MS ?? NaN);
if (Number.isFinite(runMs)) console.log(`share of a run: the worst file ${worst.toFixed(1)} ms per cycle against a ${Math.round(runMs)} ms run: ${((worst / runMs) * 100).toFixed(3)}% (goal: under 1%)`);
