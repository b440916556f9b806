/**
 * Walking babel's AST without @babel/traverse (a large dependency for what the rules need): the
 * children of a node by its keys, a pre-order walk with the ancestors, and the small questions the
 * rules ask of expressions (a function? a loop? free of side effects?).
 */
import type { Node } from "@babel/types";

const SKIPPED_KEYS = new Set(["type", "start", "end", "loc", "range", "extra", "leadingComments", "trailingComments", "innerComments", "comments", "tokens"]);

/** The child nodes of `node`, in source order of their keys. */
export function childrenOf(node: Node): Node[] {
  const out: Node[] = [];
  for (const key in node) {
    if (SKIPPED_KEYS.has(key)) continue;
    const value = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) out.push(item);
    } else if (isNode(value)) out.push(value);
  }
  return out;
}

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}

/**
 * Pre-order walk. `visit` gets the node and its ancestors (outermost first, the node excluded);
 * returning false skips the node's children.
 */
export function walk(root: Node, visit: (node: Node, ancestors: readonly Node[]) => boolean | void, ancestors: Node[] = []): void {
  if (visit(root, ancestors) === false) return;
  ancestors.push(root);
  for (const child of childrenOf(root)) walk(child, visit, ancestors);
  ancestors.pop();
}

export type FunctionNode = Extract<Node, { type: "FunctionDeclaration" | "FunctionExpression" | "ArrowFunctionExpression" | "ObjectMethod" | "ClassMethod" | "ClassPrivateMethod" }>;

export function isFunction(node: Node): node is FunctionNode {
  return (
    node.type === "FunctionDeclaration" ||
    node.type === "FunctionExpression" ||
    node.type === "ArrowFunctionExpression" ||
    node.type === "ObjectMethod" ||
    node.type === "ClassMethod" ||
    node.type === "ClassPrivateMethod"
  );
}

export type LoopNode = Extract<Node, { type: "ForStatement" | "ForInStatement" | "ForOfStatement" | "WhileStatement" | "DoWhileStatement" }>;

export function isLoopStatement(node: Node): node is LoopNode {
  return node.type === "ForStatement" || node.type === "ForInStatement" || node.type === "ForOfStatement" || node.type === "WhileStatement" || node.type === "DoWhileStatement";
}

/** Array methods whose callback runs once per element: a function passed to them is a loop body. */
export const ITERATION_METHODS = new Set(["forEach", "map", "flatMap", "filter", "reduce", "reduceRight", "some", "every", "find", "findIndex", "findLast", "findLastIndex", "sort", "toSorted"]);

/** The method name of `x.name(...)` / `x?.name(...)` (not computed), or null. */
export function calledMethod(node: Node): string | null {
  if (node.type !== "CallExpression" && node.type !== "OptionalCallExpression") return null;
  const callee = node.callee;
  if ((callee.type === "MemberExpression" || callee.type === "OptionalMemberExpression") && !callee.computed && callee.property.type === "Identifier") return callee.property.name;
  return null;
}

/** A function passed as an argument to an iteration method (`xs.map((x) => …)`). */
export function isIterationCallback(node: Node, parent: Node | undefined): boolean {
  if (!parent || !isFunction(node)) return false;
  const method = calledMethod(parent);
  return method !== null && ITERATION_METHODS.has(method) && (parent as { arguments: Node[] }).arguments.includes(node);
}

/**
 * The innermost loop around the node at the end of `ancestors`, within the innermost function
 * (an iteration callback counts as a loop, and its body is inside it). Null when none.
 */
export function enclosingLoop(ancestors: readonly Node[], child?: Node): { loop: Node; index: number } | null {
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const node = ancestors[i] as Node;
    const inner = ancestors[i + 1] ?? child;
    if (isLoopStatement(node)) {
      // The init of a `for` and the iterable of `for…of`/`for…in` run once: not inside.
      if (node.type === "ForStatement" && inner === node.init) continue;
      if ((node.type === "ForOfStatement" || node.type === "ForInStatement") && (inner === node.right || inner === node.left)) continue;
      return { loop: node, index: i };
    }
    if (isFunction(node)) {
      if (isIterationCallback(node, ancestors[i - 1])) return { loop: node, index: i };
      return null;
    }
  }
  return null;
}

/** Whether `inner` lies inside `outer` (by offsets). */
export function contains(outer: Node, inner: Node): boolean {
  return (outer.start ?? 0) <= (inner.start ?? 0) && (inner.end ?? 0) <= (outer.end ?? 0);
}

/** Skips parentheses-free wrappers that do not change a value: `x as T`, `x!`, `x satisfies T`. */
export function unwrapTs(node: Node): Node {
  let current = node;
  while (current.type === "TSAsExpression" || current.type === "TSNonNullExpression" || current.type === "TSSatisfiesExpression" || current.type === "TSTypeAssertion") current = current.expression;
  return current;
}

/** Identifier name or null. */
export function identifierName(node: Node | null | undefined): string | null {
  return node && node.type === "Identifier" ? node.name : null;
}

/** A string literal's value (or a template without substitutions), else null. */
export function staticString(node: Node | null | undefined): string | null {
  if (!node) return null;
  if (node.type === "StringLiteral") return node.value;
  if (node.type === "TemplateLiteral" && node.expressions.length === 0) return node.quasis[0]?.value.cooked ?? null;
  return null;
}

/**
 * A value made only of literals: strings, numbers, booleans, null, and arrays and objects of them
 * with plain keys. Evaluating it has no side effect and gives the same value every time.
 */
export function isLiteralValue(node: Node | null | undefined): boolean {
  if (!node) return false;
  switch (node.type) {
    case "StringLiteral":
    case "NumericLiteral":
    case "BooleanLiteral":
    case "NullLiteral":
    case "BigIntLiteral":
      return true;
    case "TemplateLiteral":
      return node.expressions.length === 0;
    case "UnaryExpression":
      return (node.operator === "-" || node.operator === "+") && node.argument.type === "NumericLiteral";
    case "ArrayExpression":
      return node.elements.every((e) => e !== null && e.type !== "SpreadElement" && isLiteralValue(e));
    case "ObjectExpression":
      return node.properties.every((p) => p.type === "ObjectProperty" && !p.computed && (p.key.type === "Identifier" || p.key.type === "StringLiteral") && isLiteralValue(p.value as Node));
    default:
      return false;
  }
}

/**
 * A read with no side effect and no call: identifiers, literals, `a.b.c` and `a[0]` /
 * `a["k"]` member reads (a getter could still run: plain data assumed, docs/research.md).
 */
export function isPureRead(node: Node): boolean {
  const n = unwrapTs(node);
  if (n.type === "Identifier" || n.type === "ThisExpression") return true;
  if (isLiteralValue(n)) return true;
  if (n.type === "MemberExpression") {
    if (!isPureRead(n.object)) return false;
    if (!n.computed) return true;
    return n.property.type === "NumericLiteral" || n.property.type === "StringLiteral" || n.property.type === "Identifier";
  }
  return false;
}

/**
 * An expression without calls, assignments, updates, `new`, `await`, `yield` or `delete`: evaluating
 * it twice or not at all is not observable (reads of plain data and arithmetic). `allowCall` lets
 * through calls the caller knows are reads (their arguments are still checked).
 */
export function isSideEffectFree(node: Node, allowCall: (call: Extract<Node, { type: "CallExpression" }>) => boolean = () => false): boolean {
  let clean = true;
  walk(node, (n) => {
    if (!clean) return false;
    switch (n.type) {
      case "CallExpression":
        if (allowCall(n)) return true;
        clean = false;
        return false;
      case "OptionalCallExpression":
      case "NewExpression":
      case "AssignmentExpression":
      case "UpdateExpression":
      case "AwaitExpression":
      case "YieldExpression":
      case "TaggedTemplateExpression":
      case "ImportExpression":
        clean = false;
        return false;
      case "UnaryExpression":
        if (n.operator === "delete") clean = false;
        return clean;
      case "FunctionExpression":
      case "ArrowFunctionExpression":
      case "ClassExpression":
        clean = false;
        return false;
      default:
        return true;
    }
  });
  return clean;
}

/** 1-based line of a node's start. */
export function lineOf(node: Node): number {
  return node.loc?.start.line ?? 0;
}

/** The indentation (spaces and tabs) of the line `offset` lies on. */
export function indentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  const match = /^[ \t]*/.exec(text.slice(lineStart, offset));
  return match ? match[0] : "";
}

/** The line break the file uses. */
export function newlineOf(text: string): string {
  return text.includes("\r\n") ? "\r\n" : "\n";
}
