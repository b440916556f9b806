/**
 * regexp-hoist: `new RegExp(<constant pattern>, <constant flags>)` run on every call of a hot
 * function (or on every iteration of a loop in it) -> built once, kept in a module cache, reused.
 *
 * Pattern: a `new RegExp(p)` / `new RegExp(p, f)` in the hot function's own code (per call), or in
 * a loop of the module's top-level code; `p` and `f` are string literals, templates without
 * substitutions, or module-level `const`s bound to one of those (the same value every time).
 * Regex literals (`/a/`) are left alone: engines compile them once already.
 *
 * Preconditions:
 *  - `RegExp` is the global (no declaration in the file binds it);
 *  - the object is used only as the receiver of `.test(…)`/`.exec(…)`, or as the first argument of a
 *    string's `replace`, `replaceAll`, `match`, `matchAll`, `search` or `split` — directly, or
 *    through a `const` (or a never-assigned `let`) every reference of which is such a use. Any
 *    other reference (stored, returned, passed, compared, `.lastIndex`, `.source`) could tell one
 *    shared object from fresh ones: silent;
 *  - lastIndex, the one state a RegExp carries from use to use, stays as a fresh object would have
 *    it: without `g` and `y`, exec (hence test, replace, match) neither uses nor sets it. With `g`,
 *    replace/replaceAll/match reset it to 0 first and leave it at 0, search restores it, split and
 *    matchAll work on a copy: those uses are allowed, test/exec (which advance it) are not. With
 *    `y` alone, only search/split/matchAll/replaceAll (the last two throw, as before) are allowed.
 * Rewrite: `var <name>;` on a line before the top-level statement holding the function, and the
 * construction in place becomes `(<name> || (<name> = new RegExp(p, f)))` (without the outer
 * parentheses in a declaration or as an argument: `s.split(<name> || (<name> = new RegExp(p)))`). Equal regexps (same pattern and flags) in
 * the function share one cache.
 * Why it is the same program: the RegExp is built at the same place, the first time that place is
 * reached (never, if it never is); a bad pattern throws a SyntaxError there as before, and leaves
 * the cache empty, so every later attempt throws too. Every use then sees an object with the same
 * pattern, flags and lastIndex a fresh one would have, and nothing can tell it is not fresh.
 * Assumes `RegExp`, its methods and the string methods are the built-in ones (no monkey-patching),
 * and that the receiver of replace/match/… is a string (or something whose method does not keep
 * the regexp), as plain data is. In a classic browser script (no import, export or require), the
 * cache is a global, like the script's own top-level declarations.
 */
import type { Node } from "@babel/types";
import { enclosingLoop, lineOf } from "../../source/ast.ts";
import { hotBaseName, moduleCacheDeclaration, moduleCacheRead, type CacheDeclaration } from "./cache-placement.ts";
import { bindingOf, constantString, isGlobal } from "./known-values.ts";
import { freshName } from "../../source/scope.ts";
import type { Edit, Finding, Rule, RuleContext } from "./types.ts";
import { walkOwn } from "../../source/walk-own.ts";

const RULE_ID = "regexp-hoist";

const STRING_METHODS = new Set(["replace", "replaceAll", "match", "matchAll", "search", "split"]);
/** With `g`: string methods that reset lastIndex first (or work on a copy) and leave it at 0. */
const GLOBAL_SAFE = STRING_METHODS;
/** With `y` and no `g`: methods that neither use nor leave lastIndex (matchAll/replaceAll throw without `g`). */
const STICKY_SAFE = new Set(["search", "split", "matchAll", "replaceAll"]);

type NewExpression = Extract<Node, { type: "NewExpression" }>;

interface Use {
  /** `test`, `exec`, or the string method it is passed to; null when it is none of those. */
  method: string | null;
  /** The expression whose value escapes (for the silence text). */
  node: Node;
}

/** How a value at `node` (ancestors given) is used: receiver of test/exec, or argument of a string method. */
function useOf(node: Node, ancestors: readonly Node[]): Use {
  const parent = ancestors[ancestors.length - 1];
  const grand = ancestors[ancestors.length - 2];
  if (parent?.type === "MemberExpression" && parent.object === node && !parent.computed && parent.property.type === "Identifier") {
    const name = parent.property.name;
    if ((name === "test" || name === "exec") && grand?.type === "CallExpression" && grand.callee === parent) return { method: name, node: grand };
    return { method: null, node: parent };
  }
  if (parent?.type === "CallExpression" && parent.arguments[0] === node && parent.callee.type === "MemberExpression" && !parent.callee.computed && parent.callee.property.type === "Identifier") {
    const name = parent.callee.property.name;
    if (STRING_METHODS.has(name)) return { method: name, node: parent };
  }
  return { method: null, node: parent ?? node };
}

interface Site {
  node: NewExpression;
  key: string;
  /** It initializes a declaration or is a call's argument: the lazy read needs no parentheses. */
  bare: boolean;
  inLoop: boolean;
  pattern: string;
  flags: string;
}

function snippet(ctx: RuleContext, node: Node): string {
  return ctx.text.slice(node.start ?? 0, node.end ?? 0).split("\n")[0]!.slice(0, 60);
}

/** Why the RegExp made at `node` may not be shared, or whether it initializes a declaration. */
function sharingProblem(ctx: RuleContext, node: NewExpression, ancestors: readonly Node[], flags: string): { reason: string } | { declarator: boolean } {
  const parent = ancestors[ancestors.length - 1];
  let uses: Use[];
  let declarator = false;
  if (parent?.type === "VariableDeclarator" && parent.init === node && parent.id.type === "Identifier") {
    const binding = bindingOf(ctx, parent.id);
    if (!binding || (binding.kind !== "const" && binding.kind !== "let")) return { reason: `it is stored in \`${parent.id.name}\`, a ${binding?.kind ?? "unknown"} binding whose uses cannot all be followed` };
    const written = binding.references.find((r) => r.write);
    if (written) return { reason: `\`${binding.name}\` is assigned (line ${lineOf(written.id)})` };
    uses = binding.references.map((r) => useOf(r.id, r.ancestors));
    declarator = true;
  } else {
    uses = [useOf(node, ancestors)];
  }
  const other = uses.find((u) => u.method === null);
  if (other) return { reason: `the RegExp object is used otherwise than as the receiver of test()/exec() or the argument of a string method (line ${lineOf(other.node)}: \`${snippet(ctx, other.node)}\`): sharing one object would be observable` };
  if (flags.includes("g")) {
    const stateful = uses.find((u) => !GLOBAL_SAFE.has(u.method!));
    if (stateful) return { reason: `the g flag makes it stateful: ${stateful.method}() (line ${lineOf(stateful.node)}) starts at and advances lastIndex, which a shared RegExp would carry from one use to the next` };
  } else if (flags.includes("y")) {
    const stateful = uses.find((u) => !STICKY_SAFE.has(u.method!));
    if (stateful) return { reason: `the y flag makes it stateful: ${stateful.method}() (line ${lineOf(stateful.node)}) starts at and sets lastIndex, which a shared RegExp would carry from one use to the next` };
  }
  return { declarator };
}

function check(ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  const sites: Site[] = [];
  const perCall = ctx.fn.type !== "Program";
  walkOwn(ctx, (node, ancestors) => {
    if (node.type !== "NewExpression" || node.callee.type !== "Identifier" || node.callee.name !== "RegExp") return;
    if (!perCall && !enclosingLoop(ancestors, node)) return;
    const silence = (reason: string) => findings.push({ kind: "silence", rule: RULE_ID, node, reason });
    if (!isGlobal(ctx, node.callee, "RegExp")) return silence("`RegExp` is declared in this file: not the built-in");
    const args = node.arguments;
    if (args.length === 0 || args.length > 2) return silence("not `new RegExp(pattern)` or `new RegExp(pattern, flags)`");
    const pattern = constantString(ctx, args[0]);
    if (pattern === null) return silence("the pattern is not a constant string (a literal, or a module-level const bound to one): it may differ from one construction to the next");
    const flags = args.length === 2 ? constantString(ctx, args[1]) : "";
    if (flags === null) return silence("the flags are not a constant string: they may differ from one construction to the next");
    const problem = sharingProblem(ctx, node, ancestors, flags);
    if ("reason" in problem) return silence(problem.reason);
    sites.push({ node, key: JSON.stringify([pattern, flags]), bare: problem.declarator || ancestors[ancestors.length - 1]?.type === "CallExpression", inLoop: enclosingLoop(ancestors, node) !== null, pattern, flags });
  });
  if (sites.length === 0) return findings;
  const names = new Map<string, string>();
  const decls: CacheDeclaration[] = [];
  const edits: Edit[] = [];
  for (const site of sites) {
    let name = names.get(site.key);
    if (!name) {
      name = freshName(ctx.scopes, `${hotBaseName(ctx)}Re`);
      names.set(site.key, name);
      decls.push({ name, type: "RegExp" });
    }
    const expression = ctx.text.slice(site.node.start ?? 0, site.node.end ?? 0);
    const read = moduleCacheRead(name, expression);
    edits.push({ start: site.node.start ?? 0, end: site.node.end ?? 0, text: site.bare ? read.slice(1, -1) : read });
  }
  edits.push(moduleCacheDeclaration(ctx, ctx.fn.type === "Program" ? sites[0]!.node : ctx.fn, decls));
  const first = sites[0]!;
  findings.push({
    kind: "proposal",
    rule: RULE_ID,
    node: first.node,
    title: sites.length === 1 ? `Build the RegExp ${JSON.stringify(first.pattern)} once and reuse it` : `Build the ${sites.length} constant RegExps once and reuse them`,
    edits,
    saves: sites.some((s) => s.inLoop) ? 0.4 : 0.3,
    complexity: "low",
    risk: "low",
    why: "the pattern and flags are constants and `RegExp` is the global; the object is only the receiver of test()/exec() or the argument of a string method, and its flags keep lastIndex out of play, so a shared RegExp behaves as a fresh one; it is still built where and when it first was (a bad pattern still throws there)",
  });
  return findings;
}

export const regexpHoist: Rule = {
  id: RULE_ID,
  pattern: "new RegExp(constant) built on every call or iteration",
  check,
};
