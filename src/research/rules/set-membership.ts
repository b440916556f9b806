/**
 * set-membership: `xs.includes(v)` (or `xs.indexOf(v) !== -1`) inside a loop, on an array declared
 * in this file -> a Set kept beside the array, `xsSet.has(v)` in the loop.
 *
 * Preconditions (docs/research.md):
 *  - `xs` is a `const`/`let` declared with an array literal, never reassigned, not exported;
 *  - every use of `xs` in the file is one the Set can follow: `xs.push(a, …)` as a statement with
 *    arguments that are plain reads not mentioning `xs` (the Set adds the same values; one computed
 *    argument is evaluated once into a const), reads
 *    (`length`, `xs[i]`, `for…of`, spread, non-mutating methods, iteration callbacks with at most two
 *    parameters, which cannot reach the array), and `return xs` from the function that declares it
 *    (the Set is that call's own and ends with it); anything else (passed, stored, spliced,
 *    assigned, a module-level array returned) and the rule is silent;
 *  - a constant array (never pushed to) of fewer than MIN_CONSTANT_ELEMENTS elements is left alone:
 *    scanning a few elements is as fast as hashing.
 * Why it is the same program: `includes` compares with SameValueZero, as `Set.prototype.has` does;
 * `indexOf` compares with `===`, which differs only for NaN, so its rewrite is
 * `(v === v && xsSet.has(v))` (v is a plain read: evaluating it twice is not observable). Holes in a
 * literal read as undefined for both. The array itself is left as it was.
 */
import type { Node } from "@babel/types";
import { enclosingLoop, identifierName, indentAt, isPureRead, lineOf } from "../../source/ast.ts";
import { classifyUse, type Use } from "./array-uses.ts";
import { freshName, type Binding } from "../../source/scope.ts";
import type { Edit, Finding, Rule, RuleContext } from "./types.ts";
import { ancestorsOf, walkOwn } from "../../source/walk-own.ts";

/** A never-growing array literal shorter than this is scanned about as fast as a Set is hashed. */
export const MIN_CONSTANT_ELEMENTS = 16;

const PRESENT = new Map([["!==", -1], ["!=", -1], [">", -1], [">=", 0]]);
const ABSENT = new Map([["===", -1], ["==", -1], ["<", 0]]);

interface Membership {
  /** The expression to replace. */
  node: Node;
  value: Node;
  negated: boolean;
  strict: boolean;
}

/** `xs.includes(v)` or `xs.indexOf(v) <cmp> -1|0` around a use, or null. */
function membershipOf(use: Use): Membership | null {
  if (use.kind !== "read-method" || use.node.type !== "CallExpression") return null;
  const call = use.node;
  const arg = call.arguments[0];
  if (call.arguments.length !== 1 || !arg || arg.type === "SpreadElement" || arg.type === "ArgumentPlaceholder") return null;
  if (use.method === "includes") return { node: call, value: arg, negated: false, strict: false };
  if (use.method !== "indexOf") return null;
  const parent = use.ref.ancestors[use.ref.ancestors.length - 3];
  if (!parent || parent.type !== "BinaryExpression" || parent.left !== call || !isPureRead(arg)) return null;
  const right = parent.right;
  const value = right.type === "NumericLiteral" ? right.value : right.type === "UnaryExpression" && right.operator === "-" && right.argument.type === "NumericLiteral" ? -right.argument.value : null;
  if (value === null) return null;
  if (PRESENT.get(parent.operator) === value) return { node: parent, value: arg, negated: false, strict: true };
  if (ABSENT.get(parent.operator) === value) return { node: parent, value: arg, negated: true, strict: true };
  return null;
}

function describeUse(use: Use, ctx: RuleContext): string {
  const line = lineOf(use.ref.id);
  const text = ctx.text.slice(use.node.start ?? 0, use.node.end ?? 0).split("\n")[0]?.slice(0, 60) ?? "";
  return `line ${line}: \`${text}\``;
}

function check(ctx: RuleContext): Finding[] {
  const candidates = new Map<Binding, Node[]>();
  walkOwn(ctx, (node, ancestors) => {
    if (node.type !== "CallExpression" || node.callee.type !== "MemberExpression" || node.callee.computed) return;
    const method = identifierName(node.callee.property);
    if (method !== "includes" && method !== "indexOf") return;
    const name = identifierName(node.callee.object);
    if (!name || !enclosingLoop(ancestors, node)) return;
    const binding = ctx.scopes.bindingOf.get(node.callee.object as never);
    if (!binding) return;
    const list = candidates.get(binding) ?? [];
    list.push(node);
    candidates.set(binding, list);
  });
  const findings: Finding[] = [];
  for (const [binding, calls] of candidates) {
    const at = calls[0] as Node;
    const silence = (reason: string): Finding => ({ kind: "silence", rule: RULE_ID, node: at, reason: `\`${binding.name}\`: ${reason}` });
    const decl = binding.declaration;
    if (decl.type !== "VariableDeclarator" || decl.id !== binding.id || !decl.init || decl.init.type !== "ArrayExpression") {
      findings.push(silence("not declared here with an array literal, so it may be a string or an array others change"));
      continue;
    }
    if (binding.kind !== "const" && binding.kind !== "let") {
      findings.push(silence("declared with var: hoisting makes its uses hard to follow"));
      continue;
    }
    const declAncestors = ancestorsOf(ctx.ast.program, decl);
    const statement = declAncestors[declAncestors.length - 1];
    const holder = declAncestors[declAncestors.length - 2];
    if (!statement || statement.type !== "VariableDeclaration" || !holder || (holder.type !== "Program" && holder.type !== "BlockStatement")) {
      findings.push(silence("declared where a statement cannot be added after it (a for head or an export)"));
      continue;
    }
    const uses = binding.references.map(classifyUse);
    // Returning a module-level array hands it to code that may change it while the Set lives on.
    const local = binding.scope.node.type !== "Program";
    const bad = uses.find((use) => use.kind === "other" || (use.kind === "return" && !local));
    if (bad) {
      findings.push(silence(`used in a way the Set cannot follow (${describeUse(bad, ctx)}: passed, stored, assigned or changed)`));
      continue;
    }
    const pushes = uses.filter((use) => use.kind === "push");
    const plain = (use: Use) => use.node.type === "CallExpression" && use.node.arguments.every((a) => isPureRead(a) && !mentions(a, binding));
    const unreadable = pushes.find((use) => !plain(use) && (use.node as Extract<Node, { type: "CallExpression" }>).arguments.length > 1);
    if (unreadable) {
      findings.push(silence(`pushed several values that are not all plain reads (${describeUse(unreadable, ctx)}): the Set could not add the same values`));
      continue;
    }
    if (pushes.length === 0 && decl.init.elements.length < MIN_CONSTANT_ELEMENTS) {
      findings.push(silence(`a constant array of ${decl.init.elements.length} elements (fewer than ${MIN_CONSTANT_ELEMENTS}): a scan is about as fast as a Set`));
      continue;
    }
    const targets = new Set(calls);
    const memberships = uses.filter((use) => targets.has(use.node)).map(membershipOf).filter((m): m is Membership => m !== null);
    if (memberships.length === 0) {
      findings.push(silence("its includes()/indexOf() calls in the loop are not membership tests (a second argument, or the index is used)"));
      continue;
    }
    const setName = freshName(ctx.scopes, `${binding.name}Set`);
    const edits: Edit[] = [];
    const elementType = ctx.typescript ? elementTypeOf(ctx, decl) : "";
    const nl = ctx.text.includes("\r\n") ? "\r\n" : "\n";
    const indent = indentAt(ctx.text, statement.start ?? 0);
    const semi = endsWithSemicolon(ctx, statement) ? ";" : "";
    edits.push({ start: statement.end ?? 0, end: statement.end ?? 0, text: `${nl}${indent}const ${setName} = new Set${elementType}(${binding.name})${semi}` });
    for (const push of pushes) {
      const call = push.node as Extract<Node, { type: "CallExpression" }>;
      const stmt = push.ref.ancestors[push.ref.ancestors.length - 3] as Node;
      const owner = push.ref.ancestors[push.ref.ancestors.length - 4];
      const stmtSemi = endsWithSemicolon(ctx, stmt);
      if (!plain(push)) {
        // One computed value: evaluated once, into a fresh const, then pushed and added.
        const arg = call.arguments[0] as Node;
        const value = freshName(ctx.scopes, `${binding.name}Value`);
        const callee = ctx.text.slice(call.callee.start ?? 0, call.callee.end ?? 0);
        edits.push({ start: stmt.start ?? 0, end: stmt.end ?? 0, text: `{ const ${value} = ${ctx.text.slice(arg.start ?? 0, arg.end ?? 0)}; ${callee}(${value}); ${setName}.add(${value}); }` });
        continue;
      }
      const adds = `${setName}${call.arguments.map((a) => `.add(${ctx.text.slice(a.start ?? 0, a.end ?? 0)})`).join("")}`;
      if (owner && (owner.type === "BlockStatement" || owner.type === "Program" || owner.type === "SwitchCase")) {
        edits.push({ start: stmt.end ?? 0, end: stmt.end ?? 0, text: stmtSemi ? ` ${adds};` : `; ${adds}` });
      } else {
        edits.push({ start: stmt.start ?? 0, end: stmt.start ?? 0, text: "{ " });
        edits.push({ start: stmt.end ?? 0, end: stmt.end ?? 0, text: `${stmtSemi ? "" : ";"} ${adds}; }` });
      }
    }
    for (const m of memberships) {
      const value = ctx.text.slice(m.value.start ?? 0, m.value.end ?? 0);
      const has = `${setName}.has(${value})`;
      const test = m.strict ? `(${value} === ${value} && ${has})` : has;
      edits.push({ start: m.node.start ?? 0, end: m.node.end ?? 0, text: m.negated ? `!${test}` : test });
    }
    const grows = pushes.some((push) => calls.some((call) => sameLoop(ctx, push.node, call)));
    findings.push({
      kind: "proposal",
      rule: RULE_ID,
      node: at,
      title: `Keep a Set beside \`${binding.name}\` and test membership with has() instead of scanning the array`,
      edits,
      saves: grows ? 0.9 : 0.6,
      complexity: "low",
      risk: "low",
      why: `\`${binding.name}\` is declared here with an array literal, never reassigned or exported, and only ${pushes.length > 0 ? "pushed plain values to and " : ""}read; includes() and Set.has() both compare with SameValueZero${memberships.some((m) => m.strict) ? "; indexOf()'s === is kept by the v === v guard (NaN)" : ""}`,
    });
  }
  return findings;
}

function mentions(node: Node, binding: Binding): boolean {
  return binding.references.some((r) => (node.start ?? 0) <= (r.id.start ?? 0) && (r.id.end ?? 0) <= (node.end ?? 0));
}

function endsWithSemicolon(ctx: RuleContext, node: Node): boolean {
  return ctx.text.slice(node.start ?? 0, node.end ?? 0).trimEnd().endsWith(";");
}

/** The element type for `new Set<T>()` in TypeScript: from a `T[]` / `Array<T>` annotation, else unknown. */
function elementTypeOf(ctx: RuleContext, decl: Extract<Node, { type: "VariableDeclarator" }>): string {
  const annotation = decl.id.type === "Identifier" ? decl.id.typeAnnotation : null;
  if (annotation && annotation.type === "TSTypeAnnotation") {
    const t = annotation.typeAnnotation;
    if (t.type === "TSArrayType") return `<${ctx.text.slice(t.elementType.start ?? 0, t.elementType.end ?? 0)}>`;
    if (t.type === "TSTypeReference" && t.typeName.type === "Identifier" && (t.typeName.name === "Array" || t.typeName.name === "ReadonlyArray")) {
      const param = t.typeParameters?.params[0];
      if (param) return `<${ctx.text.slice(param.start ?? 0, param.end ?? 0)}>`;
    }
  }
  return "<unknown>";
}

/** Whether both nodes lie in the same innermost loop. */
function sameLoop(ctx: RuleContext, a: Node, b: Node): boolean {
  const loopA = enclosingLoop(ancestorsOf(ctx.ast.program, a), a)?.loop;
  const loopB = enclosingLoop(ancestorsOf(ctx.ast.program, b), b)?.loop;
  return loopA !== undefined && loopA === loopB;
}

const RULE_ID = "set-membership";

export const setMembership: Rule = {
  id: RULE_ID,
  pattern: "includes()/indexOf() membership tests on an array inside a loop",
  check,
};
