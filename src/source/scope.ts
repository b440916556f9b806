/**
 * Scope analysis for the rules: which declaration each identifier refers to, and every read and
 * write of each binding. Enough for the rules' preconditions ("this array is declared here, and
 * only ever pushed to"), not a full implementation of the language's scoping:
 *  - `var`, parameters and function declarations at a function's top belong to the function;
 *    `let`, `const`, `class` and function declarations in blocks belong to the block; a `catch`
 *    clause, a `for` head and a class body have their own scope;
 *  - TypeScript types are skipped (they hold no run-time references); `enum` names are bindings;
 *  - a reference inside `with` or a direct `eval` cannot be resolved: the file is marked `dynamic`
 *    and the rules stay silent on it.
 * References that resolve to no declaration are globals (`JSON`, `Math`, …) and are kept by name.
 */
import type { Identifier, Node } from "@babel/types";
import { isFunction } from "./ast.ts";

export type BindingKind = "var" | "let" | "const" | "param" | "function" | "class" | "import" | "catch" | "enum";

export interface Reference {
  id: Identifier;
  /** The nodes around the reference, outermost first (the identifier excluded). */
  ancestors: readonly Node[];
  /** Assigned to (`x = …`, `x += …`, `x++`, a destructuring target). */
  write: boolean;
}

export interface Binding {
  name: string;
  kind: BindingKind;
  id: Identifier;
  /** The VariableDeclarator, function, class or import holding it. */
  declaration: Node;
  scope: Scope;
  references: Reference[];
}

export interface Scope {
  node: Node;
  parent: Scope | null;
  /** Program or function scope (where `var` goes). */
  isFunction: boolean;
  bindings: Map<string, Binding>;
}

export interface ScopeInfo {
  /** The scope a node opens (program, function, block, catch, for, class). */
  scopeOf: Map<Node, Scope>;
  /** The binding an identifier node refers to (references and declarations alike). */
  bindingOf: Map<Identifier, Binding>;
  /** References to undeclared names (globals), by name. */
  globals: Map<string, Reference[]>;
  /** Every name declared or referenced anywhere in the file. */
  names: Set<string>;
  /** `with` or a direct `eval` occurs: scopes cannot be trusted. */
  dynamic: boolean;
}

const TS_EXPRESSION_WRAPPERS = new Set(["TSAsExpression", "TSNonNullExpression", "TSSatisfiesExpression", "TSTypeAssertion", "TSInstantiationExpression"]);
const TYPE_KEYS = new Set(["typeAnnotation", "returnType", "typeParameters", "superTypeParameters", "typeArguments", "implements", "predicate"]);

function opensBlockScope(node: Node, parent: Node | undefined): boolean {
  if (node.type === "BlockStatement") return !(parent && isFunction(parent) && (parent as { body: Node }).body === node) && parent?.type !== "CatchClause";
  return node.type === "ForStatement" || node.type === "ForInStatement" || node.type === "ForOfStatement" || node.type === "SwitchStatement" || node.type === "CatchClause" || node.type === "ClassBody" || node.type === "StaticBlock";
}

export function analyzeScopes(program: Node): ScopeInfo {
  const info: ScopeInfo = { scopeOf: new Map(), bindingOf: new Map(), globals: new Map(), names: new Set(), dynamic: false };
  const root: Scope = { node: program, parent: null, isFunction: true, bindings: new Map() };
  info.scopeOf.set(program, root);

  // Pass 1: scopes and declarations.
  const declared = new Set<Identifier>();
  const declare = (scope: Scope, id: Identifier, kind: BindingKind, declaration: Node) => {
    info.names.add(id.name);
    declared.add(id);
    const target = kind === "var" ? functionScope(scope) : scope;
    const existing = target.bindings.get(id.name);
    if (existing) {
      info.bindingOf.set(id, existing);
      return;
    }
    const binding: Binding = { name: id.name, kind, id, declaration, scope: target, references: [] };
    target.bindings.set(id.name, binding);
    info.bindingOf.set(id, binding);
  };
  const declarePattern = (scope: Scope, pattern: Node | null | undefined, kind: BindingKind, declaration: Node) => {
    if (!pattern) return;
    switch (pattern.type) {
      case "Identifier":
        declare(scope, pattern, kind, declaration);
        break;
      case "ObjectPattern":
        for (const p of pattern.properties) declarePattern(scope, p.type === "RestElement" ? p : (p.value as Node), kind, declaration);
        break;
      case "ArrayPattern":
        for (const e of pattern.elements) declarePattern(scope, e, kind, declaration);
        break;
      case "AssignmentPattern":
        declarePattern(scope, pattern.left, kind, declaration);
        break;
      case "RestElement":
        declarePattern(scope, pattern.argument, kind, declaration);
        break;
      case "TSParameterProperty":
        declarePattern(scope, pattern.parameter, kind, declaration);
        break;
      default:
        break;
    }
  };

  const collect = (node: Node, scope: Scope, parent: Node | undefined) => {
    let inner = scope;
    if (isFunction(node)) {
      if (node.type === "FunctionDeclaration" && node.id) declare(scope, node.id, "function", node);
      inner = { node, parent: scope, isFunction: true, bindings: new Map() };
      info.scopeOf.set(node, inner);
      if (node.type === "FunctionExpression" && node.id) declare(inner, node.id, "function", node);
      for (const param of node.params) declarePattern(inner, param, "param", node);
    } else if (node.type === "ClassDeclaration" || node.type === "ClassExpression") {
      if (node.type === "ClassDeclaration" && node.id) declare(scope, node.id, "class", node);
    } else if (opensBlockScope(node, parent)) {
      inner = { node, parent: scope, isFunction: false, bindings: new Map() };
      info.scopeOf.set(node, inner);
      if (node.type === "CatchClause") declarePattern(inner, node.param, "catch", node);
      if (node.type === "ClassBody" && parent?.type === "ClassExpression" && parent.id) declare(inner, parent.id, "class", parent);
    }
    if (node.type === "VariableDeclaration") {
      const kind: BindingKind = node.kind === "var" ? "var" : node.kind === "let" ? "let" : "const";
      for (const d of node.declarations) declarePattern(scope, d.id, kind, d);
    } else if (node.type === "ImportDeclaration") {
      for (const s of node.specifiers) declare(scope, s.local, "import", node);
      return;
    } else if (node.type === "TSEnumDeclaration") {
      declare(scope, node.id, "enum", node);
      return;
    } else if (node.type.startsWith("TS") && !TS_EXPRESSION_WRAPPERS.has(node.type) && node.type !== "TSParameterProperty") {
      return;
    } else if (node.type === "WithStatement") {
      info.dynamic = true;
    } else if (node.type === "CallExpression" && node.callee.type === "Identifier" && node.callee.name === "eval") {
      info.dynamic = true;
    }
    for (const [key, child] of childEntries(node)) {
      if (TYPE_KEYS.has(key)) continue;
      collect(child, inner, node);
    }
  };
  collect(program, root, undefined);

  // Pass 2: references.
  const resolve = (scope: Scope, name: string): Binding | null => {
    for (let s: Scope | null = scope; s; s = s.parent) {
      const found = s.bindings.get(name);
      if (found) return found;
    }
    return null;
  };
  const ancestors: Node[] = [];
  const visit = (node: Node, scope: Scope) => {
    const own = info.scopeOf.get(node) ?? scope;
    if (node.type === "Identifier") {
      const parent = ancestors[ancestors.length - 1];
      if (isReference(node, parent, declared)) {
        info.names.add(node.name);
        const binding = resolve(scope, node.name);
        const ref: Reference = { id: node, ancestors: [...ancestors], write: isWrite(node, ancestors) };
        if (binding) {
          binding.references.push(ref);
          info.bindingOf.set(node, binding);
        } else {
          const list = info.globals.get(node.name) ?? [];
          list.push(ref);
          info.globals.set(node.name, list);
        }
      }
      return;
    }
    if (node.type.startsWith("TS") && !TS_EXPRESSION_WRAPPERS.has(node.type) && node.type !== "TSParameterProperty" && node.type !== "TSEnumDeclaration") return;
    if (node.type === "ImportDeclaration") return;
    ancestors.push(node);
    for (const [key, child] of childEntries(node)) {
      if (TYPE_KEYS.has(key)) continue;
      visit(child, own);
    }
    ancestors.pop();
  };
  visit(program, root);
  return info;
}

function functionScope(scope: Scope): Scope {
  let s = scope;
  while (!s.isFunction && s.parent) s = s.parent;
  return s;
}

const SKIPPED_KEYS = new Set(["type", "start", "end", "loc", "range", "extra", "leadingComments", "trailingComments", "innerComments", "comments", "tokens"]);

function isNodeValue(value: unknown): value is Node {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}

function childEntries(node: Node): [string, Node][] {
  const out: [string, Node][] = [];
  for (const key in node) {
    if (SKIPPED_KEYS.has(key)) continue;
    const value = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(value)) {
      for (const item of value) if (isNodeValue(item)) out.push([key, item]);
    } else if (isNodeValue(value)) out.push([key, value]);
  }
  return out;
}

/** Whether an identifier is a reference to a binding (not a property name, label or declaration of one). */
function isReference(id: Identifier, parent: Node | undefined, declared: ReadonlySet<Identifier>): boolean {
  if (declared.has(id)) return false;
  if (!parent) return true;
  switch (parent.type) {
    case "MemberExpression":
    case "OptionalMemberExpression":
      return parent.object === id || parent.computed;
    case "ObjectProperty":
      return parent.value === id || parent.computed;
    case "ObjectMethod":
    case "ClassMethod":
    case "ClassPrivateMethod":
    case "ClassProperty":
    case "ClassAccessorProperty":
      return parent.key !== id || Boolean(parent.computed);
    case "LabeledStatement":
    case "BreakStatement":
    case "ContinueStatement":
    case "MetaProperty":
      return false;
    case "ExportSpecifier":
      return parent.local === id;
    default:
      return true;
  }
}

function isWrite(id: Identifier, ancestors: readonly Node[]): boolean {
  let child: Node = id;
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const node = ancestors[i] as Node;
    if (node.type === "AssignmentExpression") return node.left === child;
    if (node.type === "UpdateExpression") return true;
    if ((node.type === "ForOfStatement" || node.type === "ForInStatement") && node.left === child) return true;
    if (node.type === "ObjectPattern" || node.type === "ArrayPattern" || node.type === "RestElement" || (node.type === "AssignmentPattern" && node.left === child) || (node.type === "ObjectProperty" && node.value === child)) {
      child = node;
      continue;
    }
    return false;
  }
  return false;
}

/** A name not used anywhere in the file, from `base` (`base`, `base2`, `base3`…); reserves it. */
export function freshName(info: ScopeInfo, base: string): string {
  let name = base;
  for (let n = 2; info.names.has(name) || RESERVED_WORDS.has(name); n++) name = `${base}${n}`;
  info.names.add(name);
  return name;
}

const RESERVED_WORDS = new Set(["arguments", "eval", "undefined", "NaN", "Infinity", "let", "static", "yield", "await", "enum", "implements", "package", "protected", "interface", "private", "public"]);
