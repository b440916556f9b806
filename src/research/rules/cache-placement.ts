/**
 * Where the caching rules (regexp-hoist, intl-hoist, json-parse-once, read-once) declare their
 * caches, and the lazy reads that fill them. Both kinds of cache are filled at the place the value
 * was made, the first time that place is reached: a value never made before is still never made, an
 * error is still thrown where it was (the cache stays empty, so the next attempt throws again).
 *
 *  - A module cache (`var fooRe;` on its own line before the top-level statement holding the hot
 *    function) lives as long as the module, for values that are the same in every call. It is a
 *    `var`: declared at the module's instantiation, so it can be read before its line runs (a
 *    function declaration called earlier in the file, an import cycle) where a `let` would throw.
 *    Read as `(fooRe || (fooRe = new RegExp(…)))`: the cached objects are always truthy.
 *  - A loop cache (`let cfg;` just before the outermost loop it may leave, in the same block) is
 *    new each time that statement runs, for values fixed while the loop runs. Read as
 *    `(cfg === undefined ? (cfg = JSON.parse(text)) : cfg)`: for values that are never undefined.
 */
import type { Node } from "@babel/types";
import { contains, enclosingLoop, indentAt, isFunction, isLoopStatement, newlineOf, walk } from "../../source/ast.ts";
import type { Binding } from "../../source/scope.ts";
import type { Edit, RuleContext } from "./types.ts";
import { ancestorsOf } from "../../source/walk-own.ts";

export interface CacheDeclaration {
  name: string;
  /** The TypeScript type of the cached value (used in .ts files only; `| undefined` is added unless it is `any`). */
  type: string;
}

/** Whether the file ends its statements with semicolons (most of them do), to write ours the same way. */
export function usesSemicolons(ctx: RuleContext): boolean {
  let withSemi = 0;
  let without = 0;
  walk(ctx.ast.program, (node, ancestors) => {
    const parent = ancestors[ancestors.length - 1];
    const kinds = node.type === "ExpressionStatement" || node.type === "ReturnStatement" || node.type === "ThrowStatement" || node.type === "ImportDeclaration";
    const declaration = node.type === "VariableDeclaration" && !(parent && /^For/.test(parent.type));
    if (!kinds && !declaration) return;
    if (ctx.text.slice(node.start ?? 0, node.end ?? 0).trimEnd().endsWith(";")) withSemi++;
    else without++;
  });
  return withSemi >= without;
}

function declarationText(ctx: RuleContext, keyword: "var" | "let", decls: readonly CacheDeclaration[]): string {
  const names = decls.map((d) => (ctx.typescript ? `${d.name}: ${d.type === "any" ? "any" : `${d.type} | undefined`}` : d.name));
  return `${keyword} ${names.join(", ")}${usesSemicolons(ctx) ? ";" : ""}`;
}

/** The statement of the program's body that holds `node` (or `node` itself). */
export function topLevelStatementOf(ctx: RuleContext, node: Node): Node {
  const ancestors = ancestorsOf(ctx.ast.program, node);
  return ancestors[1] ?? node;
}

/**
 * The edit declaring module caches on a line of their own before the top-level statement holding
 * `at`, and before the comment lines directly above it (a doc comment stays with its function).
 */
export function moduleCacheDeclaration(ctx: RuleContext, at: Node, decls: readonly CacheDeclaration[]): Edit {
  const statement = topLevelStatementOf(ctx, at);
  const text = ctx.text;
  let pos = statement.start ?? 0;
  const comments = statement.leadingComments ?? [];
  for (let k = comments.length - 1; k >= 0; k--) {
    const comment = comments[k]!;
    const start = comment.start ?? pos;
    if (!/^[ \t]*(?:\r?\n)?[ \t]*$/.test(text.slice(comment.end ?? pos, pos))) break;
    const lineStart = text.lastIndexOf("\n", start - 1) + 1;
    if (!/^[ \t]*$/.test(text.slice(lineStart, start))) break;
    pos = start;
  }
  return insertBefore(ctx, pos, declarationText(ctx, "var", decls));
}

function insertBefore(ctx: RuleContext, pos: number, line: string): Edit {
  const lineStart = ctx.text.lastIndexOf("\n", pos - 1) + 1;
  const ownLine = /^[ \t]*$/.test(ctx.text.slice(lineStart, pos));
  return { start: pos, end: pos, text: ownLine ? `${line}${newlineOf(ctx.text)}${indentAt(ctx.text, pos)}` : `${line} ` };
}

/** The lazy read of a module cache: fills it with `expression` the first time. */
export function moduleCacheRead(name: string, expression: string): string {
  return `(${name} || (${name} = ${expression}))`;
}

/** The lazy read of a loop cache: fills it with `expression` (never undefined) the first time. */
export function loopCacheRead(name: string, expression: string): string {
  return `(${name} === undefined ? (${name} = ${expression}) : ${name})`;
}

export interface LoopSite {
  /** The outermost loop the value may leave (a loop statement or an iteration callback). */
  loop: Node;
  /** The statement the cache is declared before. */
  statement: Node;
  /** The statement is not in a block (`if (x) for …`): braces must hold the declaration and it. */
  wrap: boolean;
}

const BLOCKS = new Set(["BlockStatement", "Program", "StaticBlock", "SwitchCase", "TSModuleBlock"]);
const SINGLE_STATEMENT_HOLDERS = new Set(["IfStatement", "ForStatement", "ForInStatement", "ForOfStatement", "WhileStatement", "DoWhileStatement", "WithStatement"]);
const DECLARATION_STATEMENTS = new Set(["VariableDeclaration", "FunctionDeclaration", "ClassDeclaration", "ExportNamedDeclaration", "ExportDefaultDeclaration"]);

function isStatement(node: Node): boolean {
  return node.type.endsWith("Statement") || DECLARATION_STATEMENTS.has(node.type);
}

/** The statement holding `loop` (the loop itself, or the statement an iteration callback is in), with whether it needs braces. */
function statementFor(ctx: RuleContext, loop: Node, ancestors: readonly Node[]): LoopSite | null {
  let statement: Node = loop;
  let parentIndex = ancestors.length - 1;
  if (!isLoopStatement(loop)) {
    let child: Node = loop;
    let found = false;
    for (let i = ancestors.length - 1; i >= 0 && !found; i--) {
      const n = ancestors[i]!;
      if (isFunction(n)) return null;
      if (isLoopStatement(n)) {
        // Only the parts of a loop that run once may hold the callback: a for's init, a for…of's iterable.
        const once = (n.type === "ForStatement" && child === n.init) || ((n.type === "ForOfStatement" || n.type === "ForInStatement") && child === n.right);
        if (!once) return null;
      }
      const parent = ancestors[i - 1];
      const head = n.type === "VariableDeclaration" && parent && /^For/.test(parent.type);
      if (isStatement(n) && !head) {
        statement = n;
        parentIndex = i - 1;
        found = true;
      }
      child = n;
    }
    if (!found) return null;
  }
  let parent = ancestors[parentIndex];
  while (parent && (parent.type === "LabeledStatement" || parent.type === "ExportNamedDeclaration" || parent.type === "ExportDefaultDeclaration")) {
    statement = parent;
    parent = ancestors[--parentIndex];
  }
  if (!parent || statement === ctx.fn || !contains(ctx.fn, statement)) return null;
  if (BLOCKS.has(parent.type)) return { loop, statement, wrap: false };
  if (SINGLE_STATEMENT_HOLDERS.has(parent.type) && !DECLARATION_STATEMENTS.has(statement.type)) return { loop, statement, wrap: true };
  return null;
}

/**
 * Where to keep a loop cache for the value made at `node` (whose ancestors are given): the
 * outermost loop around it, within the hot function, that `mayLeave` accepts (the value does not
 * change while that loop runs), whose statement `statementOk` accepts (it lies where the value's
 * inputs are fixed). Null when there is no such loop, or no statement to declare the cache before.
 */
export function loopCacheSite(ctx: RuleContext, node: Node, ancestors: readonly Node[], mayLeave: (loop: Node) => boolean, statementOk: (statement: Node) => boolean = () => true): LoopSite | null {
  const chain: { loop: Node; ancestors: Node[] }[] = [];
  let around = [...ancestors];
  let child: Node = node;
  for (;;) {
    const found = enclosingLoop(around, child);
    if (!found) break;
    const loop = found.loop;
    if (loop === ctx.fn || !contains(ctx.fn, loop) || !mayLeave(loop)) break;
    around = around.slice(0, found.index);
    chain.push({ loop, ancestors: around });
    child = loop;
  }
  for (let k = chain.length - 1; k >= 0; k--) {
    const site = statementFor(ctx, chain[k]!.loop, chain[k]!.ancestors);
    if (site && statementOk(site.statement)) return site;
  }
  return null;
}

/** The edits declaring loop caches before the site's statement (with braces around both when needed). */
export function loopCacheDeclaration(ctx: RuleContext, site: LoopSite, decls: readonly CacheDeclaration[]): Edit[] {
  const line = declarationText(ctx, "let", decls);
  const start = site.statement.start ?? 0;
  if (!site.wrap) return [insertBefore(ctx, start, line)];
  const semi = line.endsWith(";") ? "" : ";";
  return [
    { start, end: start, text: `{ ${line}${semi} ` },
    { start: site.statement.end ?? 0, end: site.statement.end ?? 0, text: " }" },
  ];
}

/** A name to derive cache names from: the hot function's own name (`formatRow`), else `hot`. */
export function hotBaseName(ctx: RuleContext): string {
  const match = /[A-Za-z_$][\w$]*$/.exec(ctx.hot.function.replace(/^(?:get|set) /, ""));
  const name = match && match[0] !== "anonymous" ? match[0] : "hot";
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/**
 * loopCacheSite for a value read from `binding` (null: a literal): the cache may leave every loop
 * that does not declare the binding, and go in any statement of the binding's own scope (after
 * its declaration), where the binding is the same one.
 */
export function loopCacheSiteFor(ctx: RuleContext, node: Node, ancestors: readonly Node[], binding: Binding | null): LoopSite | null {
  return loopCacheSite(
    ctx,
    node,
    ancestors,
    (loop) => !binding || !contains(loop, binding.id),
    (statement) => !binding || (statement !== binding.scope.node && contains(binding.scope.node, statement)),
  );
}
