/**
 * index-map: a linear lookup by key inside a loop, `users.find((u) => u.id === key)` (or
 * `key === u.id`; `.some(…)` answers whether there is one, `.findIndex(…)` where it is) -> a Map
 * from key to the first element (or index), built on the first lookup of each run of the loop:
 *   let usersById;                                   (just before the loop)
 *   …((usersById ??= indexBy(users, "id") ?? false, usersById)
 *       ? (key === key ? usersById.get(key) : undefined)
 *       : users.find((u) => u.id === key))…
 * and a helper `indexBy` (`positionsBy` for findIndex) appended once at the end of the file. n
 * lookups in an array of m elements cost O(n + m) instead of O(n·m).
 *
 * Preconditions (docs/research.md):
 *  - `users` is a binding declared outside the loop and not assigned in it;
 *  - the callback is inline, one plain parameter, body exactly `param.<prop> === <expr>` (either
 *    side) where `<expr>` is a plain read (isPureRead) that does not mention the parameter; `<prop>`
 *    is not `length` nor an index (a push to a fresh array could change those);
 *  - nothing in the loop (its body, its test and update) can change `users` or its elements: no
 *    call other than such lookups, non-mutating methods of `users` with plain arguments or
 *    side-effect-free inline callbacks, `Math.*`, and methods of arrays, Sets and Maps made fresh in
 *    the function that never leave it (`out.push(…)`, `seen.add(…)`); no `new`, `await`, `yield`,
 *    `delete`, class, tagged template; no assignment to a computed member, to a member named
 *    `<prop>`, `length` or `__proto__`, or to a member of `users`; a `for…of` iterates a plain read
 *    or an array-making call (a generator could run code between iterations);
 *  - the loop statement (or the statement holding the iteration call) is in a block, where the
 *    `let` can go; `Map`, `Array` and `Object` are the globals; not `for await`.
 * Why it is the same program: `users` and its elements do not change between the first lookup and
 * the last one of the loop's run, so a Map built at the first lookup answers every later one. find
 * returns the first element whose `<prop>` is `=== key`: the index keeps the first element per key;
 * `===` differs from the Map's SameValueZero only for NaN (never `===`), hence the `key === key`
 * guard (a literal key needs none); the key, a plain read, is read at least once as before. The
 * original throws when it reaches a null/undefined element or a hole (find reads `u.id` of it), and
 * does not evaluate the key at all on an empty array: in those cases, and when `users` is not a
 * plain Array (a subclass could override find), the helper returns null, `false` is stored, and
 * the original lookup, kept verbatim, runs for the whole loop.
 * Risk: "low", assuming plain data: getters, setters, `valueOf`/`toString` conversions and the
 * iterators the loop uses do not run code that changes `users` or its elements.
 */
import type { Node } from "@babel/types";
import { enclosingLoop, identifierName, indentAt, isFunction, isLoopStatement, isPureRead, isSideEffectFree, unwrapTs, walk } from "../../source/ast.ts";
import { classifyUse } from "./array-uses.ts";
import { appendFunctions, inStatementList, inside, isGlobalName, quoted, returnedExpression, styleOf, textOf, writtenIn } from "./rewrite-helpers.ts";
import { freshName, type Binding } from "../../source/scope.ts";
import type { Edit, Finding, Rule, RuleContext } from "./types.ts";
import { walkOwn } from "../../source/walk-own.ts";

const RULE_ID = "index-map";
const METHODS = new Set(["find", "some", "findIndex"]);
/** Methods of `users` that neither change it nor call code other than their (checked) callbacks. */
const USERS_READS = new Set(["find", "findIndex", "findLast", "findLastIndex", "some", "every", "filter", "map", "includes", "indexOf", "lastIndexOf", "at", "slice", "join", "concat", "flat"]);
const FRESH_ARRAY_METHODS = new Set(["push", "unshift", "includes", "indexOf", "lastIndexOf", "join", "at", "slice"]);
const FRESH_COLLECTION_METHODS = new Set(["add", "has", "get", "set", "delete", "clear"]);
const ITERABLE_CALLS = new Set(["filter", "map", "slice", "concat", "flat", "flatMap", "toSorted", "toReversed", "entries", "keys", "values", "split"]);

type Call = Extract<Node, { type: "CallExpression" }>;

interface Lookup {
  call: Call;
  binding: Binding;
  method: "find" | "some" | "findIndex";
  prop: string;
  key: Node;
}

/** The lookup's shape, or why the call is not one. */
function lookupOf(ctx: RuleContext, call: Call): Lookup | string {
  const callee = call.callee as Extract<Node, { type: "MemberExpression" }>;
  const method = identifierName(callee.property) as Lookup["method"];
  const receiver = callee.object;
  const cb = call.arguments[0];
  if (call.arguments.length !== 1 || !cb || !isFunction(cb) || cb.params.length !== 1 || cb.params[0]?.type !== "Identifier") return `the ${method}() callback is not one inline function of one plain parameter`;
  const param = cb.params[0].name;
  const body = returnedExpression(cb);
  const shape = body ? unwrapTs(body) : null;
  if (!shape || shape.type !== "BinaryExpression" || shape.operator !== "===") return `the ${method}() callback is not \`(x) => x.<key> === <value>\``;
  const propOf = (side: Node): string | null => {
    const n = unwrapTs(side);
    if (n.type !== "MemberExpression" || identifierName(n.object) !== param) return null;
    if (!n.computed) return identifierName(n.property);
    return n.property.type === "StringLiteral" ? n.property.value : null;
  };
  const leftProp = propOf(shape.left);
  const prop = leftProp ?? propOf(shape.right);
  const key = leftProp !== null ? shape.right : shape.left;
  const mentionsParam = (n: Node) => {
    let found = false;
    walk(n, (x) => {
      if (x.type === "Identifier" && x.name === param) found = true;
      return !found;
    });
    return found;
  };
  // A `function` callback has its own `this` and `arguments`: the key, moved out of it, would read others.
  let ownContext = false;
  if (cb.type !== "ArrowFunctionExpression") walk(key, (x) => !(ownContext ||= x.type === "ThisExpression" || (x.type === "Identifier" && x.name === "arguments")));
  if (ownContext) return `the ${method}() callback is a function whose key reads its own \`this\` or \`arguments\``;
  if (prop === null || !isPureRead(key) || mentionsParam(key)) return `the ${method}() callback is not \`(x) => x.<key> === <value>\` with a plain read as the value`;
  if (prop === "length" || prop === "__proto__" || /^\d+$/.test(prop)) return `the key \`${prop}\` is a length, an index or the prototype`;
  const binding = receiver.type === "Identifier" ? ctx.scopes.bindingOf.get(receiver) : undefined;
  if (!binding) return `\`${textOf(ctx, receiver).slice(0, 40)}\` is not a binding of this file (a member or a call may give another array each time)`;
  return { call, binding, method, prop, key };
}

/** The loops around `node` in the function's own code, innermost first (iteration callbacks included). */
function loopsAround(ctx: RuleContext, ancestors: readonly Node[], node: Node): { loop: Node; ancestors: readonly Node[] }[] {
  const out: { loop: Node; ancestors: readonly Node[] }[] = [];
  let current = enclosingLoop(ancestors, node);
  while (current && current.loop !== ctx.fn && inside(ctx.fn, current.loop)) {
    const outer = ancestors.slice(0, current.index);
    out.push({ loop: current.loop, ancestors: outer });
    current = enclosingLoop(outer, current.loop);
  }
  return out;
}

/** Fresh in the function and never leaving it: an array literal or `new Set/Map(…)`, used only by member reads/calls or returned. */
function freshCollection(ctx: RuleContext, binding: Binding): "array" | "collection" | null {
  const decl = binding.declaration;
  if (!inside(ctx.fn, binding.id) || decl.type !== "VariableDeclarator" || decl.id !== binding.id || !decl.init) return null;
  if ((binding.kind !== "const" && binding.kind !== "let") || binding.references.some((r) => r.write)) return null;
  const init = unwrapTs(decl.init);
  const returned = (r: Binding["references"][number]) => r.ancestors[r.ancestors.length - 1]?.type === "ReturnStatement";
  if (init.type === "ArrayExpression") {
    const ok = binding.references.every((r) => returned(r) || classifyUse(r).kind !== "other" || isMethodCall(r, FRESH_ARRAY_METHODS));
    return ok ? "array" : null;
  }
  if (init.type === "NewExpression" && init.callee.type === "Identifier" && (init.callee.name === "Set" || init.callee.name === "Map") && isGlobalName(ctx, init.callee.name)) {
    const ok = binding.references.every((r) => {
      const parent = r.ancestors[r.ancestors.length - 1];
      return returned(r) || (parent?.type === "MemberExpression" && parent.object === r.id && !parent.computed && (identifierName(parent.property) === "size" || isMethodCall(r, FRESH_COLLECTION_METHODS)));
    });
    return ok ? "collection" : null;
  }
  return null;
}

function isMethodCall(ref: Binding["references"][number], methods: ReadonlySet<string>): boolean {
  const parent = ref.ancestors[ref.ancestors.length - 1];
  const grand = ref.ancestors[ref.ancestors.length - 2];
  return parent?.type === "MemberExpression" && parent.object === ref.id && !parent.computed && methods.has(identifierName(parent.property) ?? "") && grand?.type === "CallExpression" && grand.callee === parent;
}

/** Why code in `region` could change `users` or its elements between lookups, or null. */
function regionProblem(ctx: RuleContext, region: Node, users: Binding, prop: string): string | null {
  let problem: string | null = null;
  const say = (node: Node, what: string) => {
    problem ??= `${what} (\`${textOf(ctx, node).split("\n")[0]!.slice(0, 50)}\`): it may change \`${users.name}\` or its elements between lookups`;
  };
  const badTarget = (target: Node, at: Node) => {
    walk(target, (t) => {
      if (t.type !== "MemberExpression" && t.type !== "OptionalMemberExpression") return true;
      const name = t.computed ? null : identifierName(t.property);
      if (name === null) say(at, "it assigns a computed member");
      else if (name === prop || name === "length" || name === "__proto__") say(at, `it assigns a member named ${name}`);
      else if (identifierName(t.object) === users.name && ctx.scopes.bindingOf.get(t.object as never) === users) say(at, `it assigns a member of ${users.name}`);
      return false;
    });
  };
  walk(region, (node) => {
    if (problem) return false;
    if (node !== region && isFunction(node)) return false;
    switch (node.type) {
      case "CallExpression":
      case "OptionalCallExpression": {
        const reason = callProblem(ctx, node, users);
        if (reason) say(node, reason);
        return true;
      }
      case "NewExpression":
        say(node, "it creates an object with `new`");
        return false;
      case "TaggedTemplateExpression":
        say(node, "it calls a template tag");
        return false;
      case "AwaitExpression":
      case "YieldExpression":
        say(node, "it awaits or yields, and other code runs meanwhile");
        return false;
      case "ClassExpression":
      case "ClassDeclaration":
        say(node, "it defines a class");
        return false;
      case "ImportExpression":
        say(node, "it imports a module");
        return false;
      case "UnaryExpression":
        if (node.operator === "delete") say(node, "it deletes a property");
        return true;
      case "AssignmentExpression":
        badTarget(node.left, node);
        return true;
      case "UpdateExpression":
        badTarget(node.argument, node);
        return true;
      case "ForOfStatement":
      case "ForInStatement":
        if (node.type === "ForOfStatement" && node.await) say(node, "it has a `for await`, and other code runs meanwhile");
        if (node.left.type !== "VariableDeclaration") badTarget(node.left, node);
        if (node.type === "ForOfStatement" && !plainIterable(ctx, node.right)) say(node.right, "it iterates the result of a call, which may run code between iterations (a generator)");
        return true;
      default:
        return true;
    }
  });
  return problem;
}

/** A for…of iterable that runs no code of the person's between iterations (plain data assumed). */
function plainIterable(ctx: RuleContext, node: Node): boolean {
  const n = unwrapTs(node);
  if (isPureRead(n) || n.type === "ArrayExpression") return true;
  if (n.type !== "CallExpression" || n.callee.type !== "MemberExpression" || n.callee.computed) return false;
  const method = identifierName(n.callee.property) ?? "";
  if (identifierName(n.callee.object) === "Object" && isGlobalName(ctx, "Object")) return method === "keys" || method === "values" || method === "entries";
  return ITERABLE_CALLS.has(method);
}

/** Why a call in the loop is not one that leaves `users` alone, or null. */
function callProblem(ctx: RuleContext, call: Node, users: Binding): string | null {
  if (call.type !== "CallExpression") return "it makes an optional call";
  const callee = call.callee;
  if (callee.type !== "MemberExpression" || callee.computed) return "it calls a function";
  const method = identifierName(callee.property) ?? "";
  const objectName = identifierName(callee.object);
  if (objectName === "Math" && isGlobalName(ctx, "Math")) return null;
  const binding = callee.object.type === "Identifier" ? ctx.scopes.bindingOf.get(callee.object) : undefined;
  if (!binding) return "it calls a method";
  if (METHODS.has(method) && typeof lookupOf(ctx, call) !== "string") return null;
  if (binding === users && USERS_READS.has(method)) {
    const plain = call.arguments.every((a) => isPureRead(a) || (isFunction(a) && (() => {
      const body = returnedExpression(a);
      return body !== null && isSideEffectFree(body);
    })()));
    return plain ? null : `it calls ${users.name}.${method}() with a callback that is not side-effect free`;
  }
  const fresh = freshCollection(ctx, binding);
  if (fresh === "array" && FRESH_ARRAY_METHODS.has(method)) return null;
  if (fresh === "collection" && FRESH_COLLECTION_METHODS.has(method)) return null;
  return "it calls a method of something other than a fresh local array, Set or Map";
}

/** The loop's own code that runs between lookups: a loop statement's test, update and body, a callback's body. */
function regionsOf(loop: Node): Node[] {
  switch (loop.type) {
    case "ForStatement":
      return [loop.test, loop.update, loop.body].filter((n): n is NonNullable<typeof n> => n !== null && n !== undefined);
    case "ForOfStatement":
    case "ForInStatement":
      return [loop.body];
    case "WhileStatement":
    case "DoWhileStatement":
      return [loop.test, loop.body];
    default:
      return [loop];
  }
}

/** The statement before which the index is declared, or why there is none. */
function anchorOf(ctx: RuleContext, loop: Node, ancestors: readonly Node[]): Node | string {
  if (isLoopStatement(loop)) {
    let statement: Node = loop;
    let i = ancestors.length - 1;
    while (ancestors[i]?.type === "LabeledStatement") statement = ancestors[i--]!;
    return inStatementList(ancestors[i]) ? statement : "the loop is not directly in a block, where the index could be declared";
  }
  // An iteration callback: the statement holding the call, in the same function and the same outer loop.
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const node = ancestors[i]!;
    if (isFunction(node) || isLoopStatement(node)) break;
    if (inStatementList(ancestors[i - 1]) && node.type !== "BlockStatement" && inside(ctx.fn, node) && node !== ctx.fn) return node;
  }
  return "the iteration call is not in a statement of a block of the function, where the index could be declared";
}

function check(ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  const chosen: { lookup: Lookup; anchor: Node; loop: Node }[] = [];
  walkOwn(ctx, (node, ancestors) => {
    if (node.type !== "CallExpression" || node.callee.type !== "MemberExpression" || node.callee.computed || !METHODS.has(identifierName(node.callee.property) ?? "")) return;
    const loops = loopsAround(ctx, ancestors, node);
    if (loops.length === 0) return;
    const silence = (reason: string) => findings.push({ kind: "silence", rule: RULE_ID, node, reason });
    const lookup = lookupOf(ctx, node);
    if (typeof lookup === "string") return silence(lookup);
    const name = lookup.binding.name;
    for (const global of ["Map", "Array", "Object"]) if (!isGlobalName(ctx, global)) return silence(`\`${global}\` is declared in this file: the index helper needs the global`);
    let innermostReason = "";
    for (const { loop, ancestors: outer } of [...loops].reverse()) {
      const reason = loopProblem(ctx, lookup, loop, outer);
      if (typeof reason === "string") {
        innermostReason = reason;
        continue;
      }
      chosen.push({ lookup, anchor: reason, loop });
      return;
    }
    silence(`\`${name}\`: ${innermostReason}`);
  });
  if (chosen.length === 0) return findings;

  const style = styleOf(ctx);
  const edits: Edit[] = [];
  const indexes = new Map<string, { name: string; anchor: Node; lookup: Lookup }>();
  const helpers = new Map<"element" | "position", string>();
  for (const { lookup, anchor, loop } of chosen) {
    const kind = lookup.method === "findIndex" ? "position" : "element";
    const groupKey = `${loop.start}:${lookup.binding.name}:${lookup.prop}:${kind}`;
    let index = indexes.get(groupKey);
    if (!index) {
      const cap = /^[A-Za-z_$][\w$]*$/.test(lookup.prop) ? lookup.prop[0]!.toUpperCase() + lookup.prop.slice(1) : "Key";
      index = { name: freshName(ctx.scopes, `${lookup.binding.name}${kind === "position" ? "IndexBy" : "By"}${cap}`), anchor, lookup };
      indexes.set(groupKey, index);
      const type = ctx.typescript ? `: Map<unknown, ${kind === "position" ? "number" : `(typeof ${lookup.binding.name})[number]`}> | false | undefined` : "";
      const at = anchor.start ?? 0;
      edits.push({ start: at, end: at, text: `let ${index.name}${type}${style.semicolons ? ";" : ""}${style.newline}${indentAt(ctx.text, at)}` });
    }
    let helper = helpers.get(kind);
    if (!helper) {
      helper = freshName(ctx.scopes, kind === "position" ? "positionsBy" : "indexBy");
      helpers.set(kind, helper);
    }
    const v = index.name;
    const k = textOf(ctx, lookup.key);
    const keyNode = unwrapTs(lookup.key);
    const guard = !(keyNode.type === "StringLiteral" || keyNode.type === "NumericLiteral" || keyNode.type === "BooleanLiteral" || keyNode.type === "NullLiteral");
    const hit = lookup.method === "find" ? (guard ? `(${k} === ${k} ? ${v}.get(${k}) : undefined)` : `${v}.get(${k})`) : lookup.method === "some" ? (guard ? `(${k} === ${k} && ${v}.has(${k}))` : `${v}.has(${k})`) : guard ? `(${k} === ${k} ? ${v}.get(${k}) ?? -1 : -1)` : `(${v}.get(${k}) ?? -1)`;
    const expr = `(${v} ??= ${helper}(${lookup.binding.name}, ${quoted(style, lookup.prop)}) ?? false, ${v}) ? ${hit} : ${textOf(ctx, lookup.call)}`;
    const parenthesized = Boolean((lookup.call.extra as { parenthesized?: boolean } | undefined)?.parenthesized);
    const asi = !style.semicolons && startsStatement(ctx, lookup.call) ? ";" : "";
    edits.push({ start: lookup.call.start ?? 0, end: lookup.call.end ?? 0, text: parenthesized ? expr : `${asi}(${expr})` });
  }
  const functions: string[][] = [];
  for (const [kind, name] of helpers) functions.push(helperLines(name, kind, ctx.typescript));
  edits.push(appendFunctions(ctx, functions));
  const first = chosen[0]!.lookup;
  const names = [...new Set([...indexes.values()].map((i) => `\`${i.lookup.binding.name}\` by ${i.lookup.prop}`))];
  findings.push({
    kind: "proposal",
    rule: RULE_ID,
    node: first.call,
    title: `Index ${names.join(", ")} in a Map built on the first lookup instead of scanning ${names.length > 1 ? "them" : "it"} in the loop`,
    edits,
    saves: 0.9,
    complexity: "medium",
    risk: "low",
    why: `${names.join(", ")}: not assigned in the loop, and nothing in it can change the array or its elements (no calls but lookups, reads and fresh local collections; no assignment to the key or a computed member); the index keeps the first element per key as find() does, a key === key guard keeps ===\'s NaN, and an empty list, a null/undefined element, a hole or a list that is not a plain Array falls back to the original lookup, kept as it was; plain data assumed (no getters, setters or iterators that run code)`,
  });
  return findings;
}

/** The anchor statement when `loop` can hold the index for `lookup`, else why not. */
function loopProblem(ctx: RuleContext, lookup: Lookup, loop: Node, ancestors: readonly Node[]): Node | string {
  const users = lookup.binding;
  if (inside(loop, users.id)) return "declared inside the loop";
  if (writtenIn(users, loop)) return "assigned inside the loop";
  if (loop.type === "ForOfStatement" && loop.await) return "the loop is a `for await`: other code runs between its iterations";
  if (loop.type === "ForOfStatement" && !plainIterable(ctx, loop.right)) return "the loop iterates the result of a call, which may run code between iterations (a generator)";
  for (const region of regionsOf(loop)) {
    const problem = regionProblem(ctx, region, users, lookup.prop);
    if (problem) return problem;
  }
  return anchorOf(ctx, loop, ancestors);
}

/** Whether `node` is the first thing of an expression statement (a `(` there would join the line before it without semicolons). */
function startsStatement(ctx: RuleContext, node: Node): boolean {
  let found = false;
  walk(ctx.ast.program, (n) => {
    if (found || (n.start ?? 0) > (node.start ?? 0) || (n.end ?? 0) < (node.end ?? 0)) return false;
    if (n.type === "ExpressionStatement" && n.start === node.start) found = true;
    return !found;
  });
  return found;
}

function helperLines(name: string, kind: "element" | "position", ts: boolean): string[] {
  const value = kind === "position" ? "number" : "T";
  return [
    `// A Map from each element's \`key\` to the first ${kind === "position" ? "index" : "element"} with it (perfloop index-map), or null when the`,
    "// list is empty, not a plain Array, or holds null, undefined or a hole: the original lookup then runs.",
    ts ? `function ${name}<T, K extends keyof T>(list: readonly T[], key: K): Map<unknown, ${value}> | null {` : `function ${name}(list, key) {`,
    "\tif (!Array.isArray(list) || Object.getPrototypeOf(list) !== Array.prototype || list.length === 0) return null;",
    ts ? `\tconst index = new Map<unknown, ${value}>();` : "\tconst index = new Map();",
    "\tfor (let i = 0; i < list.length; i++) {",
    "\t\tconst item = list[i];",
    "\t\tif (item === null || item === undefined) return null;",
    "\t\tconst value = item[key];",
    `\t\tif (!index.has(value)) index.set(value, ${kind === "position" ? "i" : "item"});`,
    "\t}",
    "\treturn index;",
    "}",
  ];
}

export const indexMap: Rule = {
  id: RULE_ID,
  pattern: "find()/some()/findIndex() by key on an unchanging array inside a loop",
  check,
};
