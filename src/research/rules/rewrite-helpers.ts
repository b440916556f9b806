/**
 * Small pieces the rules sort-min-max, index-map, filter-first and await-all share when they write
 * a rewrite: the text of a node, the file's style (indentation unit, semicolons, quotes) so that
 * added code looks like the code around it, a helper function appended once at the end of the file
 * (a top-level function declaration is hoisted: it can be called from anywhere in the file), and
 * the questions "is this name the global?" and "is this binding written inside that node?".
 */
import type { Node } from "@babel/types";
import { isFunction, walk } from "../../source/ast.ts";
import type { Binding } from "../../source/scope.ts";
import type { Edit, RuleContext } from "./types.ts";

export function textOf(ctx: RuleContext, node: Node): string {
  return ctx.text.slice(node.start ?? 0, node.end ?? 0);
}

interface FileStyle {
  /** One level of indentation: a tab or some spaces. */
  indent: string;
  /** Whether statements end with `;`. */
  semicolons: boolean;
  /** The quote string literals use most. */
  quote: '"' | "'";
  newline: string;
}

const STYLE_CACHE = new WeakMap<Node, FileStyle>();

/** The file's style, from its lines (indentation) and its statements and strings (majority vote). */
export function styleOf(ctx: RuleContext): FileStyle {
  const cached = STYLE_CACHE.get(ctx.ast);
  if (cached) return cached;
  const newline = ctx.text.includes("\r\n") ? "\r\n" : "\n";
  let indent = "";
  for (const line of ctx.text.split(/\r?\n/)) {
    const lead = /^[ \t]+(?=\S)/.exec(line)?.[0];
    if (!lead || line.trimStart().startsWith("*")) continue;
    if (lead.startsWith("\t")) {
      indent = "\t";
      break;
    }
    if (indent === "" || lead.length < indent.length) indent = lead;
  }
  let withSemi = 0;
  let withoutSemi = 0;
  let double = 0;
  let single = 0;
  walk(ctx.ast.program, (node, ancestors) => {
    if (node.type === "ExpressionStatement" || node.type === "VariableDeclaration" || node.type === "ReturnStatement" || node.type === "ThrowStatement") {
      const parent = ancestors[ancestors.length - 1];
      // A `for (let i = 0; …)` / `for (const x of …)` head holds a declaration without its own `;`.
      if (node.type === "VariableDeclaration" && parent && parent.type !== "Program" && parent.type !== "BlockStatement" && parent.type !== "SwitchCase") return;
      if (ctx.text.slice(node.start ?? 0, node.end ?? 0).endsWith(";")) withSemi++;
      else withoutSemi++;
    }
    if (node.type === "StringLiteral") {
      const raw = ctx.text[node.start ?? 0];
      if (raw === '"') double++;
      else if (raw === "'") single++;
    }
  });
  const style: FileStyle = { indent: indent || "  ", semicolons: withSemi >= withoutSemi, quote: single > double ? "'" : '"', newline };
  STYLE_CACHE.set(ctx.ast, style);
  return style;
}

/** A JS string literal of `value` in the file's quote style. */
export function quoted(style: FileStyle, value: string): string {
  const q = style.quote;
  return `${q}${value.replace(/\\/g, "\\\\").replace(new RegExp(q, "g"), `\\${q}`)}${q}`;
}

/**
 * An edit appending function declarations at the end of the file, after a blank line, each written
 * as lines (the first unindented, `\t` in them replaced by the file's indentation unit).
 */
export function appendFunctions(ctx: RuleContext, functions: readonly string[][]): Edit {
  const style = styleOf(ctx);
  const nl = style.newline;
  const blocks = functions.map((lines) => lines.map((line) => line.replace(/^\t+/, (tabs) => style.indent.repeat(tabs.length))).map((line) => (style.semicolons ? line : line.replace(/;$/, ""))).join(nl));
  const lead = ctx.text.length === 0 || ctx.text.endsWith("\n") ? "" : nl;
  return { start: ctx.text.length, end: ctx.text.length, text: `${lead}${nl}${blocks.join(`${nl}${nl}`)}${nl}` };
}

/** Whether `name` means the global everywhere in the file: no declaration of it in any scope. */
export function isGlobalName(ctx: RuleContext, name: string): boolean {
  for (const scope of ctx.scopes.scopeOf.values()) if (scope.bindings.has(name)) return false;
  return true;
}

/** Whether some reference to the binding inside `node` writes it (`x = …`, `x++`, a destructuring target). */
export function writtenIn(binding: Binding, node: Node): boolean {
  return binding.references.some((r) => r.write && inside(node, r.id));
}

export function inside(outer: Node, inner: Node): boolean {
  return (outer.start ?? 0) <= (inner.start ?? 0) && (inner.end ?? 0) <= (outer.end ?? 0);
}

/** The bindings and globals the identifiers inside `node` refer to (nested functions included). */
export function referencedBindings(ctx: RuleContext, node: Node): { bindings: Binding[]; globals: string[] } {
  const bindings: Binding[] = [];
  const globals: string[] = [];
  walk(node, (n) => {
    if (n.type !== "Identifier") return;
    const binding = ctx.scopes.bindingOf.get(n);
    if (binding) {
      if (binding.id !== n) bindings.push(binding);
      return;
    }
    const refs = ctx.scopes.globals.get(n.name);
    if (refs?.some((r) => r.id === n)) globals.push(n.name);
  });
  return { bindings, globals };
}

/** An inline callback `(a, b) => expr`, `(a) => { return expr; }` or `function (a) { return expr; }`: its returned expression, else null. */
export function returnedExpression(fn: Node): Node | null {
  if (!isFunction(fn) || fn.type === "ObjectMethod" || fn.type === "ClassMethod" || fn.type === "ClassPrivateMethod") return null;
  if (fn.async || fn.generator) return null;
  if (fn.body.type !== "BlockStatement") return fn.body;
  const only = fn.body.body.length === 1 ? fn.body.body[0] : undefined;
  if (fn.body.directives.length > 0 || !only || only.type !== "ReturnStatement" || !only.argument) return null;
  return only.argument;
}

/** Whether the statement list holding `statement` is one a declaration can be added to. */
export function inStatementList(parent: Node | undefined): boolean {
  return parent !== undefined && (parent.type === "BlockStatement" || parent.type === "Program" || parent.type === "SwitchCase" || parent.type === "StaticBlock");
}
