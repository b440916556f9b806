/**
 * What the caching rules (regexp-hoist, intl-hoist, json-parse-once, read-once) ask of names and
 * values: is this identifier the global it names, is this a constant, is this binding stable (never
 * written after its declaration), which module a binding comes from (`require("fs")`, an import),
 * and does an expression surely give a string (an immutable value).
 */
import type { Node } from "@babel/types";
import { contains, isLiteralValue, staticString } from "../../source/ast.ts";
import type { Binding } from "../../source/scope.ts";
import type { RuleContext } from "./types.ts";

/** Whether `node` is the identifier `name` and no declaration in the file binds it there (the global). */
export function isGlobal(ctx: RuleContext, node: Node | null | undefined, name: string): boolean {
  return !!node && node.type === "Identifier" && node.name === name && !ctx.scopes.bindingOf.has(node);
}

/** Whether any scope of the file declares `name` (so a new reference to the global could be captured). */
export function declaresName(ctx: RuleContext, name: string): boolean {
  for (const scope of ctx.scopes.scopeOf.values()) if (scope.bindings.has(name)) return true;
  return false;
}

export function bindingOf(ctx: RuleContext, node: Node | null | undefined): Binding | null {
  return node && node.type === "Identifier" ? (ctx.scopes.bindingOf.get(node) ?? null) : null;
}

/**
 * Why the binding's value can change after its declaration, or null when it cannot: a `const`, a
 * `let` that is never assigned, a parameter that is never assigned in a function that does not use
 * `arguments` (in sloppy mode `arguments[0] = …` changes the first parameter).
 */
export function unstableBinding(ctx: RuleContext, binding: Binding): string | null {
  const written = binding.references.find((r) => r.write);
  switch (binding.kind) {
    case "const":
      return null;
    case "let":
      return written ? `\`${binding.name}\` is assigned (line ${written.id.loc?.start.line ?? 0})` : null;
    case "param": {
      if (written) return `the parameter \`${binding.name}\` is assigned (line ${written.id.loc?.start.line ?? 0})`;
      const fn = binding.scope.node;
      const args = ctx.scopes.globals.get("arguments") ?? [];
      return args.some((r) => contains(fn, r.id)) ? `its function uses \`arguments\`, which can change the parameter \`${binding.name}\`` : null;
    }
    case "var":
      return `\`${binding.name}\` is a var (a second \`var ${binding.name} = …\` can change it unseen)`;
    case "import":
      return `\`${binding.name}\` is imported: the module it comes from can change it`;
    default:
      return `\`${binding.name}\` is a ${binding.kind} binding, not a value read once`;
  }
}

/** The initializer of a `const x = …` / `let x = …` binding (not destructured), or null. */
export function initOf(binding: Binding): Node | null {
  const decl = binding.declaration;
  if (decl.type !== "VariableDeclarator" || decl.id !== binding.id) return null;
  return decl.init ?? null;
}

/**
 * A constant string: a string literal, a template without substitutions, or an identifier bound at
 * the module's top level by `const` to one of those. Its value, or null.
 */
export function constantString(ctx: RuleContext, node: Node | null | undefined): string | null {
  const direct = staticString(node);
  if (direct !== null) return direct;
  const binding = bindingOf(ctx, node);
  if (!binding || binding.kind !== "const" || binding.scope.node.type !== "Program") return null;
  return staticString(initOf(binding));
}

/**
 * An argument whose value is the same every time it is evaluated, with no side effect: a literal
 * value (ast.ts isLiteralValue: objects and arrays of literals are new each time but equal), the
 * global `undefined`, or a module-level `const` bound to a string or number literal.
 */
export function isConstantArgument(ctx: RuleContext, node: Node): boolean {
  if (isLiteralValue(node) || isGlobal(ctx, node, "undefined")) return true;
  if (constantString(ctx, node) !== null) return true;
  const binding = bindingOf(ctx, node);
  const init = binding && binding.kind === "const" && binding.scope.node.type === "Program" ? initOf(binding) : null;
  return !!init && (init.type === "NumericLiteral" || (init.type === "UnaryExpression" && init.argument.type === "NumericLiteral"));
}

/** The module `require("m")` loads (with `require` the global), or null. */
function requiredModule(ctx: RuleContext, node: Node | null | undefined): string | null {
  if (!node || node.type !== "CallExpression" || !isGlobal(ctx, node.callee, "require") || node.arguments.length !== 1) return null;
  return staticString(node.arguments[0]);
}

/** The module a stable binding holds as a whole: `const fs = require("fs")`, `import fs from "fs"`, `import * as fs from "fs"`. */
export function moduleOfBinding(ctx: RuleContext, binding: Binding): string | null {
  if (binding.kind === "import") {
    const decl = binding.declaration;
    if (decl.type !== "ImportDeclaration" || decl.importKind === "type") return null;
    const spec = decl.specifiers.find((s) => s.local === binding.id);
    if (!spec || (spec.type !== "ImportDefaultSpecifier" && spec.type !== "ImportNamespaceSpecifier")) return null;
    return decl.source.value;
  }
  if (unstableBinding(ctx, binding) !== null) return null;
  return requiredModule(ctx, initOf(binding));
}

/** The module export a stable binding holds: `const { name: x } = require("m")`, `const x = require("m").name`, `import { name as x } from "m"`. */
export function moduleExportOfBinding(ctx: RuleContext, binding: Binding): { module: string; name: string } | null {
  const decl = binding.declaration;
  if (binding.kind === "import") {
    if (decl.type !== "ImportDeclaration" || decl.importKind === "type") return null;
    const spec = decl.specifiers.find((s) => s.local === binding.id);
    if (!spec || spec.type !== "ImportSpecifier" || spec.importKind === "type") return null;
    const name = spec.imported.type === "Identifier" ? spec.imported.name : spec.imported.value;
    return { module: decl.source.value, name };
  }
  if (unstableBinding(ctx, binding) !== null || decl.type !== "VariableDeclarator") return null;
  if (decl.id === binding.id && decl.init?.type === "MemberExpression" && !decl.init.computed && decl.init.property.type === "Identifier") {
    const module = requiredModule(ctx, decl.init.object);
    return module === null ? null : { module, name: decl.init.property.name };
  }
  if (decl.id.type !== "ObjectPattern") return null;
  const module = requiredModule(ctx, decl.init);
  if (module === null) return null;
  for (const p of decl.id.properties) {
    if (p.type !== "ObjectProperty" || p.computed || p.value !== binding.id) continue;
    const name = p.key.type === "Identifier" ? p.key.name : p.key.type === "StringLiteral" ? p.key.value : null;
    return name === null ? null : { module, name };
  }
  return null;
}

/** The module and export a callee names: `fs.readFileSync`, `require("fs").readFileSync`, or `readFileSync` imported from fs. */
export function resolveCallee(ctx: RuleContext, callee: Node): { module: string; name: string } | null {
  if (callee.type === "MemberExpression" && !callee.computed && callee.property.type === "Identifier") {
    const direct = requiredModule(ctx, callee.object);
    if (direct !== null) return { module: direct, name: callee.property.name };
    const binding = bindingOf(ctx, callee.object);
    const module = binding ? moduleOfBinding(ctx, binding) : null;
    return module === null ? null : { module, name: callee.property.name };
  }
  const binding = bindingOf(ctx, callee);
  return binding ? moduleExportOfBinding(ctx, binding) : null;
}

export const FS_MODULES = new Set(["fs", "node:fs"]);
const PATH_MODULES = new Set(["path", "node:path", "path/posix", "node:path/posix", "path/win32", "node:path/win32"]);
const PATH_STRING_FUNCTIONS = new Set(["join", "resolve", "normalize", "relative", "basename", "dirname", "extname", "toNamespacedPath"]);

/** Encodings with which readFileSync returns a string (not a Buffer). */
const STRING_ENCODINGS = new Set(["utf8", "utf-8", "utf16le", "utf-16le", "ucs2", "ucs-2", "latin1", "binary", "ascii", "base64", "base64url", "hex"]);

/**
 * The text encoding readFileSync's options argument names (`"utf8"`, `{ encoding: "utf8" }`, with
 * at most a `flag: "r"` beside it), or null when it returns a Buffer or may open the file otherwise.
 */
export function stringEncodingOf(node: Node | null | undefined): string | null {
  const direct = staticString(node);
  if (direct !== null) return STRING_ENCODINGS.has(direct.toLowerCase()) ? direct : null;
  if (!node || node.type !== "ObjectExpression") return null;
  let encoding: string | null = null;
  for (const p of node.properties) {
    if (p.type !== "ObjectProperty" || p.computed) return null;
    const key = p.key.type === "Identifier" ? p.key.name : p.key.type === "StringLiteral" ? p.key.value : null;
    const value = staticString(p.value as Node);
    if (key === "encoding" && value !== null && STRING_ENCODINGS.has(value.toLowerCase())) encoding = value;
    else if (!(key === "flag" && value === "r")) return null;
  }
  return encoding;
}

/**
 * Whether the expression surely gives a primitive string (or, for JSON.stringify, undefined):
 * literals and templates, `String(…)`, `JSON.stringify(…)`, `… + "…"`, path.join() and its
 * kin, `__dirname`/`__filename`, fs.readFileSync with a text encoding, and stable bindings
 * initialized with one of those.
 */
export function isStringValue(ctx: RuleContext, node: Node | null | undefined, depth = 0): boolean {
  if (!node || depth > 4) return false;
  switch (node.type) {
    case "StringLiteral":
    case "TemplateLiteral":
      return true;
    case "BinaryExpression":
      return node.operator === "+" && (isStringValue(ctx, node.left, depth + 1) || isStringValue(ctx, node.right, depth + 1));
    case "CallExpression": {
      if (isGlobal(ctx, node.callee, "String")) return true;
      const callee = node.callee;
      if (callee.type === "MemberExpression" && !callee.computed && isGlobal(ctx, callee.object, "JSON") && callee.property.type === "Identifier" && callee.property.name === "stringify") return true;
      const target = resolveCallee(ctx, callee);
      if (!target) return false;
      if (PATH_MODULES.has(target.module) && PATH_STRING_FUNCTIONS.has(target.name)) return true;
      return FS_MODULES.has(target.module) && target.name === "readFileSync" && stringEncodingOf(node.arguments[1]) !== null;
    }
    case "Identifier": {
      if (isGlobal(ctx, node, "__dirname") || isGlobal(ctx, node, "__filename")) return true;
      const binding = bindingOf(ctx, node);
      if (!binding || unstableBinding(ctx, binding) !== null) return false;
      return isStringValue(ctx, initOf(binding), depth + 1);
    }
    default:
      return false;
  }
}
