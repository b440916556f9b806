/**
 * sort-min-max: a fresh copy sorted only to take one end of it (`xs.slice().sort(cmp)[0]`,
 * `[...xs].sort(cmp).at(-1)`, `Array.from(xs).sort(cmp).pop()`, `xs.toSorted(cmp)[0]`, with
 * `[0]`, `.at(0)`, `.shift()` for the first element and `.at(-1)`, `.pop()` for the last) -> one
 * pass over the copy in a small helper function, appended once at the end of the file (a
 * function declaration is hoisted): `sortedFirst(xs.slice(), cmp)`. O(n) comparisons instead of
 * O(n log n), and no reordering.
 *
 * Preconditions (docs/research.md):
 *  - the array sorted is a fresh copy (`xs.slice()`, `[...xs]`, `Array.from(xs)`) or the sort is
 *    `toSorted`, and the sorted array is used only for the one element (it has no name: the
 *    element is taken right away); the copy is kept as the helper's argument, so whatever making it
 *    did (iterating a Set, reading a getter) still happens;
 *  - the comparator is an inline function with two plain parameters whose body (one expression or
 *    one `return`) is free of side effects (no calls, assignments, `new`, `await`...): sort calls
 *    it more often and with other pairs than one pass does, and that is then not observable;
 *  - `Array` and `Object` are the globals (the helper uses them).
 * Why it is the same program: the helper does what sort's algorithm fixes about the ends. sort
 * never calls the comparator with undefined and puts undefined and holes last; it is stable, so
 * among equal elements the first in input order comes first; a comparator result is converted
 * with ToNumber (a BigInt result throws a TypeError, as the helper's `+` does) and NaN counts as
 * 0. So the first element is the first defined element x with cmp(x, best) < 0 against the running
 * best (or undefined when there is none), and the last one is undefined when any element is
 * undefined or a hole, else the last defined element with cmp(x, best) >= 0. The helper compares
 * every defined element at least once, as sort does (a comparator that throws on an element throws
 * in both). When a comparison gives NaN (a NaN or missing key), or the list is not a plain Array
 * (a typed array, a subclass), the helper does what the original did: it sorts the copy with the
 * same comparator and takes the same end.
 * Risk: "low" when the comparator is `key(a) - key(b)` (or `key(b) - key(a)`) with the same read
 * path on both parameters: such a comparator is consistent whenever it never returns NaN, and NaN
 * is handled. Any other side-effect-free comparator is "medium": if it is not consistent (it never
 * returns 0, or orders mixed types inconsistently) the engine's sort order is implementation-
 * defined and the pass may pick another element. Getters with side effects are assumed absent.
 * Silent for the default sort (no comparator: string order), for an in-place `xs.sort(cmp)[0]`
 * (it reorders xs, which the program may rely on), for comparators that are not inline, take other
 * than two parameters or have side effects, and for an element called as a method of the sorted
 * array (`this` would change) or assigned to.
 */
import type { Node } from "@babel/types";
import { identifierName, isFunction, isPureRead, isSideEffectFree, unwrapTs } from "../../source/ast.ts";
import { appendFunctions, isGlobalName, returnedExpression, textOf } from "./rewrite-helpers.ts";
import { freshName } from "../../source/scope.ts";
import type { Edit, Finding, Rule, RuleContext } from "./types.ts";
import { walkOwn } from "../../source/walk-own.ts";

const RULE_ID = "sort-min-max";

type End = "first" | "last";
type Call = Extract<Node, { type: "CallExpression" }>;

interface Occurrence {
  /** The whole expression: `X.sort(cmp)[0]` or `X.sort(cmp).pop()`. */
  whole: Node;
  sortCall: Call;
  method: "sort" | "toSorted";
  /** The tail taking the element, normalized: `[0]`, `.at(0)`, `.at(-1)`, `.pop()`, `.shift()`. */
  tail: string;
  end: End;
}

/** The tail of `node` when it takes one end of a `sort`/`toSorted` call's result, else null. */
function occurrenceAt(node: Node): Occurrence | null {
  let object: Node | null = null;
  let tail = "";
  if (node.type === "MemberExpression" && node.computed && node.property.type === "NumericLiteral" && node.property.value === 0) {
    object = node.object;
    tail = "[0]";
  } else if (node.type === "CallExpression" && node.callee.type === "MemberExpression" && !node.callee.computed) {
    const name = identifierName(node.callee.property);
    const arg = node.arguments[0];
    if (name === "pop" && node.arguments.length === 0) tail = ".pop()";
    else if (name === "shift" && node.arguments.length === 0) tail = ".shift()";
    else if (name === "at" && node.arguments.length === 1 && arg?.type === "NumericLiteral" && arg.value === 0) tail = ".at(0)";
    else if (name === "at" && node.arguments.length === 1 && arg?.type === "UnaryExpression" && arg.operator === "-" && arg.argument.type === "NumericLiteral" && arg.argument.value === 1) tail = ".at(-1)";
    else return null;
    object = node.callee.object;
  } else return null;
  if (object.type !== "CallExpression" || object.callee.type !== "MemberExpression" || object.callee.computed) return null;
  const method = identifierName(object.callee.property);
  if (method !== "sort" && method !== "toSorted") return null;
  const end: End = tail === ".at(-1)" || tail === ".pop()" ? "last" : "first";
  return { whole: node, sortCall: object, method, tail, end };
}

/** Whether the receiver of `.sort()` is a fresh copy: `E.slice()`, `E.slice(0)`, `[...E]`, `Array.from(E)`. */
function isFreshCopy(ctx: RuleContext, receiver: Node): boolean {
  const r = unwrapTs(receiver);
  if (r.type === "ArrayExpression") return r.elements.length === 1 && r.elements[0]?.type === "SpreadElement";
  if (r.type !== "CallExpression" || r.callee.type !== "MemberExpression" || r.callee.computed) return false;
  const name = identifierName(r.callee.property);
  if (name === "slice") return r.arguments.length === 0 || (r.arguments.length === 1 && r.arguments[0]?.type === "NumericLiteral" && r.arguments[0].value === 0);
  if (name === "from") return identifierName(r.callee.object) === "Array" && isGlobalName(ctx, "Array") && r.arguments.length === 1 && r.arguments[0]?.type !== "SpreadElement";
  return false;
}

/** The read path of `node` from a root identifier (`a.x[0]` -> root a, path `.x[0]`), or null. */
function readPath(node: Node): { root: string; path: string } | null {
  const n = unwrapTs(node);
  if (n.type === "Identifier") return { root: n.name, path: "" };
  if (n.type !== "MemberExpression") return null;
  const inner = readPath(n.object);
  if (!inner) return null;
  if (!n.computed && n.property.type === "Identifier") return { root: inner.root, path: `${inner.path}.${n.property.name}` };
  if (n.computed && n.property.type === "StringLiteral") return { root: inner.root, path: `${inner.path}.${n.property.value}` };
  if (n.computed && n.property.type === "NumericLiteral") return { root: inner.root, path: `${inner.path}[${n.property.value}]` };
  return null;
}

/** `key(a) - key(b)` or `key(b) - key(a)` with the same read path: consistent unless it gives NaN. */
function isKeyDifference(body: Node, a: string, b: string): boolean {
  const n = unwrapTs(body);
  if (n.type !== "BinaryExpression" || n.operator !== "-" || !isPureRead(n.left) || !isPureRead(n.right)) return false;
  const left = readPath(n.left);
  const right = readPath(n.right);
  if (!left || !right || left.path !== right.path) return false;
  return (left.root === a && right.root === b) || (left.root === b && right.root === a);
}

function check(ctx: RuleContext): Finding[] {
  const found: { occ: Occurrence; parent: Node | undefined }[] = [];
  walkOwn(ctx, (node, ancestors) => {
    const occ = occurrenceAt(node);
    if (occ) found.push({ occ, parent: ancestors[ancestors.length - 1] });
  });
  const findings: Finding[] = [];
  const accepted: { occ: Occurrence; cmp: Node; consistent: boolean }[] = [];
  for (const { occ, parent } of found) {
    const silence = (reason: string): Finding => ({ kind: "silence", rule: RULE_ID, node: occ.whole, reason });
    const callee = occ.sortCall.callee as Extract<Node, { type: "MemberExpression" }>;
    const receiver = callee.object;
    const args = occ.sortCall.arguments;
    if (args.length === 0) {
      findings.push(silence(`${occ.method}() without a comparator compares the elements as strings: left as it is`));
      continue;
    }
    if (occ.method === "sort" && !isFreshCopy(ctx, receiver)) {
      findings.push(silence(`\`${textOf(ctx, receiver).slice(0, 40)}.sort(…)\` sorts that array in place and the program may rely on its new order: only a sort of a fresh copy (\`.slice()\`, \`[...xs]\`, \`Array.from(xs)\`, \`toSorted\`) is rewritten`));
      continue;
    }
    const cmp = args[0] as Node;
    if (args.length > 1 || !isFunction(cmp) || (cmp.type !== "ArrowFunctionExpression" && cmp.type !== "FunctionExpression")) {
      findings.push(silence("the comparator is not an inline function (alone): it may have side effects or count its calls"));
      continue;
    }
    const [a, b] = cmp.params;
    if (cmp.params.length !== 2 || a?.type !== "Identifier" || b?.type !== "Identifier" || a.name === b.name) {
      findings.push(silence("the comparator does not take exactly two plain parameters"));
      continue;
    }
    const body = returnedExpression(cmp);
    if (!body || !isSideEffectFree(body)) {
      findings.push(silence("the comparator is not one side-effect-free expression (a call, an assignment, statements): sort calls it more often and with other pairs than one pass does"));
      continue;
    }
    if (occ.tail === "[0]" && parent && ((parent.type === "CallExpression" && parent.callee === occ.whole) || (parent.type === "TaggedTemplateExpression" && parent.tag === occ.whole))) {
      findings.push(silence("the element is called as a method of the sorted array: `this` would change"));
      continue;
    }
    if (occ.tail === "[0]" && parent && ((parent.type === "AssignmentExpression" && parent.left === occ.whole) || parent.type === "UpdateExpression" || (parent.type === "UnaryExpression" && parent.operator === "delete"))) {
      findings.push(silence("the sorted array's element is assigned to or deleted"));
      continue;
    }
    if (!isGlobalName(ctx, "Array") || !isGlobalName(ctx, "Object")) {
      findings.push(silence("`Array` or `Object` is declared in this file: the helper needs the globals"));
      continue;
    }
    accepted.push({ occ, cmp, consistent: isKeyDifference(body, a.name, b.name) });
  }
  if (accepted.length === 0) return findings;

  const helpers = new Map<string, { name: string; lines: string[] }>();
  const edits: Edit[] = [];
  for (const { occ, cmp } of accepted) {
    const key = `${occ.method}${occ.tail}`;
    let helper = helpers.get(key);
    if (!helper) {
      const name = freshName(ctx.scopes, occ.end === "first" ? "sortedFirst" : "sortedLast");
      helper = { name, lines: helperLines(name, occ, ctx.typescript) };
      helpers.set(key, helper);
    }
    const callee = occ.sortCall.callee as Extract<Node, { type: "MemberExpression" }>;
    // The receiver runs from the member's start (its own parentheses included) to the `.` before `sort`.
    const dot = ctx.text.lastIndexOf(".", callee.property.start ?? 0);
    const receiverText = ctx.text.slice(callee.start ?? 0, dot);
    edits.push({ start: occ.whole.start ?? 0, end: occ.whole.end ?? 0, text: `${helper.name}(${receiverText}, ${textOf(ctx, cmp)})` });
  }
  edits.push(appendFunctions(ctx, [...helpers.values()].map((h) => h.lines)));
  const unproven = accepted.filter((x) => !x.consistent);
  const first = accepted[0]!.occ;
  findings.push({
    kind: "proposal",
    rule: RULE_ID,
    node: first.whole,
    title: accepted.length === 1 ? `Take the ${first.end} element of the sorted copy in one pass instead of sorting it` : `Take the end elements of ${accepted.length} sorted copies in one pass each instead of sorting them`,
    edits,
    saves: 0.7,
    complexity: "low",
    risk: unproven.length > 0 ? "medium" : "low",
    why: "the sorted array is a fresh copy (or toSorted's result) used only for one element, and the comparator is inline, two plain parameters, free of side effects; the helper keeps sort's rules: undefined and holes go last and never reach the comparator, ties keep input order (the first minimum, the last maximum), a NaN comparison or a list that is not a plain Array falls back to the real sort of the same copy; getters with side effects assumed absent",
    ...(unproven.length > 0
      ? { caveat: `the comparator ${unproven.map((x) => `\`${textOf(ctx, x.cmp).slice(0, 60)}\``).join(", ")} is not key(a) - key(b): if it is not a consistent comparator (it never returns 0, or orders mixed values inconsistently), the sort's order is implementation-defined and the one pass may pick another element` }
      : {}),
  });
  return findings;
}

/** The helper's lines (`\t` is one indentation unit). */
function helperLines(name: string, occ: Occurrence, ts: boolean): string[] {
  const fallback = `list.${occ.method}(cmp)${occ.tail}`;
  const exact = occ.tail === "[0]";
  const cast = ts && exact ? " as T" : "";
  const signature = ts ? `${name}<T>(list: ${occ.method === "sort" ? "T[]" : "readonly T[]"}, cmp: (a: T, b: T) => number): ${exact ? "T" : "T | undefined"}` : `${name}(list, cmp)`;
  const last = occ.end === "last";
  return [
    `// ${fallback} in one pass (perfloop sort-min-max): undefined and holes sort last, ties keep input order.`,
    `function ${signature} {`,
    `\tif (list == null || Object.getPrototypeOf(list) !== Array.prototype) return ${fallback}${cast};`,
    ts ? "\tlet best: T | undefined;" : "\tlet best;",
    ...(last ? ["\tlet missing = false;"] : []),
    "\tfor (let i = 0; i < list.length; i++) {",
    "\t\tconst item = list[i];",
    ...(last ? ["\t\tif (item === undefined) {", "\t\t\tmissing = true;", "\t\t\tcontinue;", "\t\t}"] : ["\t\tif (item === undefined) continue;"]),
    "\t\tif (best === undefined) {",
    "\t\t\tbest = item;",
    "\t\t\tcontinue;",
    "\t\t}",
    "\t\tconst order = +cmp(item, best);",
    `\t\tif (order !== order) return ${fallback}${cast};`,
    `\t\tif (order ${last ? ">=" : "<"} 0) best = item;`,
    "\t}",
    last ? "\treturn missing ? undefined : best;" : `\treturn best${cast};`,
    "}",
  ];
}

export const sortMinMax: Rule = {
  id: RULE_ID,
  pattern: "a fresh copy sorted only to take its first or last element",
  check,
};
