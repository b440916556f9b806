/**
 * json-parse-once: `JSON.parse(text)` inside a loop, with a `text` that cannot change while the
 * loop runs -> parsed once, on the first iteration that reaches it, and reused.
 *
 * Pattern: `JSON.parse(text)` in a loop of the hot function's own code (an iteration callback
 * counts), where `text` is a string literal or a name whose binding is declared outside the loop
 * and never written after its declaration: a `const`, a `let` never assigned, or a parameter never
 * assigned in a function that does not use `arguments`.
 *
 * Preconditions:
 *  - `JSON` is the global; one argument (a reviver is a function that could see or change
 *    anything: silent);
 *  - the parsed value is only read: it is used inline, or bound to a `const` (a plain name, or an
 *    object pattern of plain names) every use of which is a chain of member reads (`cfg.a.b`,
 *    `cfg[0]`, `cfg?.a`) ending where only a primitive can come out of it: a comparison or
 *    arithmetic, a condition (if/while/for/?:/switch), `!`/`typeof`/unary operators, a template
 *    literal, `String()`/`Number()`/`Boolean()`, a computed key, `x += …`, or a discarded value.
 *    Passed to a call (a method called on it included), returned, stored, spread, iterated,
 *    assigned to, changed or deleted: a shared value would show (identity, or a change one
 *    iteration makes seen by the next), silent with the use.
 * Rewrite: `let <name>;` just before the outermost loop the text is fixed in (in the same block;
 * braces are added around both when that loop is not in a block), and the call becomes
 * `(<name> === undefined ? (<name> = JSON.parse(text)) : <name>)` (JSON.parse never returns
 * undefined; no outer parentheses as a declaration's initializer). Calls with the same text in that loop share the cache.
 * Why it is the same program: the text is parsed where and when it first was; a loop that runs zero
 * times, or never reaches the call, still never parses; a bad text throws the same SyntaxError at
 * the same point, and leaves the cache empty, so a caught error is thrown again on the next
 * iteration. Every later iteration sees a value equal to a fresh parse, and only reads primitives
 * out of it, so it cannot tell the value is shared. Risk is low when `text` is surely a string
 * (known-values.ts isStringValue: a literal, a template, String(), readFileSync with an encoding…);
 * otherwise (a parameter, say) medium: if it were an object whose string form changes while the
 * loop runs (a Buffer written to), or whose toString() has effects, the parse would not be redone.
 */
import type { Node } from "@babel/types";
import { contains, enclosingLoop, lineOf, staticString } from "../../source/ast.ts";
import { loopCacheDeclaration, loopCacheRead, loopCacheSiteFor, type CacheDeclaration, type LoopSite } from "./cache-placement.ts";
import { bindingOf, isGlobal, isStringValue, unstableBinding } from "./known-values.ts";
import { freshName, type Binding } from "../../source/scope.ts";
import type { Edit, Finding, Rule, RuleContext } from "./types.ts";
import { walkOwn } from "../../source/walk-own.ts";

const RULE_ID = "json-parse-once";

const ARITHMETIC_ASSIGN = new Set(["+=", "-=", "*=", "/=", "%=", "**=", "<<=", ">>=", ">>>=", "&=", "|=", "^="]);
const PASS_THROUGH = new Set(["LogicalExpression", "ParenthesizedExpression", "TSAsExpression", "TSNonNullExpression", "TSSatisfiesExpression", "TSTypeAssertion"]);
const CONDITIONS = new Set(["IfStatement", "WhileStatement", "DoWhileStatement", "ForStatement", "ConditionalExpression"]);

/** Why the value at `node` (a reference or the call, with its ancestors) is not only read into primitives; null when it is. */
function useProblem(ctx: RuleContext, node: Node, ancestors: readonly Node[]): string | null {
  let cur = node;
  let i = ancestors.length - 1;
  for (let p = ancestors[i]; p && (((p.type === "MemberExpression" || p.type === "OptionalMemberExpression") && p.object === cur) || p.type === "TSNonNullExpression" || p.type === "TSAsExpression"); p = ancestors[--i]) cur = p;
  for (;;) {
    const p = ancestors[i];
    const g = ancestors[i - 1];
    if (!p) return "used at the top of the program";
    switch (p.type) {
      case "MemberExpression":
      case "OptionalMemberExpression":
        if (p.property === cur && p.computed) return null;
        if (p.object !== cur) return "used";
        break;
      case "BinaryExpression":
        return p.operator === "instanceof" ? "passed to instanceof (a Symbol.hasInstance method could keep it)" : null;
      case "UnaryExpression":
        return p.operator === "delete" ? "deleted from" : null;
      case "SwitchStatement":
        return p.discriminant === cur ? null : "used";
      case "SwitchCase":
        return p.test === cur ? null : "used";
      case "TemplateLiteral":
        return g?.type === "TaggedTemplateExpression" ? "passed to a template tag" : null;
      case "ExpressionStatement":
        return null;
      case "CallExpression":
      case "OptionalCallExpression":
        if (p.callee === cur) return "called, or a method is called on it";
        if (p.arguments[0] === cur && (isGlobal(ctx, p.callee, "String") || isGlobal(ctx, p.callee, "Number") || isGlobal(ctx, p.callee, "Boolean"))) return null;
        return "passed to a call";
      case "NewExpression":
        return "passed to a constructor";
      case "AssignmentExpression":
        if (p.right === cur && ARITHMETIC_ASSIGN.has(p.operator)) return null;
        return p.left === cur ? "assigned to" : "stored";
      case "UpdateExpression":
        return "changed";
      case "ReturnStatement":
      case "ArrowFunctionExpression":
      case "YieldExpression":
      case "AwaitExpression":
        return "returned";
      case "SpreadElement":
        return "spread";
      case "ForOfStatement":
      case "ForInStatement":
        return p.right === cur ? "iterated" : "assigned to";
      case "VariableDeclarator":
        return "stored in another variable";
      case "SequenceExpression":
        if (p.expressions[p.expressions.length - 1] !== cur) return null;
        break;
      default:
        if (CONDITIONS.has(p.type) && (p as { test?: Node }).test === cur) return null;
        if (p.type === "ConditionalExpression" || PASS_THROUGH.has(p.type)) break;
        return "stored or passed on";
    }
    // The value flows on as the value of `p`: look at what uses that.
    cur = p;
    i--;
  }
}

/** Why the parse result is not read-only, or null. */
function resultProblem(ctx: RuleContext, call: Node, ancestors: readonly Node[]): string | null {
  const parent = ancestors[ancestors.length - 1];
  const declaration = ancestors[ancestors.length - 2];
  if (parent?.type !== "VariableDeclarator" || parent.init !== call) {
    const problem = useProblem(ctx, call, ancestors);
    return problem && `the parsed value is ${problem} (line ${lineOf(call)}): sharing one value across iterations would be observable`;
  }
  if (declaration?.type !== "VariableDeclaration" || declaration.kind !== "const") return `the parsed value is bound with ${declaration?.type === "VariableDeclaration" ? declaration.kind : "a pattern"}, not const`;
  const names: Node[] = [];
  if (parent.id.type === "Identifier") names.push(parent.id);
  else if (parent.id.type === "ObjectPattern") {
    for (const p of parent.id.properties) {
      const value = p.type === "ObjectProperty" && !p.computed ? (p.value.type === "AssignmentPattern" ? p.value.left : p.value) : null;
      if (!value || value.type !== "Identifier") return "the parsed value is destructured with a rest element or a nested pattern";
      names.push(value);
    }
  } else return "the parsed value is destructured with an array pattern (iterated)";
  for (const id of names) {
    const binding = bindingOf(ctx, id);
    if (!binding) return "the parsed value's binding is not found";
    for (const ref of binding.references) {
      const problem = useProblem(ctx, ref.id, ref.ancestors);
      if (problem) return `\`${binding.name}\`, from the parsed value, is ${problem} (line ${lineOf(ref.id)}): sharing one value across iterations would be observable`;
    }
  }
  return null;
}

interface Group {
  site: LoopSite;
  caches: Map<string, { name: string; calls: { call: Node; bare: boolean }[]; stringText: boolean; label: string }>;
}

function check(ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  const groups = new Map<Node, Group>();
  walkOwn(ctx, (node, ancestors) => {
    if (node.type !== "CallExpression" || node.callee.type !== "MemberExpression" || node.callee.computed) return;
    const callee = node.callee;
    if (callee.object.type !== "Identifier" || callee.object.name !== "JSON" || callee.property.type !== "Identifier" || callee.property.name !== "parse") return;
    const inner = enclosingLoop(ancestors, node);
    if (!inner || inner.loop === ctx.fn || !contains(ctx.fn, inner.loop)) return;
    const silence = (reason: string) => findings.push({ kind: "silence", rule: RULE_ID, node, reason });
    if (!isGlobal(ctx, callee.object, "JSON")) return silence("`JSON` is declared in this file: not the built-in");
    if (node.arguments.length !== 1 || node.arguments[0]!.type === "SpreadElement") return silence(node.arguments.length > 1 ? "a reviver is passed: it is a function that could see or change anything" : "not JSON.parse(text) with one argument");
    const arg = node.arguments[0]!;
    let binding: Binding | null = null;
    let key: string;
    let stringText: boolean;
    const literal = staticString(arg);
    if (literal !== null) {
      key = `literal:${literal}`;
      stringText = true;
    } else if (arg.type === "Identifier") {
      binding = bindingOf(ctx, arg);
      if (!binding) return silence(`\`${arg.name}\` is not declared in this file: it may change while the loop runs`);
      const unstable = unstableBinding(ctx, binding);
      if (unstable) return silence(`${unstable}: the text may change while the loop runs`);
      if (contains(inner.loop, binding.id)) return silence(`\`${arg.name}\` is declared inside the loop: a new text on each iteration`);
      key = `binding:${binding.name}:${binding.id.start}`;
      stringText = isStringValue(ctx, arg);
    } else return silence("the text is not a name or a literal: it may change from one iteration to the next");
    const problem = resultProblem(ctx, node, ancestors);
    if (problem) return silence(problem);
    const site = loopCacheSiteFor(ctx, node, ancestors, binding);
    if (!site) return silence("no statement before the loop to declare the cache in (the loop is an expression-bodied callback's)");
    const group = groups.get(site.statement) ?? { site, caches: new Map() };
    groups.set(site.statement, group);
    const cache = group.caches.get(key) ?? { name: "", calls: [], stringText, label: binding ? `\`${binding.name}\`` : "the literal text" };
    const parent = ancestors[ancestors.length - 1];
    cache.calls.push({ call: node, bare: parent?.type === "VariableDeclarator" });
    group.caches.set(key, cache);
  });
  for (const group of groups.values()) {
    const decls: CacheDeclaration[] = [];
    const edits: Edit[] = [];
    for (const cache of group.caches.values()) {
      const first = cache.calls[0]!.call as Extract<Node, { type: "CallExpression" }>;
      const arg = first.arguments[0]!;
      cache.name = freshName(ctx.scopes, arg.type === "Identifier" ? `${arg.name}Parsed` : "parsed");
      decls.push({ name: cache.name, type: "any" });
      for (const { call, bare } of cache.calls) {
        const read = loopCacheRead(cache.name, ctx.text.slice(call.start ?? 0, call.end ?? 0));
        edits.push({ start: call.start ?? 0, end: call.end ?? 0, text: bare ? read.slice(1, -1) : read });
      }
    }
    edits.push(...loopCacheDeclaration(ctx, group.site, decls));
    const caches = [...group.caches.values()];
    const unsure = caches.filter((c) => !c.stringText).map((c) => c.label);
    const firstCall = caches[0]!.calls[0]!.call;
    findings.push({
      kind: "proposal",
      rule: RULE_ID,
      node: firstCall,
      title: `Parse ${caches.map((c) => c.label).join(", ")} once, before the loop's first use, instead of on every iteration`,
      edits,
      saves: 0.6,
      complexity: "low",
      risk: unsure.length > 0 ? "medium" : "low",
      why: "`JSON` is the global, no reviver; the text is fixed while the loop runs (a literal, or a binding declared outside it and never written); the parsed value is only read into primitives (member reads ending in comparisons, arithmetic, conditions, templates), so one shared value is indistinguishable from fresh ones; it is still parsed where and when it first was (a loop that runs zero times never parses, a bad text throws at the same point)",
      ...(unsure.length > 0 ? { caveat: `${unsure.join(", ")} is assumed to be a string: if it were an object whose string form changes while the loop runs (a Buffer written to), or whose toString() has effects, the parse would no longer be redone` } : {}),
    });
  }
  return findings;
}

export const jsonParseOnce: Rule = {
  id: RULE_ID,
  pattern: "JSON.parse of an unchanging text inside a loop",
  check,
};
