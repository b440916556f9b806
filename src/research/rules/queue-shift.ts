/**
 * queue-shift: an array used as a queue, `queue.shift()` inside a loop (a breadth-first walk:
 * `while (queue.length) { const x = queue.shift(); … queue.push(y); }`). shift() moves every
 * remaining element down by one, so draining n items costs O(n²) once the queue is long -> a read
 * index kept beside the array: `let queueHead = 0;` after its declaration, `queue.shift()` ->
 * `queue[queueHead++]`, the queue's length -> `queue.length - queueHead`.
 *
 * Preconditions (docs/research.md):
 *  - `queue` is a `const`/`let` declared here with an array literal, in a block (where a statement
 *    can follow it), never reassigned, not exported;
 *  - every reference to it is in the same function (iteration callbacks such as
 *    `xs.forEach((x) => queue.push(x))` count as that function; any other nested function is a
 *    capture: silent), and is one of: a `.length` read, a `.shift()` call without arguments, a
 *    `.push(…)` whose value is discarded (a statement, or the body of a forEach arrow), or a peek
 *    `queue[0]`. Anything else (passed, returned, stored, iterated, spread, index reads, other
 *    methods, a use after the loop that would see the consumed elements still in the array) and the
 *    rule is silent, since such a use would see the consumed items still in the array.
 * Rewrite, reference by reference (the queue's contents are `queue.slice(queueHead)`):
 *  - `queue.shift()` -> `queue[queueHead++]` when the loop test proves the queue non-empty right
 *    before it (the shift is the first thing the loop body does and the test is `queue.length`,
 *    `queue.length > 0`, `!== 0`, `>= 1`, or an `&&` with one of those whose other operands do not
 *    mention the queue); else `queueHead < queue.length ? queue[queueHead++] : undefined`, so a
 *    shift on an empty queue gives undefined and leaves the head where it is, as shift() does (in
 *    TypeScript an unannotated `let x = queue.shift()` keeps the guarded form, whose type is
 *    shift()'s `T | undefined`); a shift whose value is discarded only moves the head
 *    (`queueHead++`, or `if (queueHead < queue.length) queueHead++;`);
 *  - `queue.length` in a test (`while`, `if`, `?:`, `!`, `&&`/`||` inside one) ->
 *    `queueHead < queue.length`; compared with 0 (`queue.length > 0`) -> the 0 becomes `queueHead`;
 *    elsewhere -> `(queue.length - queueHead)`; `queue[0]` -> `queue[queueHead]`.
 * Why it is the same program: the head only moves past an element that exists (proved or guarded),
 * so 0 <= queueHead <= queue.length always; the remaining items, their order, the values shift()
 * returns (undefined on an empty queue, holes read as undefined) and every length read are the
 * same. push() is untouched; its return value (the raw length) is never used. Assumed: no one adds
 * indexed properties to Array.prototype (plain data).
 * Caveat (risk low): the consumed items stay in the array until it is dropped (usually when the
 * function returns), so memory follows the number of items ever pushed, not the queue's longest
 * length.
 */
import type { Node } from "@babel/types";
import { enclosingLoop, identifierName, indentAt, isFunction, newlineOf, unwrapTs } from "../../source/ast.ts";
import { endsWithSemicolon, isDeclaredAnywhere, lineText, mentions, ownerFunction, within } from "./binding-helpers.ts";
import { freshName, type Binding, type Reference } from "../../source/scope.ts";
import type { Edit, Finding, Rule, RuleContext } from "./types.ts";
import { ancestorsOf, walkOwn } from "../../source/walk-own.ts";

const RULE_ID = "queue-shift";
const COMPARISONS = new Set(["<", "<=", ">", ">=", "==", "!=", "===", "!=="]);
/** Where a conditional expression or a subtraction stands without parentheses. */
const BARE_CONTEXTS = new Set(["VariableDeclarator", "AssignmentExpression", "ExpressionStatement", "ReturnStatement", "ArrayExpression", "ObjectProperty", "TemplateLiteral", "SequenceExpression"]);

type Use =
  | { kind: "length"; ref: Reference; node: Node }
  | { kind: "shift"; ref: Reference; node: Node }
  | { kind: "push"; ref: Reference; node: Node }
  | { kind: "peek"; ref: Reference; node: Extract<Node, { type: "MemberExpression" }> };

function useOf(ref: Reference): Use | null {
  const parent = ref.ancestors[ref.ancestors.length - 1];
  const grand = ref.ancestors[ref.ancestors.length - 2];
  const great = ref.ancestors[ref.ancestors.length - 3];
  if (ref.write || parent?.type !== "MemberExpression" || parent.object !== ref.id) return null;
  const called = grand?.type === "CallExpression" && grand.callee === parent;
  const written = (grand?.type === "AssignmentExpression" && grand.left === parent) || grand?.type === "UpdateExpression" || (grand?.type === "UnaryExpression" && grand.operator === "delete") || grand?.type === "ArrayPattern" || grand?.type === "RestElement" || (grand?.type === "AssignmentPattern" && grand.left === parent) || (grand?.type === "ObjectProperty" && grand.value === parent && great?.type === "ObjectPattern") || ((grand?.type === "ForOfStatement" || grand?.type === "ForInStatement") && grand.left === parent);
  if (written) return null;
  if (parent.computed) return !called && parent.property.type === "NumericLiteral" && parent.property.value === 0 ? { kind: "peek", ref, node: parent } : null;
  const name = identifierName(parent.property);
  if (name === "length" && !called) return { kind: "length", ref, node: parent };
  if (!called || grand?.type !== "CallExpression") return null;
  if (name === "shift" && grand.arguments.length === 0) return { kind: "shift", ref, node: grand };
  if (name !== "push") return null;
  if (great?.type === "ExpressionStatement") return { kind: "push", ref, node: grand };
  const forEach = ref.ancestors[ref.ancestors.length - 4];
  if (great?.type === "ArrowFunctionExpression" && great.body === grand && forEach?.type === "CallExpression" && forEach.arguments[0] === great && forEach.callee.type === "MemberExpression" && identifierName(forEach.callee.property) === "forEach") return { kind: "push", ref, node: grand };
  return null;
}

/** The expression to quote for a reference: the call of a method on it, or its parent. */
function shownUse(ref: Reference): Node {
  const parent = ref.ancestors[ref.ancestors.length - 1];
  const grand = ref.ancestors[ref.ancestors.length - 2];
  if (parent?.type === "MemberExpression" && grand?.type === "CallExpression" && grand.callee === parent) return grand;
  return parent ?? ref.id;
}

function isLengthOf(node: Node, binding: Binding, ctx: RuleContext): boolean {
  const n = unwrapTs(node);
  return n.type === "MemberExpression" && !n.computed && identifierName(n.property) === "length" && n.object.type === "Identifier" && ctx.scopes.bindingOf.get(n.object) === binding;
}

function isZero(node: Node): boolean {
  return node.type === "NumericLiteral" && node.value === 0;
}

/** A loop test that is true only when the queue is not empty. */
function nonEmptyTest(test: Node, binding: Binding, ctx: RuleContext): boolean {
  const t = unwrapTs(test);
  if (isLengthOf(t, binding, ctx)) return true;
  if (t.type === "LogicalExpression" && t.operator === "&&") {
    return (nonEmptyTest(t.left, binding, ctx) && !mentions(t.right, binding)) || (nonEmptyTest(t.right, binding, ctx) && !mentions(t.left, binding));
  }
  if (t.type !== "BinaryExpression" || t.left.type === "PrivateName") return false;
  const one = (n: Node) => n.type === "NumericLiteral" && n.value === 1;
  if (isLengthOf(t.left, binding, ctx)) return ((t.operator === ">" || t.operator === "!==" || t.operator === "!=") && isZero(t.right)) || (t.operator === ">=" && one(t.right));
  if (isLengthOf(t.right, binding, ctx)) return ((t.operator === "<" || t.operator === "!==" || t.operator === "!=") && isZero(t.left)) || (t.operator === "<=" && one(t.left));
  return false;
}

/** Whether the shift is the first thing a `while`/`for` body does right after a test that proves the queue non-empty. */
function provenNonEmpty(ctx: RuleContext, use: Use, binding: Binding): boolean {
  const ancestors = use.ref.ancestors.slice(0, -2);
  let i = ancestors.length - 1;
  let child: Node = use.node;
  while (i >= 0 && unwrapTs(ancestors[i] as Node) !== ancestors[i]) child = ancestors[i--] as Node;
  const holder = ancestors[i];
  let statement: Node | undefined;
  if (holder?.type === "ExpressionStatement" && holder.expression === child) {
    statement = holder;
    i -= 1;
  } else if (holder?.type === "AssignmentExpression" && holder.right === child && holder.left.type === "Identifier") {
    // `x = queue.shift()`, `n += queue.shift()`: only a local name is read before the shift.
    const s = ancestors[i - 1];
    if (s?.type !== "ExpressionStatement" || s.expression !== holder) return false;
    statement = s;
    i -= 2;
  } else if (holder?.type === "VariableDeclarator" && holder.init === child) {
    const s = ancestors[i - 1];
    if (s?.type !== "VariableDeclaration" || s.declarations[0] !== holder) return false;
    // TypeScript: `let x = queue[i++]` would type x as T, not T | undefined as shift() does, and a
    // later `x = undefined` would no longer compile; the guarded form keeps shift()'s type.
    if (ctx.typescript && s.kind !== "const" && !(holder.id as { typeAnnotation?: unknown }).typeAnnotation) return false;
    statement = s;
    i -= 2;
  } else return false;
  let loop = ancestors[i];
  if (loop?.type === "BlockStatement") {
    if (loop.body[0] !== statement) return false;
    statement = loop;
    loop = ancestors[i - 1];
  }
  if (loop?.type !== "WhileStatement" && loop?.type !== "ForStatement") return false;
  return loop.body === statement && loop.test !== null && loop.test !== undefined && nonEmptyTest(loop.test, binding, ctx);
}

/** Whether the value of the node at the end of `ancestors` is only tested for truthiness. */
function inTest(node: Node, ancestors: readonly Node[]): "test" | "not" | null {
  let child = node;
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const a = ancestors[i] as Node;
    if (a.type === "LogicalExpression" && (a.operator === "&&" || a.operator === "||")) {
      child = a;
      continue;
    }
    if (a.type === "UnaryExpression" && a.operator === "!") return child === node ? "not" : "test";
    if ((a.type === "IfStatement" || a.type === "WhileStatement" || a.type === "DoWhileStatement" || a.type === "ForStatement" || a.type === "ConditionalExpression") && a.test === child) return "test";
    return null;
  }
  return null;
}

/** Whether `node` can be replaced by a subtraction or (`conditional`) a `?:` without parentheses. */
function bare(parent: Node | undefined, node: Node, conditional = false): boolean {
  if (parent?.type === "ConditionalExpression") return !conditional && parent.test !== node;
  if (!parent || !BARE_CONTEXTS.has(parent.type)) return (parent?.type === "CallExpression" || parent?.type === "NewExpression") && parent.arguments.includes(node as never);
  if (parent.type === "AssignmentExpression") return parent.right === node;
  if (parent.type === "ObjectProperty") return parent.value === node;
  return true;
}

function check(ctx: RuleContext): Finding[] {
  const candidates = new Map<Binding, Node>();
  walkOwn(ctx, (node, ancestors) => {
    if (node.type !== "CallExpression" || node.arguments.length > 0 || node.callee.type !== "MemberExpression" || node.callee.computed) return;
    if (identifierName(node.callee.property) !== "shift" || node.callee.object.type !== "Identifier" || !enclosingLoop(ancestors, node)) return;
    const binding = ctx.scopes.bindingOf.get(node.callee.object);
    if (binding && !candidates.has(binding)) candidates.set(binding, node);
  });
  const findings: Finding[] = [];
  for (const [binding, at] of candidates) findings.push(checkQueue(ctx, binding, at));
  return findings;
}

function checkQueue(ctx: RuleContext, binding: Binding, at: Node): Finding {
  const silence = (reason: string): Finding => ({ kind: "silence", rule: RULE_ID, node: at, reason: `\`${binding.name}\`: ${reason}` });
  const decl = binding.declaration;
  if (decl.type !== "VariableDeclarator" || decl.id !== binding.id || !decl.init || unwrapTs(decl.init).type !== "ArrayExpression") return silence("not declared here with an array literal: others may hold it, or it may not be an array");
  if (binding.kind === "var") return silence("declared with var: hoisting makes its uses hard to follow");
  if (binding.kind !== "const" && binding.kind !== "let") return silence("not a local const or let");
  if (binding.references.some((r) => r.write)) return silence(`reassigned (${lineText(ctx, binding.references.find((r) => r.write)!.ancestors.at(-1) ?? binding.id)})`);
  const declAncestors = ancestorsOf(ctx.ast.program, decl);
  const statement = declAncestors[declAncestors.length - 1];
  const holder = declAncestors[declAncestors.length - 2];
  if (statement?.type !== "VariableDeclaration" || !holder || (holder.type !== "Program" && holder.type !== "BlockStatement" && holder.type !== "SwitchCase" && holder.type !== "StaticBlock")) return silence("declared where a statement cannot follow it (a for head or an export)");
  const early = binding.references.find((r) => within(statement, r.id));
  if (early) return silence(`used in its own declaration (${lineText(ctx, early.id)}): the index would not be declared yet`);
  const owner = ownerFunction(declAncestors, true);
  const uses: Use[] = [];
  for (const ref of binding.references) {
    const around = shownUse(ref);
    if (ownerFunction(ref.ancestors, true) !== owner) return silence(`captured by a nested function (${lineText(ctx, around)}): it may run at any time and keep the consumed items alive`);
    const use = useOf(ref);
    if (!use) return silence(`used other than by .length, .shift(), .push() statements or [0] (${lineText(ctx, around)}): that use would see the consumed items still in the array`);
    uses.push(use);
  }
  const head = freshName(ctx.scopes, `${binding.name}Head`);
  const name = binding.name;
  const undef = isDeclaredAnywhere(ctx.scopes, "undefined") ? "void 0" : "undefined";
  const nl = newlineOf(ctx.text);
  const lineEnd = ctx.text.indexOf("\n", statement.end ?? 0);
  const sameLine = ctx.text.slice(statement.end ?? 0, lineEnd === -1 ? ctx.text.length : lineEnd).trim() !== "";
  const declaration = `let ${head} = 0${endsWithSemicolon(ctx, statement) ? ";" : ""}`;
  const edits: Edit[] = [{ start: statement.end ?? 0, end: statement.end ?? 0, text: sameLine && endsWithSemicolon(ctx, statement) ? ` ${declaration}` : `${nl}${indentAt(ctx.text, statement.start ?? 0)}${declaration}` }];
  let guarded = 0;
  for (const use of uses) {
    const parent = use.ref.ancestors[use.ref.ancestors.length - (use.kind === "shift" ? 3 : 2)];
    if (use.kind === "peek") {
      edits.push({ start: use.node.property.start ?? 0, end: use.node.property.end ?? 0, text: head });
    } else if (use.kind === "shift") {
      const owner = use.ref.ancestors[use.ref.ancestors.length - 4];
      if (parent?.type === "ExpressionStatement") {
        // The value is discarded: only the head moves.
        if (provenNonEmpty(ctx, use, binding)) {
          edits.push({ start: use.node.start ?? 0, end: use.node.end ?? 0, text: `${head}++` });
          continue;
        }
        guarded++;
        const statementText = `if (${head} < ${name}.length) ${head}++${endsWithSemicolon(ctx, parent) ? ";" : ""}`;
        const inBlock = owner?.type === "BlockStatement" || owner?.type === "Program" || owner?.type === "SwitchCase" || owner?.type === "StaticBlock";
        edits.push({ start: parent.start ?? 0, end: parent.end ?? 0, text: inBlock ? statementText : `{ ${statementText}${statementText.endsWith(";") ? "" : ";"} }` });
      } else if (provenNonEmpty(ctx, use, binding)) {
        edits.push({ start: use.node.start ?? 0, end: use.node.end ?? 0, text: `${name}[${head}++]` });
      } else {
        guarded++;
        const text = `${head} < ${name}.length ? ${name}[${head}++] : ${undef}`;
        edits.push({ start: use.node.start ?? 0, end: use.node.end ?? 0, text: bare(parent, use.node, true) ? text : `(${text})` });
      }
    } else if (use.kind === "length") {
      const test = inTest(use.node, use.ref.ancestors.slice(0, -1));
      if (parent?.type === "BinaryExpression" && COMPARISONS.has(parent.operator) && (isZero(parent.left) || isZero(parent.right))) {
        const zero = isZero(parent.right) ? parent.right : parent.left;
        edits.push({ start: zero.start ?? 0, end: zero.end ?? 0, text: head });
      } else if (test) {
        const text = `${head} < ${name}.length`;
        edits.push({ start: use.node.start ?? 0, end: use.node.end ?? 0, text: test === "not" ? `(${text})` : text });
      } else {
        const text = `${name}.length - ${head}`;
        edits.push({ start: use.node.start ?? 0, end: use.node.end ?? 0, text: bare(parent, use.node) ? text : `(${text})` });
      }
    }
  }
  const shiftLoops = uses.filter((u) => u.kind === "shift").map((u) => enclosingLoop(u.ref.ancestors, u.ref.id)?.loop);
  const grows = uses.some((u) => u.kind === "push" && shiftLoops.some((loop) => loop && within(loop, u.node) && !isFunction(loop)));
  return {
    kind: "proposal",
    rule: RULE_ID,
    node: at,
    title: `Read \`${name}\` as a queue with an index (${head}) instead of shift(), which moves every remaining element`,
    edits,
    saves: grows ? 0.7 : 0.5,
    complexity: "low",
    risk: "low",
    why: `\`${name}\` is declared here with an array literal, never reassigned, not captured, and only read by .length, consumed by .shift() and grown by .push() statements${uses.some((u) => u.kind === "peek") ? " (and peeked at with [0])" : ""}; ${guarded > 0 ? `${guarded} shift() call${guarded > 1 ? "s are" : " is"} guarded so that an empty queue gives undefined without moving the head` : "each shift() comes right after a loop test that proves the queue non-empty"}, so the head never passes the end`,
    caveat: `the consumed items stay in \`${name}\` until the array is dropped (when the function returns): memory follows the number of items ever pushed, not the queue's longest length`,
  };
}

export const queueShift: Rule = {
  id: RULE_ID,
  pattern: "an array used as a queue: shift() inside a loop",
  check,
};
