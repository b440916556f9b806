/**
 * A source file parsed once for everything that reads code (docs/research.md, The rule engine):
 * the suspicion scan of the profile and the built-in rules. `loadSource` parses (parse.ts) and
 * analyses scopes (scope.ts); `locateFunction` finds the function a CPU profile entry names.
 */
import type { File, Node } from "@babel/types";
import { isFunction, walk, type FunctionNode } from "./ast.ts";
import { parseSource } from "./parse.ts";
import { analyzeScopes, type ScopeInfo } from "./scope.ts";

export interface SourceFile {
  path: string;
  text: string;
  ast: File;
  typescript: boolean;
  scopes: ScopeInfo;
}

/** A parsed file, or why it is not read. */
export function loadSource(path: string, text: string): SourceFile | { error: string } {
  const parsed = parseSource(text, path);
  if (!parsed.ok) return { error: `${path} ${parsed.reason}` };
  return { path, text, ast: parsed.ast, typescript: parsed.typescript, scopes: analyzeScopes(parsed.ast.program) };
}

/**
 * The function a profile entry names: one starting on its line (the innermost whose start is at or
 * before its column, as V8 reports a function at its parameters and JSC at its keyword), else the
 * innermost containing the line; the program for top-level code (`(anonymous)` at line 1 or 0).
 */
export function locateFunction(file: SourceFile, hot: { line: number; column: number; function: string }): FunctionNode | File["program"] | null {
  const program = file.ast.program;
  const functions = functionsOf(program);
  const starting = functions.filter((fn) => (fn.loc?.start.line ?? 0) === hot.line);
  if (starting.length > 0) {
    const column = hot.column - 1;
    const before = hot.column > 0 ? starting.filter((fn) => (fn.loc?.start.column ?? 0) <= column) : [];
    // In source order, outermost first: the last one starting at or before the column is the innermost.
    return before.at(-1) ?? starting[0] ?? null;
  }
  const topLevel = hot.function === "(anonymous)" || hot.function === "" || hot.function === "(program)";
  if (topLevel && hot.line <= 1) return program;
  const containing = functions.filter((fn) => (fn.loc?.start.line ?? 0) < hot.line && hot.line <= (fn.loc?.end.line ?? 0));
  return containing.at(-1) ?? null;
}

/** Every function of a program, in source order (outer before inner), computed once. */
const FUNCTIONS = new WeakMap<Node, FunctionNode[]>();

function functionsOf(program: Node): FunctionNode[] {
  let list = FUNCTIONS.get(program);
  if (!list) {
    const found: FunctionNode[] = [];
    walk(program, (node) => {
      if (isFunction(node)) found.push(node);
    });
    list = found;
    FUNCTIONS.set(program, list);
  }
  return list;
}
