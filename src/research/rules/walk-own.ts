/**
 * The code a hot function runs itself: its body without the functions defined in it (they are
 * profiled on their own), except iteration callbacks (`xs.map((x) => …)`), whose body runs as
 * part of the loop they make.
 */
import type { Node } from "@babel/types";
import { isFunction, isIterationCallback, walk } from "./ast.ts";
import type { RuleContext } from "./types.ts";

/** Calls `visit` for each node of the function's own code, with its ancestors from the file's root. */
export function walkOwn(ctx: RuleContext, visit: (node: Node, ancestors: readonly Node[]) => void): void {
  const prefix = ancestorsOf(ctx.ast.program, ctx.fn);
  const fn = ctx.fn;
  walk(
    fn,
    (node, ancestors) => {
      if (node !== fn && isFunction(node) && !isIterationCallback(node, ancestors[ancestors.length - 1])) return false;
      if (node !== fn) visit(node, ancestors);
      return true;
    },
    [...prefix],
  );
}

/** The ancestors of `target` from `root` (root first), or [] when it is the root or not found. */
export function ancestorsOf(root: Node, target: Node): Node[] {
  if (root === target) return [];
  let found: Node[] = [];
  walk(root, (node, ancestors) => {
    if (found.length > 0) return false;
    if (node === target) {
      found = [...ancestors];
      return false;
    }
    return (node.start ?? 0) <= (target.start ?? 0) && (target.end ?? 0) <= (node.end ?? 0);
  });
  return found;
}
