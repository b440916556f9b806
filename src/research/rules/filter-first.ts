/**
 * filter-first: a whole filtered array built only to take its first element or to test that it is
 * not empty -> the method that stops at the first match:
 *   `xs.filter(f)[0]` / `xs.filter(f).at(0)`          -> `xs.find(f)`
 *   `xs.filter(f).length > 0` (`!== 0`, `!= 0`, `>= 1`, `0 < …`, or the length as a condition)
 *                                                      -> `xs.some(f)`
 *   `xs.filter(f).length === 0` (`== 0`, `< 1`, `<= 0`, `0 === …`) -> `!xs.some(f)`
 * No array is allocated and the scan stops at the first match (a constant factor).
 *
 * Preconditions (docs/research.md):
 *  - `f` is an inline function (not async, not a generator) with at most two plain parameters
 *    (find and some pass the same element and index as filter) whose body, one expression or one
 *    `return`, is free of side effects: find/some call it for fewer elements, which is then not
 *    observable; no thisArg;
 *  - for find: `xs` is provably dense. filter skips holes, but find visits them as undefined (and
 *    could match undefined, or throw on it). Dense means: an array literal without holes, the
 *    result of filter/flat/flatMap/toSorted/toReversed/with/toSpliced (on an Array: on a receiver
 *    not proven one, that is the caveat below), of map/slice/concat on a dense array, of
 *    Array.from/Array.of/Object.keys/values/entries or a literal's split, or a `const` (or never
 *    reassigned `let`) holding one whose every use keeps it dense (pushes, reads, non-mutating
 *    methods, callbacks of at most two parameters: array-uses.ts); not exported;
 *  - some skips holes exactly as filter does: no density proof is needed;
 *  - `[0]` is not called as a method (`this` would change) nor assigned to.
 * Why it is the same program: filter keeps the elements for which f is truthy, in order; its first
 * element is the first element for which f is truthy, which is what find returns (undefined when
 * there is none, in both); the filtered array is non-empty exactly when some element satisfies f,
 * which is what some answers.
 * Risk: "low" when xs is proven an Array and f cannot throw on plain data (no member access,
 * arithmetic, `in`/`instanceof`: only comparisons, logic, `typeof`, optional chains, literals).
 * Otherwise "medium", and the caveat says what can differ: filter calls f on every element, so if
 * f throws on an element after the first match (a null element, a missing nested field) the
 * original threw and the rewrite returns; and a receiver that is not an Array (a jQuery object, a
 * custom collection with its own filter) may have no find/some, or other ones.
 */
import type { Node } from "@babel/types";
import { identifierName, isFunction, isSideEffectFree, unwrapTs, walk } from "../../source/ast.ts";
import { classifyUse } from "./array-uses.ts";
import { isGlobalName, returnedExpression, textOf } from "./rewrite-helpers.ts";
import type { Binding } from "../../source/scope.ts";
import type { Finding, Rule, RuleContext } from "./types.ts";
import { ancestorsOf, walkOwn } from "../../source/walk-own.ts";

const RULE_ID = "filter-first";

type Call = Extract<Node, { type: "CallExpression" }>;

/** Comparisons of a length with a literal that mean "not empty" (true) or "empty" (false), length on the left. */
const NOT_EMPTY_LEFT = new Map<string, [number, boolean][]>([
  [">", [[0, true]]],
  ["!==", [[0, true]]],
  ["!=", [[0, true]]],
  [">=", [[1, true]]],
  ["===", [[0, false]]],
  ["==", [[0, false]]],
  ["<", [[1, false]]],
  ["<=", [[0, false]]],
]);
const MIRROR = new Map([[">", "<"], ["<", ">"], [">=", "<="], ["<=", ">="], ["===", "==="], ["!==", "!=="], ["==", "=="], ["!=", "!="]]);

interface Use {
  call: Call;
  /** The expression replaced. */
  whole: Node;
  method: "find" | "some";
  negated: boolean;
}

/** What the `.filter(…)` call's result is used for, when it is the pattern. */
function useOf(call: Call, ancestors: readonly Node[]): Use | null {
  const parent = ancestors[ancestors.length - 1];
  const grand = ancestors[ancestors.length - 2];
  if (!parent || parent.type !== "MemberExpression" || parent.object !== call) return null;
  if (parent.computed) return parent.property.type === "NumericLiteral" && parent.property.value === 0 ? { call, whole: parent, method: "find", negated: false } : null;
  const name = identifierName(parent.property);
  if (name === "at" && grand?.type === "CallExpression" && grand.callee === parent && grand.arguments.length === 1) {
    const arg = grand.arguments[0];
    return arg?.type === "NumericLiteral" && arg.value === 0 ? { call, whole: grand, method: "find", negated: false } : null;
  }
  if (name !== "length" || !grand) return null;
  if (grand.type === "BinaryExpression") {
    const onLeft = grand.left === parent;
    const other = onLeft ? grand.right : grand.left;
    if (other.type !== "NumericLiteral") return null;
    const operator = onLeft ? grand.operator : MIRROR.get(grand.operator);
    const meaning = operator ? NOT_EMPTY_LEFT.get(operator)?.find(([value]) => value === other.value) : undefined;
    return meaning ? { call, whole: grand, method: "some", negated: !meaning[1] } : null;
  }
  const asCondition =
    ((grand.type === "IfStatement" || grand.type === "WhileStatement" || grand.type === "DoWhileStatement" || grand.type === "ConditionalExpression") && grand.test === parent) ||
    (grand.type === "ForStatement" && grand.test === parent) ||
    (grand.type === "UnaryExpression" && grand.operator === "!");
  return asCondition ? { call, whole: parent, method: "some", negated: false } : null;
}

/** What is known of an expression's value: an Array for sure (`proven`) or if its receiver is one, and without holes. */
type ArrayFact = { dense: boolean; proven: boolean } | null;

/** Methods whose result has no holes (when called on an Array). */
const DENSE_FROM_ARRAY = new Set(["filter", "flat", "flatMap", "toSorted", "toReversed", "with", "toSpliced"]);
/** Methods whose result keeps the holes of the array they are called on. */
const KEEPS_HOLES = new Set(["map", "slice", "concat"]);
const DENSE_USES = new Set(["push", "read-method", "callback-read", "length", "index-read", "iterate", "spread"]);

function arrayFact(ctx: RuleContext, expr: Node, seen: Set<Binding> = new Set()): ArrayFact {
  const n = unwrapTs(expr);
  if (n.type === "ArrayExpression") return { dense: n.elements.every((e) => e !== null), proven: true };
  if (n.type === "CallExpression" && n.callee.type === "MemberExpression" && !n.callee.computed) {
    const method = identifierName(n.callee.property);
    const object = identifierName(n.callee.object);
    if (object === "Array" && (method === "from" || method === "of") && isGlobalName(ctx, "Array")) return { dense: true, proven: true };
    if (object === "Object" && (method === "keys" || method === "values" || method === "entries") && isGlobalName(ctx, "Object")) return { dense: true, proven: true };
    if (method === "split" && (n.callee.object.type === "StringLiteral" || n.callee.object.type === "TemplateLiteral")) return { dense: true, proven: true };
    if (!method || !(DENSE_FROM_ARRAY.has(method) || KEEPS_HOLES.has(method))) return null;
    const receiver = arrayFact(ctx, n.callee.object, seen);
    // filter() and the like never leave holes; on a receiver not proven an Array, that is assumed.
    if (DENSE_FROM_ARRAY.has(method)) return { dense: true, proven: receiver?.proven ?? false };
    if (!receiver) return null;
    if (method === "concat") return { dense: receiver.dense && n.arguments.every((a) => a.type !== "SpreadElement" && arrayFact(ctx, a, seen)?.dense === true), proven: receiver.proven };
    return receiver;
  }
  if (n.type !== "Identifier") return null;
  const binding = ctx.scopes.bindingOf.get(n);
  if (!binding || seen.has(binding)) return null;
  seen.add(binding);
  const decl = binding.declaration;
  if (decl.type !== "VariableDeclarator" || decl.id !== binding.id || !decl.init) return null;
  if ((binding.kind !== "const" && binding.kind !== "let") || binding.references.some((r) => r.write)) return null;
  if (ancestorsOf(ctx.ast.program, decl).some((a) => a.type === "ExportNamedDeclaration" || a.type === "ExportDefaultDeclaration")) return null;
  const init = arrayFact(ctx, decl.init, seen);
  if (!init || !init.dense) return init;
  return { dense: binding.references.every((r) => DENSE_USES.has(classifyUse(r).kind)), proven: init.proven };
}

/** Whether evaluating `body` can throw on plain data (objects, arrays, strings, numbers, BigInts, null, undefined). */
function canThrow(body: Node): boolean {
  let throws = false;
  walk(body, (n) => {
    if (throws) return false;
    if (n.type === "MemberExpression" || (n.type === "OptionalMemberExpression" && !n.optional)) throws = true;
    else if (n.type === "BinaryExpression" && !["===", "!==", "==", "!=", "<", ">", "<=", ">="].includes(n.operator)) throws = true;
    else if (n.type === "UnaryExpression" && (n.operator === "-" || n.operator === "+" || n.operator === "~")) throws = true;
    return !throws;
  });
  return throws;
}

function check(ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  walkOwn(ctx, (node, ancestors) => {
    if (node.type !== "CallExpression" || node.callee.type !== "MemberExpression" || node.callee.computed || identifierName(node.callee.property) !== "filter") return;
    const use = useOf(node, ancestors);
    if (!use) return;
    const silence = (reason: string) => findings.push({ kind: "silence", rule: RULE_ID, node: use.whole, reason });
    const receiver = node.callee.object;
    const receiverText = textOf(ctx, receiver).slice(0, 40);
    const f = node.arguments[0];
    if (node.arguments.length !== 1 || !f || !isFunction(f) || (f.type !== "ArrowFunctionExpression" && f.type !== "FunctionExpression") || f.async || f.generator) {
      silence(`the filter callback is not one inline function (or a thisArg is given): ${use.method}() stops at the first match, so a callback with side effects would run fewer times`);
      return;
    }
    if (f.params.length > 2 || f.params.some((p) => p.type !== "Identifier")) {
      silence("the filter callback takes more than two parameters or destructures them");
      return;
    }
    const body = returnedExpression(f);
    if (!body || !isSideEffectFree(body)) {
      silence(`the filter callback is not one side-effect-free expression: ${use.method}() stops at the first match and calls it for fewer elements`);
      return;
    }
    const wholeParent = ancestorsOf(ctx.ast.program, use.whole).at(-1);
    if (use.method === "find" && wholeParent) {
      if ((wholeParent.type === "CallExpression" && wholeParent.callee === use.whole) || (wholeParent.type === "TaggedTemplateExpression" && wholeParent.tag === use.whole)) {
        silence("the first element is called as a method of the filtered array: `this` would change");
        return;
      }
      if ((wholeParent.type === "AssignmentExpression" && wholeParent.left === use.whole) || wholeParent.type === "UpdateExpression" || (wholeParent.type === "UnaryExpression" && wholeParent.operator === "delete")) {
        silence("the filtered array's first element is assigned to or deleted");
        return;
      }
    }
    const fact = arrayFact(ctx, receiver);
    if (use.method === "find" && !fact?.dense) {
      silence(`\`${receiverText}\` is not provably dense: find() visits holes as undefined where filter() skips them`);
      return;
    }
    const caveats: string[] = [];
    if (canThrow(body)) caveats.push("filter calls the callback on every element, so if it throws on an element after the first match (a null element, a missing nested field) the original threw and the rewrite returns");
    if (!fact?.proven) caveats.push(`\`${receiverText}\` is assumed to be an Array: a collection with its own filter() (a jQuery object, a custom list) may have no ${use.method}() or another one`);
    const call = use.call;
    const property = (call.callee as Extract<Node, { type: "MemberExpression" }>).property;
    const text = `${use.negated ? "!" : ""}${ctx.text.slice(call.start ?? 0, property.start ?? 0)}${use.method}${ctx.text.slice(property.end ?? 0, call.end ?? 0)}`;
    const original = use.method === "find" ? "filter(…)[0]" : "filter(…).length";
    findings.push({
      kind: "proposal",
      rule: RULE_ID,
      node: use.whole,
      title: use.method === "find" ? `Find the first match with find() instead of filtering the whole of \`${receiverText}\`` : `Test for a match with some() instead of filtering the whole of \`${receiverText}\``,
      edits: [{ start: use.whole.start ?? 0, end: use.whole.end ?? 0, text }],
      saves: 0.4,
      complexity: "low",
      risk: caveats.length > 0 ? "medium" : "low",
      why: `${original} ${use.method === "find" ? "is the first element for which the callback is truthy, as find() returns" : "is non-zero exactly when some element satisfies the callback, as some() answers (both skip holes)"}; the callback is inline, at most two plain parameters, free of side effects${use.method === "find" ? `; \`${receiverText}\` is provably dense (find visits holes, filter skips them)` : ""}`,
      ...(caveats.length > 0 ? { caveat: caveats.join("; ") } : {}),
    });
  });
  return findings;
}

export const filterFirst: Rule = {
  id: RULE_ID,
  pattern: "filter() building a whole array only for its first element or its emptiness",
  check,
};
