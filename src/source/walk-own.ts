/**
 * The code a hot function runs itself: its body without the functions defined in it (they are
 * profiled on their own), except iteration callbacks (`xs.map((x) => …)`), whose body runs as
 * part of the loop they make.
 */
import type { Node } from "@babel/types";
import { isFunction, isIterationCallback, walk } from "./ast.ts";
import type { File } from "@babel/types";

/** Calls `visit` for each node of the function's own code, with its ancestors from the file's root (a live array: copy it to keep it). */
export function walkOwn(ctx: { ast: File; fn: Node }, visit: (node: Node, ancestors: readonly Node[]) => void): void {
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

/** Each node's parent, per program (computed once, on first use). */
const PARENTS = new WeakMap<Node, WeakMap<Node, Node>>();

function parentsOf(root: Node): WeakMap<Node, Node> {
  let parents = PARENTS.get(root);
  if (!parents) {
    const map = new WeakMap<Node, Node>();
    walk(root, (node, ancestors) => {
      const parent = ancestors[ancestors.length - 1];
      if (parent) map.set(node, parent);
    });
    parents = map;
    PARENTS.set(root, parents);
  }
  return parents;
}

/** The ancestors of `target` from `root` (root first), or [] when it is the root or not under it. */
export function ancestorsOf(root: Node, target: Node): Node[] {
  if (root === target) return [];
  const parents = parentsOf(root);
  const out: Node[] = [];
  for (let node = parents.get(target); node; node = parents.get(node)) {
    out.push(node);
    if (node === root) return out.reverse();
  }
  return [];
}
