/**
 * accumulating-spread: an accumulator copied on every iteration, which makes building n entries
 * cost O(n²) -> the accumulator grown in place.
 *
 *  - `xs.reduce((acc, x) => ({ ...acc, [k]: v }), {})` -> `(acc, x) => { acc[k] = v; return acc; }`
 *    (several properties after the spread: one assignment each, in order);
 *  - `xs.reduce((acc, x) => [...acc, a, b], [])` and `acc.concat([a, b])` ->
 *    `(acc, x) => (acc.push(a, b), acc)`; a callback with a block body gets the statements before
 *    `return acc` instead;
 *  - in a loop, for a local `let out = []`: `out = [...out, x]` / `out = out.concat([x])` ->
 *    `out.push(x)`; for a local `let obj = {}`: `obj = { ...obj, [k]: v }` -> `obj[k] = v`.
 *
 * Preconditions (docs/research.md):
 *  - reduce: the initial value is a fresh `{}` / `[]` literal written in the call (a `{} as T`
 *    cast is fine); the callback is an inline arrow or function expression, not async or a
 *    generator, not using `arguments`, whose first parameter is used as the FIRST element of the
 *    literal it returns (or as `acc.concat(…)`) and otherwise only read by member reads evaluated
 *    before anything changes (any element of an array growth, which push() evaluates first; the
 *    first property after an object spread, as in the counting idiom
 *    `({ ...acc, [k]: (acc[k] || 0) + 1 })`). Then every accumulator but the last is seen only by
 *    the next call, so one object grown in place is the same program;
 *  - loop: `out` is a `let` of this function initialized with a fresh literal, assigned only by
 *    these self-appends (statements whose value is not used), never referenced from a nested
 *    function; inside the loop it is only read by `.length`, index or property reads and `in`;
 *    any other read of it as a whole (returned, passed, stored, iterated) comes after the last
 *    append and outside every loop that appends, so no one holds an old copy while it grows;
 *  - the literal: after the spread only plain `key: value` properties (or elements), no second
 *    spread, no method or accessor, no hole, no plain `__proto__:` key (it sets the prototype), no
 *    anonymous function or class value (a literal names it after its key, an assignment does not);
 *    the key rules are in accumulator-edits.ts (`acc[k] = v` when k provably is not one of
 *    Object.prototype's names, `Object.defineProperty` otherwise, which defines as the literal does);
 *  - concat(): only array literals (without holes or spreads) and primitive literals as arguments;
 *    anything else may or may not be an array and concat() flattens only arrays;
 *  - loop, several properties: later keys and values do not read the accumulator (they would see
 *    the new properties), and the statement is not inside a `try` of the function (an exception in
 *    a later value would leave the earlier properties set where the literal left nothing);
 *  - TypeScript: an object accumulator has a declared type (annotation, `reduce<T>` or `{} as T`),
 *    else assigning a property to `{}` would not type-check.
 * Why it is the same program: a spread copies the own enumerable properties (elements) in order and
 * the literal then defines the new ones; an existing key keeps its place and takes the new value,
 * as an assignment or defineProperty does; keys and values are evaluated in the same order.
 * Assumed (plain data): the accumulator's keys are primitives (no object whose toString has side
 * effects), Object.prototype and Array.prototype are not given setters or replaced methods.
 * When the reduce receiver is not known to be an array the risk is medium: a custom `reduce` that
 * reuses an accumulator would see it mutated.
 */
import type { Node, ReturnStatement } from "@babel/types";
import { calledMethod, enclosingLoop, indentAt, isFunction, isLoopStatement, newlineOf, walk } from "../../source/ast.ts";
import { freshLiteralProblem, growthOf, joinStatements, mutationsOf, type Growth } from "./accumulator-edits.ts";
import { endsWithSemicolon, exprText, isDeclaredAnywhere, isKnownArray, lineText, mentions, ownerFunction, within } from "./binding-helpers.ts";
import type { Binding, Reference } from "../../source/scope.ts";
import type { Edit, Finding, Proposal, Rule, RuleContext } from "./types.ts";
import { ancestorsOf, walkOwn } from "../../source/walk-own.ts";

const RULE_ID = "accumulating-spread";
const SAVES = 0.85;

interface Append {
  assign: Extract<Node, { type: "AssignmentExpression" }>;
  growth: Growth;
  ancestors: readonly Node[];
}

function check(ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  const loops = new Map<Binding, Append[]>();
  walkOwn(ctx, (node, ancestors) => {
    if (node.type === "CallExpression") {
      const found = checkReduce(ctx, node);
      if (found) findings.push(found);
    } else if (node.type === "AssignmentExpression" && node.operator === "=" && node.left.type === "Identifier") {
      const binding = ctx.scopes.bindingOf.get(node.left);
      const growth = binding ? growthOf(node.right, binding, ctx.scopes.bindingOf) : null;
      if (!binding || !growth || !enclosingLoop(ancestors, node)) return;
      const list = loops.get(binding) ?? [];
      list.push({ assign: node, growth, ancestors: [...ancestors] });
      loops.set(binding, list);
    }
  });
  for (const [binding, appends] of loops) findings.push(checkLoop(ctx, binding, appends));
  return findings;
}

type Callback = Extract<Node, { type: "ArrowFunctionExpression" | "FunctionExpression" }>;

/** The expressions a callback returns: its expression body, or each `return x` of its own code. */
function returnsOf(cb: Callback): { expr: Node; statement: ReturnStatement | null; parent: Node | null }[] {
  if (cb.body.type !== "BlockStatement") return [{ expr: cb.body, statement: null, parent: null }];
  const out: { expr: Node; statement: ReturnStatement | null; parent: Node | null }[] = [];
  walk(cb.body, (node, ancestors) => {
    if (isFunction(node)) return false;
    if (node.type === "ReturnStatement" && node.argument) out.push({ expr: node.argument, statement: node, parent: ancestors[ancestors.length - 1] ?? null });
    return true;
  });
  return out;
}

/**
 * A read of the accumulator that sees the same values before and after the rewrite: a member read
 * (`acc[k]`, `acc.n`, not called, assigned or deleted) evaluated before the rewrite changes
 * anything. In an array growth every element is evaluated before push() runs; in an object
 * growth, the first property after the spread is (its key and value come before the first
 * assignment), so `({ ...acc, [k]: (acc[k] || 0) + 1 })`, the counting idiom, qualifies.
 */
function readBeforeGrowth(growth: Growth, ref: Reference): boolean {
  const parent = ref.ancestors[ref.ancestors.length - 1];
  const grand = ref.ancestors[ref.ancestors.length - 2];
  if (!parent || parent.type !== "MemberExpression" || parent.object !== ref.id) return false;
  if (grand && ((grand.type === "CallExpression" && grand.callee === parent) || (grand.type === "AssignmentExpression" && grand.left === parent) || grand.type === "UpdateExpression" || (grand.type === "UnaryExpression" && grand.operator === "delete"))) return false;
  const inside = (node: Node | null | undefined) => Boolean(node && (node.start ?? 0) <= (ref.id.start ?? 0) && (ref.id.end ?? 0) <= (node.end ?? 0));
  if (growth.kind === "array") return growth.node.elements.some((e) => e !== null && e.type !== "SpreadElement" && inside(e));
  if (growth.kind === "object") {
    const spreadAt = growth.node.properties.findIndex((p) => p.type === "SpreadElement" && p.argument === growth.self);
    return spreadAt === 0 && inside(growth.node.properties[1]);
  }
  return false;
}

function checkReduce(ctx: RuleContext, call: Extract<Node, { type: "CallExpression" }>): Finding | null {
  const method = calledMethod(call);
  if (method !== "reduce" && method !== "reduceRight") return null;
  const cb = call.arguments[0];
  if (!cb || (cb.type !== "ArrowFunctionExpression" && cb.type !== "FunctionExpression")) return null;
  const param = cb.params[0];
  const acc = param?.type === "Identifier" ? ctx.scopes.bindingOf.get(param) : undefined;
  if (!acc) return null;
  const found = returnsOf(cb)
    .map((r) => ({ ...r, growth: growthOf(r.expr, acc, ctx.scopes.bindingOf) }))
    .find((r) => r.growth !== null);
  if (!found || !found.growth) return null;
  const { expr, growth } = found;
  const silence = (reason: string): Finding => ({ kind: "silence", rule: RULE_ID, node: expr, reason: `\`${acc.name}\` in ${method}(): ${reason}` });
  if (cb.async || cb.generator) return silence("the callback is async or a generator: its accumulator is not the value it returns");
  const init = call.arguments[1];
  if (!init || init.type === "SpreadElement" || init.type === "ArgumentPlaceholder") return silence(`${method}() has no initial value: the accumulator starts as an element of the array, not a fresh literal`);
  const fresh = freshLiteralProblem(ctx, init, growth.kind);
  if (fresh) return silence(fresh);
  const other = acc.references.find((r) => r.id !== growth.self && !readBeforeGrowth(growth, r));
  if (other) return silence(`the accumulator is used elsewhere in the callback (${lineText(ctx, other.ancestors[other.ancestors.length - 1] ?? other.id)}): an earlier accumulator would be observable`);
  if (cb.type === "FunctionExpression" && (ctx.scopes.globals.get("arguments") ?? []).some((r) => within(cb, r.id))) return silence("the callback reads `arguments`, which holds the accumulator");
  if (ctx.typescript && growth.kind === "object" && !typed(call, cb, init)) return silence("TypeScript: the accumulator's type is inferred from `{}`, where assigning a property does not type-check (give it a type: `{} as Record<K, V>`)");
  const indexParam = cb.params[2]?.type === "Identifier" ? ctx.scopes.bindingOf.get(cb.params[2]) : undefined;
  const numeric = (key: Node) => key.type === "Identifier" && indexParam !== undefined && ctx.scopes.bindingOf.get(key) === indexParam && !indexParam.references.some((r) => r.write);
  const made = mutationsOf(ctx, growth, acc.name, { numeric });
  if ("reason" in made) return silence(made.reason);
  if (made.defines && isDeclaredAnywhere(ctx.scopes, "Object")) return silence("a key that may be `__proto__` (or another Object.prototype name) needs Object.defineProperty, and `Object` is declared in this file");
  const statements = made.mutations.map((m) => m.text);
  const nl = newlineOf(ctx.text);
  const edits: Edit[] = [];
  if (!found.statement) {
    const range = parenthesizedRange(ctx, cb, expr);
    if (!range) return silence("comments around the callback's body: the rewrite would lose them");
    if (growth.kind !== "object") {
      edits.push({ ...range, text: `(${statements.join(", ")}, ${acc.name})` });
    } else {
      const holder = statementAround(ctx, call);
      const semi = !holder || endsWithSemicolon(ctx, holder);
      const body = ctx.text.slice(range.start, range.end);
      if (body.includes("\n")) {
        const first = growth.node.properties[1] as Node;
        const ownLine = ctx.text.slice(range.start, first.start ?? 0).includes("\n");
        const indent = ownLine ? indentAt(ctx.text, first.start ?? 0) : `${indentAt(ctx.text, range.start)}  `;
        const closing = indentAt(ctx.text, range.end);
        edits.push({ ...range, text: `{${nl}${indent}${joinStatements([...statements, `return ${acc.name}`], semi, nl, indent)}${nl}${closing}}` });
      } else {
        edits.push({ ...range, text: `{ ${joinStatements([...statements, `return ${acc.name}`], true, nl, null)} }` });
      }
    }
  } else {
    edits.push(replaceStatement(ctx, found.statement, found.parent, [...statements, `return ${acc.name}`]));
  }
  const known = isKnownArray(ctx, (call.callee as Extract<Node, { type: "MemberExpression" }>).object);
  const receiver = exprText(ctx, (call.callee as Extract<Node, { type: "MemberExpression" }>).object).slice(0, 40);
  const proposal: Proposal = {
    kind: "proposal",
    rule: RULE_ID,
    node: expr,
    title: `Grow the ${method}() accumulator \`${acc.name}\` in place instead of copying it on every call`,
    edits,
    saves: SAVES,
    complexity: "low",
    risk: known ? "low" : "medium",
    why: `the initial value is a fresh literal written in the call and \`${acc.name}\` is used only as ${growth.kind === "concat" ? "the receiver of concat()" : "the first spread"} of the value the callback returns, so no earlier accumulator is ever seen${made.defines ? "; a key that may be `__proto__` or another Object.prototype name is defined with Object.defineProperty, as the literal defines it" : ""}`,
  };
  if (!known) proposal.caveat = `\`${receiver}\` is not known to be an array here: the rewrite assumes its ${method}() is the Array one (each result passed only to the next call); a custom ${method}() that reuses an accumulator would see one object mutated instead of fresh copies`;
  return proposal;
}

/** Whether a TypeScript object accumulator has a declared type (the parameter, `reduce<T>`, or `{} as T`). */
function typed(call: Extract<Node, { type: "CallExpression" }>, cb: Callback, init: Node): boolean {
  const param = cb.params[0];
  if (param?.type === "Identifier" && param.typeAnnotation) return true;
  if ((call as { typeParameters?: unknown; typeArguments?: unknown }).typeParameters || (call as { typeArguments?: unknown }).typeArguments) return true;
  return init.type === "TSAsExpression" || init.type === "TSTypeAssertion";
}

/** The range of an arrow's expression body with the parentheses around it, or null when comments sit there. */
function parenthesizedRange(ctx: RuleContext, cb: Callback, body: Node): { start: number; end: number } | null {
  let start = body.start ?? 0;
  let end = body.end ?? 0;
  const limit = cb.params.length > 0 ? (cb.params[cb.params.length - 1]!.end ?? 0) : (cb.start ?? 0);
  const arrow = ctx.text.lastIndexOf("=>", start);
  if (arrow < limit) return null;
  let opens = 0;
  for (let i = start - 1; i >= arrow + 2; i--) {
    const c = ctx.text[i];
    if (c === "(") {
      opens++;
      start = i;
    } else if (c !== " " && c !== "\t" && c !== "\n" && c !== "\r") return null;
  }
  for (let i = end; opens > 0 && i < ctx.text.length; i++) {
    const c = ctx.text[i];
    if (c === ")") {
      opens--;
      end = i + 1;
    } else if (c !== " " && c !== "\t" && c !== "\n" && c !== "\r") return null;
  }
  return opens === 0 ? { start, end } : null;
}

/** The statement holding a node (for the file's semicolon style). */
function statementAround(ctx: RuleContext, node: Node): Node | null {
  const ancestors = ancestorsOf(ctx.ast.program, node);
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const a = ancestors[i] as Node;
    if (a.type.endsWith("Statement") || a.type === "VariableDeclaration") return a;
  }
  return null;
}

/** Replaces one statement by several: in place in a block, or wrapped in braces elsewhere. */
function replaceStatement(ctx: RuleContext, statement: Node, parent: Node | null, statements: string[]): Edit {
  const inBlock = parent !== null && (parent.type === "BlockStatement" || parent.type === "Program" || parent.type === "SwitchCase" || parent.type === "StaticBlock");
  // In a block: one statement per line, in the file's semicolon style; elsewhere a one-line block.
  const joined = inBlock ? joinStatements(statements, endsWithSemicolon(ctx, statement), newlineOf(ctx.text), indentAt(ctx.text, statement.start ?? 0)) : `{ ${joinStatements(statements, true, "", null)} }`;
  return { start: statement.start ?? 0, end: statement.end ?? 0, text: joined };
}

function checkLoop(ctx: RuleContext, binding: Binding, inLoop: Append[]): Finding {
  const at = inLoop[0]!.assign;
  const silence = (reason: string): Finding => ({ kind: "silence", rule: RULE_ID, node: at, reason: `\`${binding.name}\`: ${reason}` });
  const decl = binding.declaration;
  if (binding.kind === "var") return silence("declared with var: hoisting makes its uses hard to follow");
  if (binding.kind !== "let" || decl.type !== "VariableDeclarator" || decl.id !== binding.id || !decl.init) return silence("not a local `let` initialized with a literal (a parameter, an import or an outer variable may be shared)");
  const declAncestors = ancestorsOf(ctx.ast.program, decl);
  const holder = declAncestors[declAncestors.length - 2];
  if (holder && (holder.type === "ForStatement" || holder.type === "ForOfStatement" || holder.type === "ForInStatement")) return silence("declared in a for head");
  const kind = inLoop[0]!.growth.kind;
  const fresh = freshLiteralProblem(ctx, decl.init, kind);
  if (fresh) return silence(fresh);
  const declFn = ownerFunction(declAncestors, false);
  const appends: Append[] = [];
  for (const ref of binding.references) {
    const parent = ref.ancestors[ref.ancestors.length - 1];
    if (!ref.write) continue;
    const growth = parent?.type === "AssignmentExpression" && parent.operator === "=" && parent.left === ref.id ? growthOf(parent.right, binding, ctx.scopes.bindingOf) : null;
    if (!growth || !parent || parent.type !== "AssignmentExpression") return silence(`assigned other than by appending to itself (${lineText(ctx, parent ?? ref.id)})`);
    if ((growth.kind === "object") !== (kind === "object")) return silence("grown both as an object and as an array");
    appends.push({ assign: parent, growth, ancestors: ref.ancestors.slice(0, -1) });
  }
  const selves = new Set<Node>(appends.map((a) => a.growth.self));
  const scopeNode = binding.scope.node;
  for (const ref of binding.references) {
    if (ownerFunction(ref.ancestors, false) !== declFn) return silence(`referenced inside a nested function (${lineText(ctx, ref.id)}): it may run while an old copy is held`);
    if (ref.write || selves.has(ref.id) || isPlainRead(ref)) continue;
    const shown = lineText(ctx, ref.ancestors[ref.ancestors.length - 1] ?? ref.id);
    if (!appends.every((a) => (a.assign.end ?? 0) <= (ref.id.start ?? 0))) return silence(`read as a whole (${shown}) before or while it is still appended to: that old ${kind === "object" ? "object" : "array"} would change too`);
    const from = ref.ancestors.indexOf(scopeNode);
    const loop = ref.ancestors.slice(from + 1).find((n) => isLoopStatement(n) && appends.some((a) => within(n, a.assign)));
    if (loop) return silence(`read as a whole (${shown}) inside a loop that also appends to it: the old copy it holds would change`);
  }
  const edits: Edit[] = [];
  let defines = false;
  for (const append of inLoop) {
    const statement = append.ancestors[append.ancestors.length - 1];
    if (statement?.type !== "ExpressionStatement" || statement.expression !== append.assign) return silence(`the value of the assignment is used (${lineText(ctx, append.assign)})`);
    if (ctx.typescript && kind === "object" && !decl.id.typeAnnotation && decl.init.type !== "TSAsExpression" && decl.init.type !== "TSTypeAssertion") return silence("TypeScript: its type is inferred from `{}`, where assigning a property does not type-check (annotate it)");
    const made = mutationsOf(ctx, append.growth, binding.name);
    if ("reason" in made) return silence(made.reason);
    defines ||= made.defines;
    if (made.mutations.length === 1) {
      edits.push({ start: append.assign.start ?? 0, end: append.assign.end ?? 0, text: made.mutations[0]!.text });
      continue;
    }
    const later = made.mutations.slice(1).find((m) => mentions(m.from, binding));
    if (later) return silence(`a later property reads it (${lineText(ctx, later.from)}): it would see the properties just assigned`);
    const from = append.ancestors.indexOf(declFn as Node);
    if (append.ancestors.slice(from + 1).some((n) => n.type === "TryStatement")) return silence("several properties inside a try: an exception in a later value would leave the earlier ones assigned");
    edits.push(replaceStatement(ctx, statement, append.ancestors[append.ancestors.length - 2] ?? null, made.mutations.map((m) => m.text)));
  }
  if (defines && isDeclaredAnywhere(ctx.scopes, "Object")) return silence("a key that may be `__proto__` (or another Object.prototype name) needs Object.defineProperty, and `Object` is declared in this file");
  return {
    kind: "proposal",
    rule: RULE_ID,
    node: at,
    title: kind === "object" ? `Assign to \`${binding.name}\` in place instead of copying it with a spread on every iteration` : `Push to \`${binding.name}\` instead of copying it on every iteration`,
    edits,
    saves: SAVES,
    complexity: "low",
    risk: "low",
    why: `\`${binding.name}\` is a local let initialized with a fresh literal, assigned only by these appends, not captured by a function, and only read by length, index or property reads while it grows (any other read comes after the last append, outside the loop), so no old copy is ever seen${defines ? "; a key that may be `__proto__` or another Object.prototype name is defined with Object.defineProperty, as the literal defines it" : ""}`,
  };
}

/** `x.length`, `x[i]`, `x.prop` reads (not written, not called) and `k in x`. */
function isPlainRead(ref: Reference): boolean {
  const parent = ref.ancestors[ref.ancestors.length - 1];
  const grand = ref.ancestors[ref.ancestors.length - 2];
  if (parent?.type === "BinaryExpression" && parent.operator === "in" && parent.right === ref.id) return true;
  if (parent?.type !== "MemberExpression" || parent.object !== ref.id) return false;
  if (grand?.type === "AssignmentExpression" && grand.left === parent) return false;
  if (grand?.type === "UpdateExpression" || (grand?.type === "UnaryExpression" && grand.operator === "delete")) return false;
  if ((grand?.type === "CallExpression" || grand?.type === "OptionalCallExpression") && grand.callee === parent) return false;
  if (grand?.type === "TaggedTemplateExpression" && grand.tag === parent) return false;
  if (grand && (grand.type === "ForOfStatement" || grand.type === "ForInStatement") && grand.left === parent) return false;
  const great = ref.ancestors[ref.ancestors.length - 3];
  if (grand && (grand.type === "ArrayPattern" || (grand.type === "AssignmentPattern" && grand.left === parent) || grand.type === "RestElement")) return false;
  if (grand?.type === "ObjectProperty" && grand.value === parent && great?.type === "ObjectPattern") return false;
  return true;
}

export const accumulatingSpread: Rule = {
  id: RULE_ID,
  pattern: "an accumulator copied on every iteration ({ ...acc, k: v }, [...acc, x], acc.concat([x])) in reduce() or a loop",
  check,
};
