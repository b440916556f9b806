/**
 * await-all: independent awaits one after the other in a loop,
 *   for (const x of xs) { out.push(await f(x)); }
 *   for (const x of xs) { const r = await f(x); out.push(r); }
 * -> the calls started together and awaited once:
 *   for (const r of await Promise.all([...xs].map((x) => f(x)))) { out.push(r); }
 * The loop then waits about as long as the slowest call instead of the sum of all of them.
 *
 * Preconditions (docs/research.md):
 *  - a plain `for…of` (not `for await`) whose variable is a `const`/`let` of the loop, and whose
 *    body is exactly one of the two forms above (nothing else: no `break`, `continue`, `return`);
 *  - `out` is a fresh `[]` of the function, never reassigned, that nothing can look at while the
 *    loop runs: before the loop (and anywhere, when the loop is inside another loop) it is only
 *    pushed to and read, never passed, stored or captured by a function;
 *  - the awaited value is a call whose callee is a plain read and whose arguments are free of side
 *    effects and mention only the loop variable, globals, and bindings never assigned after their
 *    declaration (so every call gets the arguments it got before);
 *  - `Promise` is the global; `const r` has no type annotation (a for…of head cannot hold one).
 * What stays the same: the results, pushed in the order of `xs`, each awaited value resolved as
 * `await` resolves it (Promise.all resolves thenables the same way).
 * What can differ (risk "high"; apply only if the calls are independent): the calls now run
 * concurrently, each starting before the earlier ones finish, so the order of their side effects,
 * rate limits and shared state can differ; `xs` is read to its end before the first call (values
 * the calls add to it are no longer visited); on a rejection the remaining calls still run and the
 * error thrown is the first to reject in time, not in order (a call that throws synchronously ends
 * the loop with the earlier calls still running, their rejections unhandled); the pushes happen
 * after all calls are done; an empty `xs` now waits one microtask.
 */
import type { Node } from "@babel/types";
import { enclosingLoop, isFunction, isPureRead, isSideEffectFree, walk } from "../../source/ast.ts";
import { classifyUse, isFreshEmptyArray } from "./array-uses.ts";
import { inside, isGlobalName, referencedBindings, textOf } from "./rewrite-helpers.ts";
import { freshName, type Binding } from "../../source/scope.ts";
import type { Finding, Rule, RuleContext } from "./types.ts";
import { ancestorsOf, walkOwn } from "../../source/walk-own.ts";

const RULE_ID = "await-all";

type ForOf = Extract<Node, { type: "ForOfStatement" }>;
type Call = Extract<Node, { type: "CallExpression" }>;

interface Shape {
  /** `out.push(…)`'s call. */
  push: Call;
  awaited: Extract<Node, { type: "AwaitExpression" }>;
  /** Form B: `const r = await f(x);`, the statement and its binding. */
  declaration?: { statement: Extract<Node, { type: "VariableDeclaration" }>; binding: Binding };
}

/** Whether the loop's own body awaits (outside functions defined in it). */
function awaitsInBody(loop: ForOf): boolean {
  let found = false;
  walk(loop.body, (n) => {
    if (found || isFunction(n)) return false;
    if (n.type === "AwaitExpression") found = true;
    return !found;
  });
  return found;
}

/** `out.push(arg)` as a statement: the call, else null. */
function pushOf(statement: Node | undefined): Call | null {
  if (!statement || statement.type !== "ExpressionStatement") return null;
  const e = statement.expression;
  if (e.type !== "CallExpression" || e.callee.type !== "MemberExpression" || e.callee.computed || e.callee.object.type !== "Identifier") return null;
  if (e.callee.property.type !== "Identifier" || e.callee.property.name !== "push" || e.arguments.length !== 1) return null;
  return e;
}

function shapeOf(ctx: RuleContext, loop: ForOf): Shape | string {
  const statements = loop.body.type === "BlockStatement" ? loop.body.body : [loop.body];
  const exact = "the loop body is not exactly `out.push(await f(x))` or `const r = await f(x); out.push(r)`";
  if (statements.length === 1) {
    const push = pushOf(statements[0]);
    const arg = push?.arguments[0];
    if (!push || arg?.type !== "AwaitExpression") return exact;
    return { push, awaited: arg };
  }
  if (statements.length !== 2) return exact;
  const [first, second] = statements;
  const push = pushOf(second);
  if (!push || first?.type !== "VariableDeclaration" || first.kind === "var" || first.declarations.length !== 1) return exact;
  const d = first.declarations[0]!;
  if (d.id.type !== "Identifier" || d.init?.type !== "AwaitExpression") return exact;
  if (d.id.typeAnnotation) return "`const r` has a type annotation, which a for…of head cannot hold";
  const binding = ctx.scopes.bindingOf.get(d.id);
  const arg = push.arguments[0];
  if (!binding || arg?.type !== "Identifier" || ctx.scopes.bindingOf.get(arg) !== binding || binding.references.length !== 1) return exact;
  return { push, awaited: d.init, declaration: { statement: first, binding } };
}

/** Why `out` could be seen (or changed) by other code while the loop runs, or null. */
function outProblem(ctx: RuleContext, out: Binding, loop: ForOf, push: Call): string | null {
  if (!isFreshEmptyArray(out) || !inside(ctx.fn, out.id)) return `\`${out.name}\` is not a fresh \`[]\` of this function, never reassigned`;
  const nested = enclosingLoop(ancestorsOf(ctx.ast.program, loop), loop) !== null;
  for (const ref of out.references) {
    if (ref.id === (push.callee as Extract<Node, { type: "MemberExpression" }>).object) continue;
    if (inside(loop, ref.id)) return `\`${out.name}\` is used in the loop besides the push`;
    const inFunction = ref.ancestors.some((a) => isFunction(a) && inside(ctx.fn, a) && a !== ctx.fn);
    const before = (ref.id.start ?? 0) < (loop.start ?? 0);
    if ((before || nested) && (inFunction || classifyUse(ref).kind === "other")) return `\`${out.name}\` may be seen by other code while the loop runs (line ${ref.id.loc?.start.line}: passed, stored or captured)`;
  }
  return null;
}

function check(ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  walkOwn(ctx, (node) => {
    if (node.type !== "ForOfStatement" || !(node.await || awaitsInBody(node))) return;
    const loop = node;
    const silence = (reason: string) => findings.push({ kind: "silence", rule: RULE_ID, node: loop, reason });
    if (loop.await) return silence("a `for await` loop reads an async iterable one value at a time");
    let leaves = false;
    walk(loop.body, (n) => {
      if (isFunction(n)) return false;
      if (n.type === "BreakStatement" || n.type === "ContinueStatement" || n.type === "ReturnStatement" || n.type === "ThrowStatement") leaves = true;
      return !leaves;
    });
    if (leaves) return silence("the loop body can leave the loop early (break, continue, return, throw): later calls would start that never started");
    const left = loop.left;
    if (left.type !== "VariableDeclaration" || left.kind === "var" || left.declarations.length !== 1) return silence("the loop variable is not a `const`/`let` of the loop");
    const shape = shapeOf(ctx, loop);
    if (typeof shape === "string") return silence(shape);
    const call = shape.awaited.argument;
    if (call.type !== "CallExpression" || !isPureRead(call.callee) || call.arguments.some((a) => a.type === "ArgumentPlaceholder" || !isSideEffectFree(a))) {
      return silence("the awaited value is not a call of a plain function or method with side-effect-free arguments");
    }
    const loopVars = new Set<Binding>();
    walk(left.declarations[0]!.id, (n) => {
      if (n.type === "Identifier") {
        const b = ctx.scopes.bindingOf.get(n);
        if (b) loopVars.add(b);
      }
    });
    const { bindings } = referencedBindings(ctx, call);
    const changing = bindings.find((b) => !loopVars.has(b) && b.references.some((r) => r.write));
    if (changing) return silence(`the call reads \`${changing.name}\`, which is assigned after its declaration: each call would no longer see its value at its turn`);
    const outName = (shape.push.callee as Extract<Node, { type: "MemberExpression" }>).object;
    const out = ctx.scopes.bindingOf.get(outName as never);
    if (!out) return silence(`\`${textOf(ctx, outName)}\` is not a fresh \`[]\` of this function`);
    const problem = outProblem(ctx, out, loop, shape.push);
    if (problem) return silence(problem);
    if (!isGlobalName(ctx, "Promise")) return silence("`Promise` is declared in this file: Promise.all would not be the global");

    const variable = textOf(ctx, left.declarations[0]!.id);
    const right = loop.right.type === "SequenceExpression" ? `(${textOf(ctx, loop.right)})` : textOf(ctx, loop.right);
    const head = `await Promise.all([...${right}].map((${variable}) => ${textOf(ctx, call)}))`;
    const edits = [];
    if (shape.declaration) {
      const { statement, binding } = shape.declaration;
      edits.push({ start: left.start ?? 0, end: left.end ?? 0, text: `${statement.kind} ${binding.name}` });
      edits.push({ start: loop.right.start ?? 0, end: loop.right.end ?? 0, text: head });
      const lineStart = ctx.text.lastIndexOf("\n", (statement.start ?? 0) - 1) + 1;
      const next = (shape.push.start ?? 0);
      const nextLineStart = ctx.text.lastIndexOf("\n", next - 1) + 1;
      const alone = ctx.text.slice(lineStart, statement.start ?? 0).trim() === "" && nextLineStart > (statement.end ?? 0) && ctx.text.slice(statement.end ?? 0, nextLineStart).trim() === "";
      edits.push(alone ? { start: lineStart, end: nextLineStart, text: "" } : { start: statement.start ?? 0, end: next, text: "" });
    } else {
      const base = left.declarations[0]!.id.type === "Identifier" ? `${left.declarations[0]!.id.name}Result` : "result";
      const result = freshName(ctx.scopes, base);
      edits.push({ start: left.start ?? 0, end: left.end ?? 0, text: `${left.kind} ${result}` });
      edits.push({ start: loop.right.start ?? 0, end: loop.right.end ?? 0, text: head });
      edits.push({ start: shape.awaited.start ?? 0, end: shape.awaited.end ?? 0, text: result });
    }
    findings.push({
      kind: "proposal",
      rule: RULE_ID,
      node: loop,
      title: `Start the awaited calls of the loop together with Promise.all instead of one after the other`,
      edits,
      saves: 0.5,
      complexity: "low",
      risk: "high",
      why: `the loop body only awaits one call per value and pushes its result to \`${out.name}\`, a fresh local array nothing else sees during the loop; the call's arguments are free of side effects and read only the loop variable and bindings never reassigned; results are pushed in the same order. The saving is waiting time (the calls overlap), which a CPU profile does not show`,
      caveat: "the calls now run concurrently: they start before earlier ones finish, so the order of their side effects, rate limits and shared state can differ, and the iterable is read to its end first; on a rejection the remaining calls still run and the error is the first to reject in time, not in order; apply only if the calls are independent",
    });
  });
  return findings;
}

export const awaitAll: Rule = {
  id: RULE_ID,
  pattern: "awaits of independent calls one after the other in a for…of loop",
  check,
};
