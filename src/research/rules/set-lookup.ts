/**
 * set-lookup: an array tested with `ys.includes(x)` inside a side-effect-free iteration callback
 * (`xs.filter((x) => !ys.includes(x))`, also `some`, `every`, `find`, `findIndex`, `findLast`,
 * `findLastIndex`, `map`, `flatMap`): quadratic when both grow, and the shape of every
 * `difference`/`intersection`/`without` helper. `ys` may be a parameter: nothing can change it
 * while the callback runs.
 * Rewrite: a Set of `ys` built just before the statement, and `ysSet.has(x)` in the callback:
 *
 *     const ysSet = Array.isArray(ys) ? new Set(ys) : null;
 *     return xs.filter((x) => !(ysSet ? ysSet.has(x) : ys.includes(x)));
 *
 * Preconditions (docs/research.md):
 *  - the callback is written inline; its body has no side effect but the includes() calls (no
 *    other call, assignment, update, `new`, `await`, `delete`): while the iteration method runs,
 *    no code that could change `ys` runs;
 *  - `ys` is a plain identifier, not declared inside the callback, not written anywhere in the
 *    function; includes() has exactly one argument;
 *  - the call is the whole value of its statement (`return xs.filter(…)`, `const r = xs.filter(…)`,
 *    `r = xs.filter(…)`, `xs.filter(…);`) and its receiver is a plain read, so building the Set
 *    first runs no code before it that the statement ran.
 * Why it is the same program: `Array.prototype.includes` and `Set.prototype.has` both compare with
 * SameValueZero; holes read as undefined for both (a Set built from a sparse array holds
 * undefined). When `ys` is not an array (a string's includes() looks for a substring, or null,
 * whose includes() throws), the original call is kept (`ysSet` is null). Building the Set reads
 * every element of `ys` once, even when `xs` is empty (plain data: no getters on elements).
 * Silent when: the callback has another side effect, `ys` is written in the function, the call is
 * part of a larger expression, `includes` has a second argument.
 */
import type { Node } from "@babel/types";
import { calledMethod, identifierName, indentAt, isFunction, isPureRead, isSideEffectFree, walk } from "../../source/ast.ts";
import { freshName } from "../../source/scope.ts";
import type { Edit, Finding, Rule, RuleContext } from "./types.ts";
import { ancestorsOf, walkOwn } from "../../source/walk-own.ts";

const RULE_ID = "set-lookup";
const METHODS = new Set(["filter", "some", "every", "find", "findIndex", "findLast", "findLastIndex", "map", "flatMap"]);

type Call = Extract<Node, { type: "CallExpression" }>;

/** `ys.includes(x)` with one plain argument: a read of `ys`. */
function isIncludes(call: Call): boolean {
  return calledMethod(call) === "includes" && call.callee.type === "MemberExpression" && call.callee.object.type === "Identifier" && call.arguments.length === 1 && call.arguments[0]!.type !== "SpreadElement";
}

/** The includes() calls in a callback body, or null when the body does anything else with a side effect. */
function includesCalls(body: Node): Call[] | null {
  if (!isSideEffectFree(body, isIncludes)) return null;
  const found: Call[] = [];
  walk(body, (n) => {
    if (n.type === "CallExpression" && isIncludes(n)) found.push(n);
  });
  return found;
}

/** The statement whose whole value is `call`, or null. */
function statementOf(call: Call, ancestors: readonly Node[]): Node | null {
  const parent = ancestors[ancestors.length - 1];
  const grand = ancestors[ancestors.length - 2];
  if (!parent) return null;
  if (parent.type === "ReturnStatement" || parent.type === "ExpressionStatement") return parent;
  if (parent.type === "VariableDeclarator" && parent.init === call && grand?.type === "VariableDeclaration" && grand.declarations.length === 1) return grand;
  if (parent.type === "AssignmentExpression" && parent.right === call && parent.left.type === "Identifier" && grand?.type === "ExpressionStatement") return grand;
  return null;
}

function check(ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  const calls: { call: Call; ancestors: readonly Node[] }[] = [];
  const consider = (node: Node, ancestors: readonly Node[]) => {
    if (node.type !== "CallExpression") return;
    const method = calledMethod(node);
    const cb = node.arguments[0];
    if (method && METHODS.has(method) && cb && isFunction(cb)) calls.push({ call: node, ancestors: [...ancestors] });
  };
  // The hot function may be the callback itself.
  const own = ancestorsOf(ctx.ast.program, ctx.fn);
  const parent = own[own.length - 1];
  if (parent) consider(parent, own.slice(0, -1));
  walkOwn(ctx, consider);
  for (const { call, ancestors } of calls) {
    const cb = call.arguments[0] as Extract<Node, { type: "ArrowFunctionExpression" | "FunctionExpression" }>;
    const found = includesCalls(cb.body);
    if (found === null) {
      if (containsIncludes(cb.body)) findings.push({ kind: "silence", rule: RULE_ID, node: call, reason: "the callback does more than read: another call or an assignment could change the array it searches" });
      continue;
    }
    if (found.length === 0) continue;
    const statement = statementOf(call, ancestors);
    const receiver = call.callee.type === "MemberExpression" ? call.callee.object : null;
    if (!statement || !receiver || !isPureRead(receiver)) {
      findings.push({ kind: "silence", rule: RULE_ID, node: call, reason: "the call is part of a larger expression: a Set built before the statement could run before code the statement runs first" });
      continue;
    }
    const names = [...new Set(found.map((c) => identifierName((c.callee as Extract<Node, { type: "MemberExpression" }>).object) as string))];
    const edits: Edit[] = [];
    const declared: string[] = [];
    let bad: string | null = null;
    for (const name of names) {
      const ref = (found.find((c) => identifierName((c.callee as Extract<Node, { type: "MemberExpression" }>).object) === name)!.callee as Extract<Node, { type: "MemberExpression" }>).object;
      const binding = ctx.scopes.bindingOf.get(ref as never);
      if (!binding) {
        bad = `\`${name}\` is a global: other code could change it`;
        break;
      }
      if ((cb.start ?? 0) <= (binding.id.start ?? 0) && (binding.id.end ?? 0) <= (cb.end ?? 0)) {
        bad = `\`${name}\` is declared inside the callback`;
        break;
      }
      if (binding.references.some((r) => r.write)) {
        bad = `\`${name}\` is assigned in this file: it may not be the same array when the Set is built`;
        break;
      }
      const setName = freshName(ctx.scopes, `${name}Set`);
      const type = ctx.typescript ? "<unknown>" : "";
      declared.push(`const ${setName} = Array.isArray(${name}) ? new Set${type}(${name}) : null;`);
      for (const c of found) {
        const object = (c.callee as Extract<Node, { type: "MemberExpression" }>).object;
        if (identifierName(object) !== name) continue;
        const arg = ctx.text.slice(c.arguments[0]!.start ?? 0, c.arguments[0]!.end ?? 0);
        const original = ctx.text.slice(c.start ?? 0, c.end ?? 0);
        edits.push({ start: c.start ?? 0, end: c.end ?? 0, text: `(${setName} ? ${setName}.has(${arg}) : ${original})` });
      }
    }
    if (bad) {
      findings.push({ kind: "silence", rule: RULE_ID, node: call, reason: bad });
      continue;
    }
    const nl = ctx.text.includes("\r\n") ? "\r\n" : "\n";
    const indent = indentAt(ctx.text, statement.start ?? 0);
    const inBlock = ancestorsOf(ctx.ast.program, statement).at(-1);
    if (!inBlock || (inBlock.type !== "BlockStatement" && inBlock.type !== "Program" && inBlock.type !== "SwitchCase")) {
      findings.push({ kind: "silence", rule: RULE_ID, node: call, reason: "the statement is not in a block (a bare if or loop body): a declaration cannot go before it" });
      continue;
    }
    edits.push({ start: statement.start ?? 0, end: statement.start ?? 0, text: `${declared.join(`${nl}${indent}`)}${nl}${indent}` });
    findings.push({
      kind: "proposal",
      rule: RULE_ID,
      node: call,
      title: `Look ${names.map((n) => `\`${n}\``).join(" and ")} up in a Set instead of scanning ${names.length === 1 ? "it" : "them"} with includes() for every element`,
      edits,
      saves: 0.85,
      complexity: "low",
      risk: "low",
      why: `the ${calledMethod(call)}() callback has no side effect but includes(), so ${names.map((n) => `\`${n}\``).join(", ")} cannot change while it runs; includes() and Set.has() both compare with SameValueZero; a value that is not an array keeps its own includes()`,
    });
  }
  return findings;
}

function containsIncludes(body: Node): boolean {
  let found = false;
  walk(body, (n) => {
    if (found) return false;
    if (calledMethod(n) === "includes") found = true;
    return !found;
  });
  return found;
}

export const setLookup: Rule = {
  id: RULE_ID,
  pattern: "includes() on an outer array inside a side-effect-free filter/some/every/find/map callback",
  check,
};
