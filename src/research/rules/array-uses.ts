/**
 * How the code uses an array binding, reference by reference: what the rules need to prove that
 * an array is fresh (made by a literal here), dense, and changed only in ways they can follow.
 */
import type { Node } from "@babel/types";
import { isFunction } from "../../source/ast.ts";
import type { Binding, Reference } from "../../source/scope.ts";

/** Methods that neither change the array nor hand it to a callback. */
const READ_METHODS = new Set(["includes", "indexOf", "lastIndexOf", "slice", "join", "at", "concat", "toString", "entries", "keys", "values", "toSorted", "toReversed", "with", "flat"]);
/** Methods that call a callback with (element, index, array): the array escapes to a third parameter. */
const CALLBACK_METHODS = new Set(["map", "filter", "forEach", "some", "every", "find", "findIndex", "findLast", "findLastIndex", "reduce", "reduceRight", "flatMap"]);

export type UseKind =
  /** `x.push(a, …)` as a statement, no spread arguments. */
  | "push"
  /** `x.method(…)` for a method that only reads (READ_METHODS). */
  | "read-method"
  /** `x.method(cb)` for an iteration method whose inline callback takes at most two parameters. */
  | "callback-read"
  /** `x.length` read. */
  | "length"
  /** `x[i]` read. */
  | "index-read"
  /** `for (… of x)`. */
  | "iterate"
  /** `[...x]` or `f(...x)`. */
  | "spread"
  /** `return x`: the function ends; what the caller does with the array happens after. */
  | "return"
  /** Anything else: written, passed, returned, stored, mutated, called. */
  | "other";

export interface Use {
  kind: UseKind;
  ref: Reference;
  /** The method for push, read-method and callback-read. */
  method?: string;
  /** The call expression for methods, the member expression for length and index reads. */
  node: Node;
}

export function classifyUse(ref: Reference): Use {
  const parent = ref.ancestors[ref.ancestors.length - 1];
  const grand = ref.ancestors[ref.ancestors.length - 2];
  const great = ref.ancestors[ref.ancestors.length - 3];
  if (ref.write || !parent) return { kind: "other", ref, node: ref.id };
  if (parent.type === "ForOfStatement" && parent.right === ref.id) return { kind: "iterate", ref, node: parent };
  if (parent.type === "ReturnStatement" && parent.argument === ref.id) return { kind: "return", ref, node: parent };
  if (parent.type === "SpreadElement" && grand && (grand.type === "ArrayExpression" || grand.type === "CallExpression")) return { kind: "spread", ref, node: parent };
  if (parent.type === "MemberExpression" && parent.object === ref.id) {
    const assigned = (grand?.type === "AssignmentExpression" && grand.left === parent) || grand?.type === "UpdateExpression" || (grand?.type === "UnaryExpression" && grand.operator === "delete");
    if (assigned) return { kind: "other", ref, node: parent };
    if (parent.computed) return grand?.type === "CallExpression" && grand.callee === parent ? { kind: "other", ref, node: parent } : { kind: "index-read", ref, node: parent };
    if (parent.property.type !== "Identifier") return { kind: "other", ref, node: parent };
    const name = parent.property.name;
    if (name === "length" && !(grand?.type === "CallExpression" && grand.callee === parent)) return { kind: "length", ref, node: parent };
    if (grand?.type === "CallExpression" && grand.callee === parent) {
      const spreadArg = grand.arguments.some((a) => a.type === "SpreadElement");
      if (name === "push" && great?.type === "ExpressionStatement" && !spreadArg && grand.arguments.length > 0) return { kind: "push", ref, method: name, node: grand };
      if (READ_METHODS.has(name)) return { kind: "read-method", ref, method: name, node: grand };
      if (CALLBACK_METHODS.has(name)) {
        const cb = grand.arguments[0];
        if (cb && isFunction(cb) && cb.params.length <= 2) return { kind: "callback-read", ref, method: name, node: grand };
      }
    }
  }
  return { kind: "other", ref, node: parent };
}

/** Whether the binding is declared `const x = []` / `let x = []` (a fresh, empty, dense array) and never reassigned. */
export function isFreshEmptyArray(binding: Binding): boolean {
  const decl = binding.declaration;
  if (decl.type !== "VariableDeclarator" || decl.id !== binding.id) return false;
  if (!(binding.kind === "const" || binding.kind === "let")) return false;
  const init = decl.init;
  if (!init || init.type !== "ArrayExpression" || init.elements.length !== 0) return false;
  return binding.references.every((r) => !r.write);
}

/** Whether the binding is exported (others may change it). */
export function isExported(binding: Binding, ancestorsOfDeclaration: readonly Node[]): boolean {
  return ancestorsOfDeclaration.some((n) => n.type === "ExportNamedDeclaration" || n.type === "ExportDefaultDeclaration");
}
