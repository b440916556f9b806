/**
 * Small questions the accumulating-spread and queue-shift rules ask about a local binding and the
 * text around it: which function a reference runs in, how an expression is written (with its
 * parentheses), whether a statement ends with a semicolon, whether a global name is shadowed, and
 * whether an expression is known to be an array.
 */
import type { Node } from "@babel/types";
import { isFunction, isIterationCallback, unwrapTs } from "../../source/ast.ts";
import type { Binding, ScopeInfo } from "../../source/scope.ts";
import type { RuleContext } from "./types.ts";

/**
 * The innermost function around the node whose ancestors are given (outermost first), or the
 * program (ancestors[0]). With `throughCallbacks`, an iteration callback (`xs.forEach((x) => …)`)
 * does not count: its body runs as part of the function that calls the iteration method.
 */
export function ownerFunction(ancestors: readonly Node[], throughCallbacks: boolean): Node | undefined {
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const node = ancestors[i] as Node;
    if (!isFunction(node)) continue;
    if (throughCallbacks && isIterationCallback(node, ancestors[i - 1])) continue;
    return node;
  }
  return ancestors[0];
}

/** The source text of an expression, with the parentheses it was written in (babel drops them from the range). */
export function exprText(ctx: RuleContext, node: Node): string {
  const text = ctx.text.slice(node.start ?? 0, node.end ?? 0);
  return (node.extra as { parenthesized?: boolean } | undefined)?.parenthesized ? `(${text})` : text;
}

/** Whether a statement is written with its closing semicolon. */
export function endsWithSemicolon(ctx: RuleContext, node: Node): boolean {
  return ctx.text.slice(node.start ?? 0, node.end ?? 0).trimEnd().endsWith(";");
}

/** Whether any scope of the file declares `name` (so a global of that name may not be the global). */
export function isDeclaredAnywhere(scopes: ScopeInfo, name: string): boolean {
  for (const scope of scopes.scopeOf.values()) if (scope.bindings.has(name)) return true;
  return false;
}

/** Whether `node` lies inside `outer` (by offsets). */
export function within(outer: Node, node: Node): boolean {
  return (outer.start ?? 0) <= (node.start ?? 0) && (node.end ?? 0) <= (outer.end ?? 0);
}

/** Whether any reference of the binding lies inside `node`. */
export function mentions(node: Node, binding: Binding): boolean {
  return binding.references.some((r) => within(node, r.id));
}

/** Line of a node, for reasons. */
export function lineText(ctx: RuleContext, node: Node): string {
  const first = ctx.text.slice(node.start ?? 0, node.end ?? 0).split("\n")[0] ?? "";
  return `line ${node.loc?.start.line ?? 0}: \`${first.length > 60 ? `${first.slice(0, 57)}...` : first}\``;
}

const ARRAY_FACTORIES = new Map([
  ["Object", new Set(["keys", "values", "entries", "getOwnPropertyNames"])],
  ["Array", new Set(["from", "of"])],
]);

/**
 * Whether an expression certainly evaluates to an Array: an array literal, `Array.from/of(…)`,
 * `Object.keys/values/entries(…)` (the globals, not shadowed), a `const` (or never reassigned `let`)
 * initialized with one of those, or a TypeScript parameter or variable annotated `T[]` / `Array<T>`.
 */
export function isKnownArray(ctx: RuleContext, node: Node, depth = 0): boolean {
  const n = unwrapTs(node);
  if (n.type === "ArrayExpression") return true;
  if (n.type === "CallExpression" && n.callee.type === "MemberExpression" && !n.callee.computed && n.callee.object.type === "Identifier" && n.callee.property.type === "Identifier") {
    const methods = ARRAY_FACTORIES.get(n.callee.object.name);
    return Boolean(methods?.has(n.callee.property.name)) && !isDeclaredAnywhere(ctx.scopes, n.callee.object.name);
  }
  if (n.type !== "Identifier" || depth > 3) return false;
  const binding = ctx.scopes.bindingOf.get(n);
  if (!binding || binding.references.some((r) => r.write)) return false;
  if (binding.id.typeAnnotation?.type === "TSTypeAnnotation" && isArrayType(binding.id.typeAnnotation.typeAnnotation)) return true;
  const decl = binding.declaration;
  if ((binding.kind === "const" || binding.kind === "let") && decl.type === "VariableDeclarator" && decl.id === binding.id && decl.init) return isKnownArray(ctx, decl.init, depth + 1);
  return false;
}

function isArrayType(t: Node): boolean {
  if (t.type === "TSArrayType") return true;
  if (t.type === "TSTypeOperator" && t.operator === "readonly") return isArrayType(t.typeAnnotation);
  return t.type === "TSTypeReference" && t.typeName.type === "Identifier" && (t.typeName.name === "Array" || t.typeName.name === "ReadonlyArray");
}
