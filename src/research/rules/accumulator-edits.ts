/**
 * For accumulating-spread (accumulating-spread.ts): how an expression builds the next accumulator
 * from the previous one (`{ ...acc, k: v }`, `[...acc, x]`, `acc.concat([x])`), whether a literal
 * is a fresh starting value, and the statements that grow the accumulator in place instead.
 *
 * Property keys and `__proto__`: in a literal, `{ ...acc, [k]: v }` DEFINES an own property k;
 * `acc[k] = v` SETS it, which for k === "__proto__" calls Object.prototype's `__proto__` setter (it
 * changes the prototype instead), and for a name Object.prototype holds (`toString`, `constructor`…)
 * would fail if Object.prototype were frozen. So a key becomes an assignment only when it is proven
 * to be none of Object.prototype's names: an identifier or string key other than those, a number,
 * a numeric expression (`-x`, `i * 2`, `i++`, the reduce callback's index), or a template whose
 * fixed text cannot occur in any of them; any other key becomes
 * `Object.defineProperty(acc, k, { value: v, writable: true, enumerable: true, configurable: true })`,
 * which is exactly what the literal does (an existing key keeps its place, as in the literal). A
 * plain `__proto__:` key in the literal sets the prototype of the new object: the rule is silent.
 */
import type { ArrayExpression, CallExpression, Identifier, Node, ObjectExpression, ObjectProperty } from "@babel/types";
import { unwrapTs, walk } from "../../source/ast.ts";
import { exprText } from "./binding-helpers.ts";
import type { Binding } from "../../source/scope.ts";
import type { RuleContext } from "./types.ts";

/** Own property names of Object.prototype: a key that may be one of them is defined, not assigned. */
export const OBJECT_PROTOTYPE_NAMES = ["__proto__", "constructor", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "toLocaleString", "toString", "valueOf", "__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__"];
const PROTO_NAMES = new Set(OBJECT_PROTOTYPE_NAMES);
const NUMERIC_OPERATORS = new Set(["-", "*", "/", "%", "**", "|", "&", "^", "<<", ">>", ">>>"]);

export type Growth =
  | { kind: "object"; node: ObjectExpression; self: Identifier }
  | { kind: "array"; node: ArrayExpression; self: Identifier }
  | { kind: "concat"; node: CallExpression; self: Identifier };

/** How `expr` builds a new accumulator from `binding` (a spread of it, or its concat()), or null. */
export function growthOf(expr: Node, binding: Binding, bindingOf: ReadonlyMap<Identifier, Binding>): Growth | null {
  const n = unwrapTs(expr);
  const isSelf = (node: Node | null | undefined): node is Identifier => Boolean(node && node.type === "Identifier" && bindingOf.get(node) === binding);
  if (n.type === "ObjectExpression") {
    const spread = n.properties.find((p) => p.type === "SpreadElement" && isSelf(p.argument));
    return spread && spread.type === "SpreadElement" ? { kind: "object", node: n, self: spread.argument as Identifier } : null;
  }
  if (n.type === "ArrayExpression") {
    const spread = n.elements.find((e) => e?.type === "SpreadElement" && isSelf(e.argument));
    return spread && spread.type === "SpreadElement" ? { kind: "array", node: n, self: spread.argument as Identifier } : null;
  }
  if (n.type === "CallExpression" && n.callee.type === "MemberExpression" && !n.callee.computed && n.callee.property.type === "Identifier" && n.callee.property.name === "concat" && isSelf(n.callee.object)) {
    return { kind: "concat", node: n, self: n.callee.object };
  }
  return null;
}

/**
 * Why `init` is not a fresh starting value for an accumulator of this kind, or null when it is: an
 * object literal without accessors or a plain `__proto__:` key, or an array literal (without holes
 * when the accumulator is spread: `[...acc]` turns holes into undefined, push keeps them).
 */
export function freshLiteralProblem(ctx: RuleContext, init: Node, kind: Growth["kind"]): string | null {
  const n = unwrapTs(init);
  const shown = exprText(ctx, init).split("\n")[0]?.slice(0, 40) ?? "";
  if (kind === "object") {
    if (n.type === "ArrayExpression") return "the initial value is an array but the callback builds plain objects from it: mutating it would keep an array";
    if (n.type !== "ObjectExpression") return `the initial value \`${shown}\` is not a fresh \`{}\` literal written here: mutating it would change an object others may hold`;
    if (n.properties.some((p) => p.type === "ObjectMethod" && p.kind !== "method")) return "the initial literal has a getter or setter, which a spread turns into a plain value";
    if (n.properties.some((p) => p.type === "ObjectProperty" && !p.computed && keyName(p) === "__proto__")) return "the initial literal sets `__proto__`, which a spread does not copy";
    return null;
  }
  if (n.type === "ObjectExpression") return "the initial value is an object but the callback builds arrays from it";
  if (n.type !== "ArrayExpression") return `the initial value \`${shown}\` is not a fresh \`[]\` literal written here: mutating it would change an array others may hold`;
  if (kind === "array" && n.elements.some((e) => e === null)) return "the initial literal has holes, which a spread turns into undefined and push() keeps";
  return null;
}

function keyName(p: ObjectProperty): string | null {
  if (p.key.type === "Identifier") return p.key.name;
  if (p.key.type === "StringLiteral") return p.key.value;
  return null;
}

/** One statement of the in-place rewrite, with the property or elements it comes from. */
export interface Mutation {
  text: string;
  from: Node;
}

export interface KeyOptions {
  /** Keys known to be numbers beyond the syntactic ones (the reduce callback's index parameter). */
  numeric?: (key: Node) => boolean;
}

/**
 * The statements that grow `acc` in place as `growth` builds its copy, or why they cannot be exact.
 * `defines` tells whether Object.defineProperty is used (the global must not be shadowed).
 */
export function mutationsOf(ctx: RuleContext, growth: Growth, acc: string, options: KeyOptions = {}): { mutations: Mutation[]; defines: boolean } | { reason: string } {
  if (growth.kind === "array") {
    const [first, ...rest] = growth.node.elements;
    if (first?.type !== "SpreadElement" || first.argument !== growth.self) return { reason: "the spread of the accumulator is not the first element: the new array does not start with it" };
    if (rest.some((e) => e === null)) return { reason: "the literal has a hole after the spread" };
    if (rest.some((e) => e?.type === "SpreadElement")) return { reason: "a second spread after the accumulator: push(...xs) can exceed the engine's argument limit where the literal does not" };
    if (rest.length === 0) return { reason: "nothing is added after the spread" };
    return { mutations: [{ text: `${acc}.push(${rest.map((e) => exprText(ctx, e as Node)).join(", ")})`, from: growth.node }], defines: false };
  }
  if (growth.kind === "concat") {
    const values: string[] = [];
    for (const arg of growth.node.arguments) {
      if (arg.type === "ArrayExpression") {
        if (arg.elements.some((e) => e === null || e.type === "SpreadElement")) return { reason: "an array literal given to concat() has holes or spreads: concat() keeps holes, push() does not" };
        values.push(...arg.elements.map((e) => exprText(ctx, e as Node)));
      } else if (arg.type === "StringLiteral" || arg.type === "NumericLiteral" || arg.type === "BooleanLiteral" || arg.type === "NullLiteral" || arg.type === "BigIntLiteral") {
        values.push(exprText(ctx, arg));
      } else {
        return { reason: `concat(${exprText(ctx, arg).slice(0, 30)}) takes a value that may be an array (its elements are added) or not (added as one element): push() cannot tell which` };
      }
    }
    if (values.length === 0) return { reason: "concat() adds nothing" };
    return { mutations: [{ text: `${acc}.push(${values.join(", ")})`, from: growth.node }], defines: false };
  }
  const [first, ...rest] = growth.node.properties;
  if (first?.type !== "SpreadElement" || first.argument !== growth.self) return { reason: "the spread of the accumulator is not the first property: the properties before it would be overridden by the accumulator's" };
  if (rest.length === 0) return { reason: "nothing is added after the spread" };
  const mutations: Mutation[] = [];
  let defines = false;
  for (const p of rest) {
    if (p.type === "SpreadElement") return { reason: "a second spread after the accumulator: it copies with define semantics that an assignment does not have" };
    if (p.type === "ObjectMethod") return { reason: "the literal has a method or accessor after the spread" };
    if (!p.computed && keyName(p) === "__proto__") return { reason: "a `__proto__:` property sets the new object's prototype, which an assignment would not do the same way" };
    const value = unwrapTs(p.value as Node);
    if (isAnonymousDefinition(value)) return { reason: "a property value is an anonymous function or class, which takes its name from the key in a literal but not in an assignment" };
    const key = keyAccess(ctx, p, options);
    const valueText = exprText(ctx, p.value as Node);
    if ("define" in key) {
      defines = true;
      mutations.push({ text: `Object.defineProperty(${acc}, ${key.define}, { value: ${valueText}, writable: true, enumerable: true, configurable: true })`, from: p });
    } else {
      mutations.push({ text: `${acc}${key.access} = ${valueText}`, from: p });
    }
  }
  return { mutations, defines };
}

function isAnonymousDefinition(node: Node): boolean {
  return node.type === "ArrowFunctionExpression" || ((node.type === "FunctionExpression" || node.type === "ClassExpression") && !node.id);
}

/** `.name` / `[key]` when the key cannot be one of Object.prototype's names, else the key text to define. */
function keyAccess(ctx: RuleContext, p: ObjectProperty, options: KeyOptions): { access: string } | { define: string } {
  const k = p.key;
  if (!p.computed) {
    if (k.type === "Identifier") return PROTO_NAMES.has(k.name) ? { define: quoted(ctx, k.name) } : { access: `.${k.name}` };
    if (k.type === "StringLiteral") return PROTO_NAMES.has(k.value) ? { define: exprText(ctx, k) } : { access: `[${exprText(ctx, k)}]` };
    return { access: `[${exprText(ctx, k)}]` };
  }
  const text = exprText(ctx, k);
  return safeKey(ctx, k, options, 0) ? { access: `[${text}]` } : { define: text };
}

/**
 * Whether a computed key's value provably is none of Object.prototype's names: a string other than
 * those, a number, a numeric expression, a template with a fixed part none of them contains, or a
 * never-reassigned `const` initialized with such a key.
 */
function safeKey(ctx: RuleContext, key: Node, options: KeyOptions, depth: number): boolean {
  const k = unwrapTs(key);
  const fixed = k.type === "StringLiteral" ? k.value : k.type === "TemplateLiteral" && k.expressions.length === 0 ? (k.quasis[0]?.value.cooked ?? null) : null;
  if (fixed !== null) return !PROTO_NAMES.has(fixed);
  if (isNumeric(k) || options.numeric?.(k)) return true;
  if (k.type === "TemplateLiteral") return k.quasis.some((q) => q.value.cooked && !OBJECT_PROTOTYPE_NAMES.some((name) => name.includes(q.value.cooked as string)));
  if (k.type !== "Identifier" || depth > 3) return false;
  const binding = ctx.scopes.bindingOf.get(k);
  const decl = binding?.declaration;
  if (!binding || binding.kind !== "const" || decl?.type !== "VariableDeclarator" || decl.id !== binding.id || !decl.init) return false;
  return safeKey(ctx, decl.init, options, depth + 1);
}

/** An expression whose value is a number or a BigInt (its property key is a numeric string). */
function isNumeric(node: Node): boolean {
  const n = unwrapTs(node);
  if (n.type === "NumericLiteral" || n.type === "BigIntLiteral" || n.type === "UpdateExpression") return true;
  if (n.type === "UnaryExpression") return n.operator === "-" || n.operator === "+" || n.operator === "~";
  return n.type === "BinaryExpression" && NUMERIC_OPERATORS.has(n.operator);
}

/** A string in the file's usual quotes. */
function quoted(ctx: RuleContext, value: string): string {
  let single = 0;
  let double = 0;
  walk(ctx.ast.program, (node) => {
    if (node.type !== "StringLiteral") return;
    const raw = ctx.text[node.start ?? 0];
    if (raw === "'") single++;
    else if (raw === '"') double++;
  });
  return single > double ? `'${value.replace(/'/g, "\\'")}'` : JSON.stringify(value);
}

/**
 * The statements joined for a place where several statements may stand: on one line (`a; b;`) or,
 * when `indent` is given, one per line.
 */
export function joinStatements(statements: readonly string[], semicolons: boolean, nl: string, indent: string | null): string {
  if (indent === null) return `${statements.join("; ")}${semicolons ? ";" : ""}`;
  const end = semicolons ? ";" : "";
  return statements.map((s, i) => `${i === 0 ? "" : `${nl}${indent}`}${s}${end}`).join("");
}
