/**
 * intl-hoist: `new Intl.NumberFormat(<literal args>)` (or Collator, DateTimeFormat, PluralRules,
 * RelativeTimeFormat, ListFormat, Segmenter) built on every call of a hot function, or on every
 * iteration of a loop in it -> built once, kept in a module cache, reused. Building an Intl object
 * resolves the locale and sets up ICU data: far more work than formatting one value.
 *
 * Preconditions:
 *  - `Intl` is the global (no declaration in the file binds it);
 *  - every argument is a literal value (strings, numbers, booleans, null, arrays and objects of
 *    them: ast.ts isLiteralValue), the global `undefined`, or a module-level `const` bound to a
 *    string or number literal: the options are the same at every construction;
 *  - the object is only the receiver of its own methods (`format`, `formatToParts`, `formatRange`,
 *    `compare`, `select`, `segment`, `resolvedOptions`, …) — directly, or through a `const` (or a
 *    never-assigned `let`) every reference of which is such a use — or hands its bound `compare` to
 *    `sort()`/`toSorted()`, its bound `format` to `map()`. Stored, passed, returned or compared, one
 *    shared object could be told from fresh ones: silent. These objects have no state a method
 *    changes (a Segmenter's segment() returns a new Segments object each time).
 * Rewrite: `var <name>;` on a line before the top-level statement holding the function; the
 * construction in place becomes `(<name> || (<name> = new Intl.X(…)))`. Equal constructions in
 * the function share one cache.
 * Why it is the same program: the object is built where and when it first was (never, if that
 * place is never reached); an invalid locale or option throws there as before and leaves the cache
 * empty. Its methods give the same results for the same arguments, whichever equal object runs
 * them. Assumes `Intl` is the built-in and the default locale does not change while the program
 * runs (risk low). A DateTimeFormat without a `timeZone` option fixes the default time zone when
 * it is built: a change of it afterwards (`process.env.TZ = …` in Node) would no longer be seen
 * (risk medium, said in the caveat).
 *
 * Also `a.localeCompare(b)` (with or without locales and options) as the whole of a sort
 * comparator `(a, b) => a.localeCompare(b)`: a cached `Intl.Collator`'s compare() gives the same
 * order for strings (ECMA-402 defines localeCompare by a Collator with the same arguments), but it
 * converts other values to strings where localeCompare throws a TypeError (undefined, null: no
 * receiver; numbers: no such method). So it is rewritten to
 * `(<name> || (<name> = new Intl.Collator(…))).compare(a, b)` only when both operands are surely
 * strings — the comparator's own parameters, never assigned, sorting `Object.keys(…)` or
 * `Object.getOwnPropertyNames(…)` — and `Intl` is declared nowhere in the file; otherwise silent.
 */
import type { Node } from "@babel/types";
import { enclosingLoop, isFunction, lineOf } from "../../source/ast.ts";
import { hotBaseName, moduleCacheDeclaration, moduleCacheRead, type CacheDeclaration } from "./cache-placement.ts";
import { bindingOf, declaresName, isConstantArgument, isGlobal } from "./known-values.ts";
import { freshName } from "../../source/scope.ts";
import type { Edit, Finding, Rule, RuleContext } from "./types.ts";
import { walkOwn } from "../../source/walk-own.ts";

const RULE_ID = "intl-hoist";

const COMMON = ["resolvedOptions"];
const METHODS: Record<string, ReadonlySet<string>> = {
  Collator: new Set([...COMMON, "compare"]),
  NumberFormat: new Set([...COMMON, "format", "formatToParts", "formatRange", "formatRangeToParts"]),
  DateTimeFormat: new Set([...COMMON, "format", "formatToParts", "formatRange", "formatRangeToParts"]),
  PluralRules: new Set([...COMMON, "select", "selectRange"]),
  RelativeTimeFormat: new Set([...COMMON, "format", "formatToParts"]),
  ListFormat: new Set([...COMMON, "format", "formatToParts"]),
  Segmenter: new Set([...COMMON, "segment"]),
};
/** Bound getters (a function tied to its object) and the array methods they may be handed to. */
const BOUND: Record<string, { getter: string; takers: ReadonlySet<string> }> = {
  Collator: { getter: "compare", takers: new Set(["sort", "toSorted"]) },
  NumberFormat: { getter: "format", takers: new Set(["map"]) },
  DateTimeFormat: { getter: "format", takers: new Set(["map"]) },
};

type Call = Extract<Node, { type: "CallExpression" }>;

interface Site {
  /** The text to replace, and by what construction (the cached expression). */
  node: Node;
  ctor: string;
  construction: string;
  /** The replacement, given the read of the cache. */
  replace: (read: string) => string;
  inLoop: boolean;
  caveat?: string;
}

function snippet(ctx: RuleContext, node: Node): string {
  return ctx.text.slice(node.start ?? 0, node.end ?? 0).split("\n")[0]!.slice(0, 60);
}

/** Whether the object at `node` is used only as the receiver of its methods (or hands a bound getter to an array method); else the offending node. */
function badUse(ctor: string, node: Node, ancestors: readonly Node[]): Node | null {
  const parent = ancestors[ancestors.length - 1];
  const grand = ancestors[ancestors.length - 2];
  if (parent?.type !== "MemberExpression" || parent.object !== node || parent.computed || parent.property.type !== "Identifier") return parent ?? node;
  const name = parent.property.name;
  if (grand?.type === "CallExpression" && grand.callee === parent) return METHODS[ctor]!.has(name) ? null : grand;
  const bound = BOUND[ctor];
  if (bound && name === bound.getter && grand?.type === "CallExpression" && grand.arguments.length === 1 && grand.arguments[0] === parent) {
    const callee = grand.callee;
    if (callee.type === "MemberExpression" && !callee.computed && callee.property.type === "Identifier" && bound.takers.has(callee.property.name)) return null;
  }
  return parent;
}

function hasKey(node: Node | undefined, key: string): boolean {
  return !!node && node.type === "ObjectExpression" && node.properties.some((p) => p.type === "ObjectProperty" && !p.computed && ((p.key.type === "Identifier" && p.key.name === key) || (p.key.type === "StringLiteral" && p.key.value === key)));
}

function constructionSite(ctx: RuleContext, node: Extract<Node, { type: "NewExpression" }>, ancestors: readonly Node[], ctor: string): Site | string {
  if (!isGlobal(ctx, (node.callee as Extract<Node, { type: "MemberExpression" }>).object, "Intl")) return "`Intl` is declared in this file: not the built-in";
  const arg = node.arguments.find((a) => a.type === "SpreadElement" || !isConstantArgument(ctx, a));
  if (arg) return `an argument is not a literal value (\`${snippet(ctx, arg)}\`): the options may differ from one construction to the next`;
  const parent = ancestors[ancestors.length - 1];
  let bare = false;
  if (parent?.type === "VariableDeclarator" && parent.init === node && parent.id.type === "Identifier") {
    const binding = bindingOf(ctx, parent.id);
    if (!binding || (binding.kind !== "const" && binding.kind !== "let")) return `it is stored in \`${parent.id.name}\`, a ${binding?.kind ?? "unknown"} binding whose uses cannot all be followed`;
    const written = binding.references.find((r) => r.write);
    if (written) return `\`${binding.name}\` is assigned (line ${lineOf(written.id)})`;
    for (const ref of binding.references) {
      const bad = badUse(ctor, ref.id, ref.ancestors);
      if (bad) return `the ${ctor} is used otherwise than as the receiver of its methods (line ${lineOf(bad)}: \`${snippet(ctx, bad)}\`): sharing one object would be observable`;
    }
    bare = true;
  } else {
    const bad = badUse(ctor, node, ancestors);
    if (bad) return `the ${ctor} is used otherwise than as the receiver of its methods (line ${lineOf(bad)}: \`${snippet(ctx, bad)}\`): sharing one object would be observable`;
  }
  const construction = ctx.text.slice(node.start ?? 0, node.end ?? 0);
  const caveat = ctor === "DateTimeFormat" && !hasKey(node.arguments[1] as Node | undefined, "timeZone") ? "without a timeZone option, the DateTimeFormat keeps the default time zone of its first construction: a later change of it (process.env.TZ) would no longer be seen" : undefined;
  return { node, ctor, construction, replace: (read: string) => (bare ? read.slice(1, -1) : read), inLoop: enclosingLoop(ancestors, node) !== null, caveat };
}

/** `xs.sort((a, b) => a.localeCompare(b, …))`: the comparator, its sort call, and the operands; or null when the call is not such a comparator. */
function comparatorOf(call: Call, ancestors: readonly Node[]): { fn: Node; sort: Call; params: [string, string] } | null {
  let i = ancestors.length - 1;
  let fn = ancestors[i];
  if (fn?.type === "ReturnStatement" && fn.argument === call) {
    const block = ancestors[i - 1];
    if (block?.type !== "BlockStatement" || block.body.length !== 1) return null;
    i -= 2;
    fn = ancestors[i];
    if (!fn || !isFunction(fn) || fn.body !== block) return null;
  } else if (!fn || fn.type !== "ArrowFunctionExpression" || fn.body !== call) return null;
  if (!isFunction(fn) || fn.params.length !== 2 || fn.params.some((p) => p.type !== "Identifier")) return null;
  const sort = ancestors[i - 1];
  if (sort?.type !== "CallExpression" || sort.arguments[0] !== fn || sort.callee.type !== "MemberExpression" || sort.callee.computed) return null;
  const method = sort.callee.property.type === "Identifier" ? sort.callee.property.name : "";
  if (method !== "sort" && method !== "toSorted") return null;
  const names = fn.params.map((p) => (p as Extract<Node, { type: "Identifier" }>).name) as [string, string];
  return { fn, sort, params: names };
}

function localeCompareSite(ctx: RuleContext, call: Call, ancestors: readonly Node[]): Site | string | null {
  const comparator = comparatorOf(call, ancestors);
  if (!comparator) return null;
  const callee = call.callee as Extract<Node, { type: "MemberExpression" }>;
  const [a, b] = [callee.object, call.arguments[0]];
  const operands = [a, b].map((n) => (n && n.type === "Identifier" ? n.name : null));
  const strings = `\`${snippet(ctx, call)}\` as a sort comparator: not rewritten, a Collator's compare() converts values that are not strings to strings where localeCompare throws a TypeError (undefined, null, numbers)`;
  if (!comparator.params.every((p) => operands.includes(p)) || operands[0] === operands[1]) return `${strings}, and its operands are not the sorted values themselves`;
  const receiver = (comparator.sort.callee as Extract<Node, { type: "MemberExpression" }>).object;
  const keys = receiver.type === "CallExpression" && receiver.callee.type === "MemberExpression" && !receiver.callee.computed && isGlobal(ctx, receiver.callee.object, "Object") && receiver.callee.property.type === "Identifier" && (receiver.callee.property.name === "keys" || receiver.callee.property.name === "getOwnPropertyNames");
  if (!keys) return `${strings}, and the sorted values are not provably strings`;
  const params = (comparator.fn as Extract<Node, { type: "ArrowFunctionExpression" }>).params;
  if (params.some((p) => bindingOf(ctx, p)?.references.some((r) => r.write))) return `${strings}, and a comparator parameter is assigned`;
  const rest = call.arguments.slice(1);
  const bad = rest.find((x) => x.type === "SpreadElement" || !isConstantArgument(ctx, x));
  if (bad) return `the locales or options of \`${snippet(ctx, call)}\` are not literal values`;
  if (declaresName(ctx, "Intl")) return "`Intl` is declared in this file: the rewrite could not name the built-in";
  const args = rest.map((x) => ctx.text.slice(x.start ?? 0, x.end ?? 0)).join(", ");
  const left = ctx.text.slice(a.start ?? 0, a.end ?? 0);
  const right = ctx.text.slice(b!.start ?? 0, b!.end ?? 0);
  return { node: call, ctor: "Collator", construction: `new Intl.Collator(${args})`, replace: (read: string) => `${read}.compare(${left}, ${right})`, inLoop: true };
}

function check(ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  const sites: Site[] = [];
  const perCall = ctx.fn.type !== "Program";
  walkOwn(ctx, (node, ancestors) => {
    if (!perCall && !enclosingLoop(ancestors, node)) return;
    let site: Site | string | null = null;
    if (node.type === "NewExpression" && node.callee.type === "MemberExpression" && !node.callee.computed && node.callee.object.type === "Identifier" && node.callee.object.name === "Intl" && node.callee.property.type === "Identifier" && METHODS[node.callee.property.name]) {
      site = constructionSite(ctx, node, ancestors, node.callee.property.name);
    } else if (node.type === "CallExpression" && node.callee.type === "MemberExpression" && !node.callee.computed && node.callee.property.type === "Identifier" && node.callee.property.name === "localeCompare" && node.arguments.length >= 1) {
      site = localeCompareSite(ctx, node, ancestors);
    }
    if (typeof site === "string") findings.push({ kind: "silence", rule: RULE_ID, node, reason: site });
    else if (site) sites.push(site);
  });
  if (sites.length === 0) return findings;
  const names = new Map<string, string>();
  const decls: CacheDeclaration[] = [];
  const edits: Edit[] = [];
  for (const site of sites) {
    const key = site.construction.replace(/\s+/g, "");
    let name = names.get(key);
    if (!name) {
      name = freshName(ctx.scopes, `${hotBaseName(ctx)}${site.ctor}`);
      names.set(key, name);
      decls.push({ name, type: `Intl.${site.ctor}` });
    }
    edits.push({ start: site.node.start ?? 0, end: site.node.end ?? 0, text: site.replace(moduleCacheRead(name, site.construction)) });
  }
  edits.push(moduleCacheDeclaration(ctx, ctx.fn.type === "Program" ? sites[0]!.node : ctx.fn, decls));
  const first = sites[0]!;
  const caveats = [...new Set(sites.map((s) => s.caveat).filter((c): c is string => !!c))];
  const collatorForCompare = sites.some((s) => s.node.type === "CallExpression");
  findings.push({
    kind: "proposal",
    rule: RULE_ID,
    node: first.node,
    title: sites.length === 1 ? `Build the Intl.${first.ctor} once and reuse it` : `Build the ${sites.length} Intl objects once and reuse them`,
    edits,
    saves: sites.some((s) => s.inLoop) ? 0.7 : 0.5,
    complexity: "low",
    risk: caveats.length > 0 ? "medium" : "low",
    why: `\`Intl\` is the global and the arguments are literal values, so every construction gives an equal object; it is only the receiver of its methods, which keep no state, so a shared one behaves as a fresh one; it is still built where and when it first was (an invalid option still throws there)${collatorForCompare ? "; localeCompare() is defined by a Collator with the same arguments, and the sorted values are object keys (strings)" : ""}; the default locale is assumed not to change while the program runs`,
    ...(caveats.length > 0 ? { caveat: caveats.join("; ") } : {}),
  });
  return findings;
}

export const intlHoist: Rule = {
  id: RULE_ID,
  pattern: "new Intl.*(literal options) built on every call or iteration; localeCompare sort comparators",
  check,
};
