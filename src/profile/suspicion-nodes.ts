/**
 * The suspicion patterns of suspicions.ts, matched on nodes of the parsed source (one node at a
 * time, with its ancestors from the file's root): which call, `new`, `await`, assignment or spread
 * is an anti-pattern, and the loop it runs in. The walk over the hot function's own code is
 * source/walk-own.ts; loops and callbacks are source/ast.ts (`enclosingLoop`).
 * Names are resolved with the file's scope analysis: `JSON`, `RegExp`, `Date` and `Intl` count
 * only as the globals, not a local of that name.
 */
import type { Node } from "@babel/types";
import { calledMethod, enclosingLoop, contains, isFunction, isIterationCallback, isLoopStatement, lineOf, unwrapTs } from "../source/ast.ts";
import type { Binding, ScopeInfo } from "../source/scope.ts";

/** The loop a pattern runs in, as the report names it ("for loop", ".map() callback") with its 1-based line. */
/** The kinds of suspicion (contract §9 `suspicion_stack`), as suspicions.ts reports them. */
export type SuspicionCategory =
  | "sync_fs_in_hot_path"
  | "json_in_loop"
  | "regexp_in_loop"
  | "await_in_loop"
  | "quadratic_search"
  | "string_concat_in_loop"
  | "date_intl_in_loop"
  | "spread_in_reduce";

export interface LoopAt {
  label: string;
  line: number;
}

export interface NodeMatch {
  category: SuspicionCategory;
  node: Node;
  what: string;
  advice: string;
  /** Whether its cost lands in a callee frame (total share confirms). */
  callee: boolean;
  loop: LoopAt | null;
}

const SYNC_FS = new Set(["readFileSync", "writeFileSync", "appendFileSync", "existsSync", "statSync", "lstatSync", "readdirSync", "openSync", "readSync", "writeSync", "accessSync", "mkdirSync", "realpathSync"]);
const SEARCH_METHODS = new Set(["includes", "indexOf", "lastIndexOf", "find", "findIndex", "some", "filter"]);
/** Methods whose result is a string, whatever they are called on (for "this receiver is a string"). */
const STRING_RESULT_METHODS = new Set(["toLowerCase", "toUpperCase", "toLocaleLowerCase", "toLocaleUpperCase", "trim", "trimStart", "trimEnd", "padStart", "padEnd", "repeat", "replace", "replaceAll", "charAt", "substring", "substr", "normalize", "join", "toString", "toFixed"]);
const MAX_STRING_DEPTH = 3;

const TEXT: Record<Exclude<SuspicionCategory, "spread_in_reduce">, { what: string; advice: string; callee: boolean }> = {
  sync_fs_in_hot_path: {
    what: "a synchronous file-system call in a hot function",
    advice: "read once outside the hot path and reuse the result (a cache or a Map), or batch the calls",
    callee: true,
  },
  json_in_loop: { what: "JSON parsed or serialised on every iteration", advice: "parse or serialise once outside the loop and keep the value", callee: true },
  regexp_in_loop: { what: "a RegExp built on every iteration", advice: "build the RegExp once outside the loop", callee: true },
  quadratic_search: {
    what: "a linear search inside a loop (quadratic when both grow)",
    advice: "index the searched collection once in a Set or Map and look up in O(1)",
    callee: false,
  },
  date_intl_in_loop: { what: "a Date or Intl object made on every iteration", advice: "create the Date/Intl formatter once outside the loop and reuse it", callee: true },
  await_in_loop: {
    what: "an await on every iteration: independent calls run one after another",
    advice: "start independent calls together (Promise.all with a concurrency limit) or batch them into one request",
    callee: true,
  },
  string_concat_in_loop: {
    what: "a string grown by concatenation on every iteration",
    advice: "collect the parts in an array and join once, or build the string with one template",
    callee: false,
  },
};
const SPREAD_ADVICE = "mutate the accumulator (push, or assign a key) instead of copying it on every iteration";

/** The suspicion `node` is, or null. `ancestors` run from the program to the node's parent. */
export function matchNode(node: Node, ancestors: readonly Node[], scopes: ScopeInfo): NodeMatch | null {
  switch (node.type) {
    case "CallExpression":
    case "OptionalCallExpression":
      return matchCall(node, ancestors, scopes);
    case "NewExpression":
      return matchNew(node, ancestors, scopes);
    case "AwaitExpression":
      return matchAwait(node, ancestors);
    case "AssignmentExpression":
      return matchConcat(node, ancestors, scopes);
    case "SpreadElement":
      return matchSpread(node, ancestors, scopes);
    default:
      return null;
  }
}

function found(category: Exclude<SuspicionCategory, "spread_in_reduce">, node: Node, loop: LoopAt | null): NodeMatch {
  return { category, node, loop, ...TEXT[category] };
}

/** Whether `node` is the identifier `name` referring to the global (declared nowhere in the file). */
function isGlobal(node: Node | null | undefined, name: string, scopes: ScopeInfo): boolean {
  return !!node && node.type === "Identifier" && node.name === name && !scopes.bindingOf.has(node);
}

/** The property name of a member expression (`a.b`, `a["b"]`, `a?.b`), or null. */
function memberName(node: Node): string | null {
  if (node.type !== "MemberExpression" && node.type !== "OptionalMemberExpression") return null;
  if (!node.computed && node.property.type === "Identifier") return node.property.name;
  if (node.computed && node.property.type === "StringLiteral") return node.property.value;
  return null;
}

function loopAround(node: Node, ancestors: readonly Node[]): LoopAt | null {
  const around = enclosingLoop(ancestors, node);
  return around ? describeLoop(around.loop, ancestors[around.index - 1]) : null;
}

/** How the report names a loop statement or an iteration callback (`parent`: the call it is passed to). */
function describeLoop(loop: Node, parent: Node | undefined): LoopAt {
  if (isFunction(loop)) {
    const callee = parent && (parent.type === "CallExpression" || parent.type === "OptionalCallExpression") ? parent.callee : null;
    const at = callee && (callee.type === "MemberExpression" || callee.type === "OptionalMemberExpression") ? lineOf(callee.property) : lineOf(loop);
    return { label: `.${parent ? calledMethod(parent) : "?"}() callback`, line: at };
  }
  const keyword = loop.type === "WhileStatement" ? "while" : loop.type === "DoWhileStatement" ? "do" : "for";
  return { label: `${keyword} loop`, line: lineOf(loop) };
}

function matchCall(node: Extract<Node, { type: "CallExpression" | "OptionalCallExpression" }>, ancestors: readonly Node[], scopes: ScopeInfo): NodeMatch | null {
  const callee = unwrapTs(node.callee as Node);
  const member = memberName(callee);
  const name = callee.type === "Identifier" ? callee.name : member;
  if (name === null) return null;
  if (SYNC_FS.has(name)) return found("sync_fs_in_hot_path", node, loopAround(node, ancestors));
  const object = member !== null ? unwrapTs((callee as Extract<Node, { type: "MemberExpression" | "OptionalMemberExpression" }>).object) : null;
  let category: Exclude<SuspicionCategory, "spread_in_reduce"> | null = null;
  if (object && isGlobal(object, "JSON", scopes) && (member === "parse" || member === "stringify")) category = "json_in_loop";
  else if (isGlobal(callee, "RegExp", scopes)) category = "regexp_in_loop";
  else if (object && isGlobal(object, "Intl", scopes)) category = "date_intl_in_loop";
  else if (member !== null && /^toLocale(?:Date|Time)?String$/.test(member)) category = "date_intl_in_loop";
  else if (object && member !== null && SEARCH_METHODS.has(member) && !isStringExpression(object, scopes, 0)) category = "quadratic_search";
  if (category === null) return null;
  const loop = loopAround(node, ancestors);
  return loop ? found(category, node, loop) : null;
}

function matchNew(node: Extract<Node, { type: "NewExpression" }>, ancestors: readonly Node[], scopes: ScopeInfo): NodeMatch | null {
  const callee = unwrapTs(node.callee as Node);
  let category: "regexp_in_loop" | "date_intl_in_loop" | null = null;
  if (isGlobal(callee, "RegExp", scopes)) category = "regexp_in_loop";
  else if (isGlobal(callee, "Date", scopes)) category = "date_intl_in_loop";
  else if ((callee.type === "MemberExpression" || callee.type === "OptionalMemberExpression") && isGlobal(unwrapTs(callee.object), "Intl", scopes)) category = "date_intl_in_loop";
  if (category === null) return null;
  const loop = loopAround(node, ancestors);
  return loop ? found(category, node, loop) : null;
}

/**
 * `await` in a `for`/`while`/`do` of the function's own code: a `for await` does not count (its
 * awaits are the iteration itself; an outer loop still does), nor does an iteration callback
 * (`xs.map(async (x) => await …)` starts every call before the first one ends).
 */
function matchAwait(node: Node, ancestors: readonly Node[]): NodeMatch | null {
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const loop = ancestors[i] as Node;
    const inner = ancestors[i + 1] ?? node;
    if (isFunction(loop)) return null;
    if (!isLoopStatement(loop)) continue;
    if (loop.type === "ForStatement" && inner === loop.init) continue;
    if ((loop.type === "ForOfStatement" || loop.type === "ForInStatement") && (inner === loop.right || inner === loop.left)) continue;
    if (loop.type === "ForOfStatement" && loop.await) continue;
    return found("await_in_loop", node, describeLoop(loop, ancestors[i - 1]));
  }
  return null;
}

/**
 * `s += "…"` (any target), `s += x` or `s = s + …` for a string binding, in a loop; not when the
 * binding is declared inside that loop (a fresh string each iteration, not one that grows).
 */
function matchConcat(node: Extract<Node, { type: "AssignmentExpression" }>, ancestors: readonly Node[], scopes: ScopeInfo): NodeMatch | null {
  const left = unwrapTs(node.left as Node);
  const binding = left.type === "Identifier" ? scopes.bindingOf.get(left) ?? null : null;
  let stringy: boolean;
  if (node.operator === "+=") stringy = isStringExpression(node.right, scopes, 0) || (binding !== null && isStringBinding(binding, scopes, 0));
  else if (node.operator === "=" && left.type === "Identifier" && node.right.type === "BinaryExpression" && node.right.operator === "+") {
    let first: Node = node.right;
    while (first.type === "BinaryExpression" && first.operator === "+") first = unwrapTs(first.left);
    const same = first.type === "Identifier" && first.name === left.name && scopes.bindingOf.get(first) === (binding ?? undefined);
    stringy = same && ((binding !== null && isStringBinding(binding, scopes, 0)) || isStringExpression(node.right, scopes, 0));
  } else return null;
  if (!stringy) return null;
  const around = enclosingLoop(ancestors, node);
  if (!around) return null;
  // A `for (let s = "";…)` head runs once; a loop body or a callback (its parameters too) every time.
  const fresh = isFunction(around.loop) ? around.loop : (around.loop as { body: Node }).body;
  if (binding && contains(fresh, binding.id)) return null;
  return found("string_concat_in_loop", node, describeLoop(around.loop, ancestors[around.index - 1]));
}

/** `...acc` where `acc` is the first parameter of a `.reduce(`/`.reduceRight(` callback the spread is in. */
function matchSpread(node: Extract<Node, { type: "SpreadElement" }>, ancestors: readonly Node[], scopes: ScopeInfo): NodeMatch | null {
  const argument = unwrapTs(node.argument);
  if (argument.type !== "Identifier") return null;
  const binding = scopes.bindingOf.get(argument);
  if (!binding || binding.kind !== "param" || !isFunction(binding.declaration) || binding.declaration.params[0] !== binding.id) return null;
  const callback = binding.declaration;
  const index = ancestors.indexOf(callback);
  const call = ancestors[index - 1];
  if (index <= 0 || !call || (calledMethod(call) !== "reduce" && calledMethod(call) !== "reduceRight")) return null;
  if ((call as { arguments: Node[] }).arguments[0] !== callback) return null;
  // A function between the callback and the spread that is not itself a loop body runs on its own.
  for (let i = index + 1; i < ancestors.length; i++) {
    const between = ancestors[i] as Node;
    if (isFunction(between) && !isIterationCallback(between, ancestors[i - 1])) return null;
  }
  return {
    category: "spread_in_reduce",
    node,
    what: `the accumulator \`${argument.name}\` copied by a spread on every iteration (quadratic)`,
    advice: SPREAD_ADVICE,
    callee: false,
    loop: describeLoop(callback, call),
  };
}

/** Whether the expression is known to give a string: a literal, a template, `+` with one, a string method's result, a string binding. */
function isStringExpression(expression: Node | null | undefined, scopes: ScopeInfo, depth: number): boolean {
  if (!expression || depth > MAX_STRING_DEPTH) return false;
  const node = unwrapTs(expression);
  switch (node.type) {
    case "StringLiteral":
    case "TemplateLiteral":
      return true;
    case "BinaryExpression":
      return node.operator === "+" && (isStringExpression(node.left, scopes, depth + 1) || isStringExpression(node.right, scopes, depth + 1));
    case "CallExpression":
    case "OptionalCallExpression": {
      const callee = unwrapTs(node.callee as Node);
      if (isGlobal(callee, "String", scopes)) return true;
      const name = memberName(callee);
      const object = name !== null ? unwrapTs((callee as Extract<Node, { type: "MemberExpression" | "OptionalMemberExpression" }>).object) : null;
      if (object && isGlobal(object, "JSON", scopes)) return name === "stringify";
      return name !== null && STRING_RESULT_METHODS.has(name);
    }
    case "Identifier": {
      const binding = scopes.bindingOf.get(node);
      return binding !== undefined && isStringBinding(binding, scopes, depth + 1);
    }
    default:
      return false;
  }
}

/** A binding annotated `: string`, or initialised (or defaulted, for a parameter) with a string. */
function isStringBinding(binding: Binding, scopes: ScopeInfo, depth: number): boolean {
  const annotation = (binding.id as { typeAnnotation?: { typeAnnotation?: Node } | null }).typeAnnotation?.typeAnnotation;
  if (annotation?.type === "TSStringKeyword") return true;
  const declaration = binding.declaration;
  if (declaration.type === "VariableDeclarator") return declaration.id === binding.id && isStringExpression(declaration.init, scopes, depth);
  if (binding.kind === "param" && isFunction(declaration)) {
    const param = declaration.params.find((p) => p.type === "AssignmentPattern" && p.left === binding.id);
    return param?.type === "AssignmentPattern" && isStringExpression(param.right, scopes, depth);
  }
  return false;
}
