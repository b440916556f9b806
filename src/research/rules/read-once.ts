/**
 * read-once: `fs.readFileSync(<constant path>, <text encoding>)` inside a loop -> the file read
 * once, on the first iteration that reaches the call, and the text reused.
 *
 * Pattern: a call in a loop of the hot function's own code (an iteration callback counts) whose
 * callee is node's fs.readFileSync, resolved through the scope analysis: `fs.readFileSync` with
 * `fs` bound by `require("fs")`/`require("node:fs")` or `import fs`/`import * as fs` from "fs" or
 * "node:fs", `require("fs").readFileSync`, or `readFileSync` itself destructured from such a
 * `require` or imported by name.
 *
 * Preconditions:
 *  - a text encoding: `"utf8"`, `"utf-8"`, `"latin1"`, … or `{ encoding: "utf8" }` (with at most
 *    `flag: "r"`): the result is a string, immutable, so one shared text is indistinguishable from
 *    fresh ones. Without one (or `encoding: null`) it is a Buffer, which one iteration could change
 *    and the next would see: silent;
 *  - the path is a string literal, or a name whose binding is declared outside the loop and never
 *    written (const, never-assigned let or parameter) and whose value is surely a string
 *    (known-values.ts isStringValue: a literal, a template, path.join(…), …). A number would be a
 *    file descriptor, read on from where the previous read stopped: silent;
 *  - nothing in the file may change files (conservative: any file, not only this one): no call or
 *    mention of writeFileSync, appendFileSync, rmSync, unlinkSync, renameSync, copyFileSync,
 *    cpSync, truncateSync, createWriteStream, … (and their async forms), no generic write, rm,
 *    rename, cp, open… on the fs module (or fs/promises), nothing from child_process,
 *    execSync/spawnSync, and no `process.chdir` (a relative path would name another file); the fs
 *    module itself is only used for its members (not passed on). Otherwise silent, naming it.
 * Rewrite: `let <name>;` just before the outermost loop the path is fixed in (in the same block,
 * braces added when that loop is not in one), and the call becomes
 * `(<name> === undefined ? (<name> = fs.readFileSync(…)) : <name>)` (a string is never
 * undefined). Reads of the same file with the same encoding in that loop share the cache.
 * Why it is the same program, and what can differ (risk medium): the file is read where and when
 * it first was; a loop that runs zero times never reads it; a missing or unreadable file throws
 * the same error at the same point and leaves the cache empty (a caught error is thrown again on
 * the next iteration). Later iterations get the text of that first read: a change to the file
 * while the loop runs (by another process, or by code in another module) would no longer be seen.
 * Fewer reads also mean fewer access-time updates. Assumes fs is node's own (not mocked).
 */
import type { Node } from "@babel/types";
import { contains, enclosingLoop, lineOf, staticString, walk } from "../../source/ast.ts";
import { loopCacheDeclaration, loopCacheRead, loopCacheSiteFor, type CacheDeclaration, type LoopSite } from "./cache-placement.ts";
import { bindingOf, FS_MODULES, isStringValue, moduleOfBinding, resolveCallee, stringEncodingOf, unstableBinding } from "./known-values.ts";
import { freshName, type Binding } from "../../source/scope.ts";
import type { Edit, Finding, Rule, RuleContext } from "./types.ts";
import { walkOwn } from "../../source/walk-own.ts";

const RULE_ID = "read-once";

/** Names that change files (or run what could) whatever they are called on: fs, fs-extra, child_process, process. */
const CHANGERS = new Set([
  "writeFileSync", "writeFile", "appendFileSync", "appendFile", "rmSync", "unlinkSync", "unlink", "renameSync", "copyFileSync", "copyFile", "cpSync",
  "truncateSync", "truncate", "ftruncateSync", "ftruncate", "rmdirSync", "rmdir", "createWriteStream", "symlinkSync", "symlink", "linkSync", "writevSync",
  "outputFile", "outputFileSync", "writeJson", "writeJsonSync", "writeJSON", "writeJSONSync", "outputJson", "outputJsonSync", "removeSync", "moveSync", "emptyDirSync",
  "chdir", "execSync", "execFileSync", "spawnSync",
]);
/** Names that change files when the fs module (or fs/promises) is what they are called on. */
const FS_CHANGERS = new Set(["rm", "rename", "cp", "write", "writeSync", "writev", "open", "openSync", "link", "remove", "move", "emptyDir", "mkdtemp", "mkdtempSync"]);
const FS_LIKE = new Set([...FS_MODULES, "fs/promises", "node:fs/promises", "fs-extra"]);
const CHILD_PROCESS = new Set(["child_process", "node:child_process"]);

/** The first thing in the file that could change a file, described, or null. */
function fileChanger(ctx: RuleContext): string | null {
  let found: string | null = null;
  const fsBindings: Binding[] = [];
  walk(ctx.ast.program, (node) => {
    if (found) return false;
    if (node.type === "Identifier" && CHANGERS.has(node.name)) {
      found = `the file mentions ${node.name} (line ${lineOf(node)})`;
      return false;
    }
    if (node.type === "MemberExpression" || node.type === "Identifier") {
      const target = fsTarget(ctx, node);
      if (target && (CHILD_PROCESS.has(target.module) || (FS_LIKE.has(target.module) && FS_CHANGERS.has(target.name)))) found = `the file uses ${target.module}'s ${target.name} (line ${lineOf(node)})`;
    }
    if (node.type === "CallExpression" && node.arguments.length === 1) {
      const module = staticString(node.arguments[0]);
      if (module !== null && CHILD_PROCESS.has(module)) found = `the file loads ${module} (line ${lineOf(node)})`;
    }
    if (node.type === "ImportDeclaration" && CHILD_PROCESS.has(node.source.value)) found = `the file imports ${node.source.value} (line ${lineOf(node)})`;
    return true;
  });
  if (found) return found;
  for (const scope of ctx.scopes.scopeOf.values()) {
    for (const b of scope.bindings.values()) {
      const module = b.kind === "function" ? null : moduleOfBinding(ctx, b);
      if (module !== null && FS_LIKE.has(module)) fsBindings.push(b);
    }
  }
  for (const b of fsBindings) {
    for (const ref of b.references) {
      const parent = ref.ancestors[ref.ancestors.length - 1];
      if (!(parent?.type === "MemberExpression" && parent.object === ref.id && !parent.computed)) return `the fs module \`${b.name}\` is passed on or stored (line ${lineOf(ref.id)}): what receives it could change files`;
    }
  }
  return null;
}

/** What `node` names in a module, reading `fs.promises.x` as fs/promises' x. */
function fsTarget(ctx: RuleContext, node: Node): { module: string; name: string } | null {
  if (node.type === "MemberExpression" && !node.computed && node.property.type === "Identifier" && node.object.type === "MemberExpression") {
    const holder = resolveCallee(ctx, node.object);
    if (holder && FS_MODULES.has(holder.module) && holder.name === "promises") return { module: "fs/promises", name: node.property.name };
  }
  return resolveCallee(ctx, node);
}

interface Group {
  site: LoopSite;
  caches: Map<string, { name: string; calls: { call: Node; bare: boolean }[]; base: string }>;
}

function check(ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  const groups = new Map<Node, Group>();
  let changer: string | null | undefined;
  walkOwn(ctx, (node, ancestors) => {
    if (node.type !== "CallExpression") return;
    const callee = node.callee;
    const named = callee.type === "Identifier" ? callee.name : callee.type === "MemberExpression" && !callee.computed && callee.property.type === "Identifier" ? callee.property.name : null;
    const target = resolveCallee(ctx, callee);
    const fsRead = !!target && FS_MODULES.has(target.module) && target.name === "readFileSync";
    if (named !== "readFileSync" && !fsRead) return;
    const inner = enclosingLoop(ancestors, node);
    if (!inner || inner.loop === ctx.fn || !contains(ctx.fn, inner.loop)) return;
    const silence = (reason: string) => findings.push({ kind: "silence", rule: RULE_ID, node, reason });
    if (!fsRead) return silence("this readFileSync is not resolved to node's fs (a require(\"fs\") or an import from \"fs\" in this file)");
    const [path, options] = node.arguments;
    if (!path || node.arguments.length > 2 || node.arguments.some((a) => a.type === "SpreadElement")) return silence("not readFileSync(path, encoding)");
    const encoding = stringEncodingOf(options);
    if (encoding === null) {
      const buffer = !options || options.type === "NullLiteral" || (options.type === "Identifier" && options.name === "undefined");
      return silence(buffer ? "no encoding: it returns a Buffer, which is mutable, so sharing one would be observable" : "the options are not a literal text encoding (a string, or { encoding } with at most flag: \"r\"): it may return a Buffer or open the file otherwise");
    }
    let binding: Binding | null = null;
    let key: string;
    let base = "file";
    const literal = staticString(path);
    if (literal !== null) key = `literal:${literal}`;
    else if (path.type === "Identifier") {
      binding = bindingOf(ctx, path);
      if (!binding) return silence(`\`${path.name}\` is not declared in this file: it may change while the loop runs`);
      const unstable = unstableBinding(ctx, binding);
      if (unstable) return silence(`${unstable}: the path may change while the loop runs`);
      if (contains(inner.loop, binding.id)) return silence(`\`${path.name}\` is declared inside the loop: another file on each iteration`);
      if (!isStringValue(ctx, path)) return silence(`\`${path.name}\` is not surely a string: a file descriptor (a number) would be read on from where the last read stopped`);
      key = `binding:${binding.name}:${binding.id.start}`;
      base = path.name;
    } else return silence("the path is not a name or a literal: it may change from one iteration to the next");
    if (changer === undefined) changer = fileChanger(ctx);
    if (changer) return silence(`${changer}: the file read could change while the loop runs`);
    const site = loopCacheSiteFor(ctx, node, ancestors, binding);
    if (!site) return silence("no statement before the loop to declare the cache in (the loop is an expression-bodied callback's)");
    const group = groups.get(site.statement) ?? { site, caches: new Map() };
    groups.set(site.statement, group);
    const cacheKey = `${key}:${encoding.toLowerCase().replace("-", "")}`;
    const cache = group.caches.get(cacheKey) ?? { name: "", calls: [], base };
    const parent = ancestors[ancestors.length - 1];
    cache.calls.push({ call: node, bare: parent?.type === "VariableDeclarator" });
    group.caches.set(cacheKey, cache);
  });
  for (const group of groups.values()) {
    const decls: CacheDeclaration[] = [];
    const edits: Edit[] = [];
    for (const cache of group.caches.values()) {
      cache.name = freshName(ctx.scopes, `${cache.base}Text`);
      decls.push({ name: cache.name, type: "string" });
      for (const { call, bare } of cache.calls) {
        const read = loopCacheRead(cache.name, ctx.text.slice(call.start ?? 0, call.end ?? 0));
        edits.push({ start: call.start ?? 0, end: call.end ?? 0, text: bare ? read.slice(1, -1) : read });
      }
    }
    edits.push(...loopCacheDeclaration(ctx, group.site, decls));
    const caches = [...group.caches.values()];
    findings.push({
      kind: "proposal",
      rule: RULE_ID,
      node: caches[0]!.calls[0]!.call,
      title: caches.length === 1 ? "Read the file once, at the loop's first read, instead of on every iteration" : `Read the ${caches.length} files once, at the loop's first read of each, instead of on every iteration`,
      edits,
      saves: 0.7,
      complexity: "low",
      risk: "medium",
      why: "readFileSync is node's fs.readFileSync (resolved through require/import), with a text encoding: the result is an immutable string; the path is a literal or a binding declared outside the loop, never written, surely a string; nothing in this file writes, removes or renames files, runs commands or changes directory; the file is still read where and when it first was (a loop that runs zero times never reads it, a missing file throws at the same point)",
      caveat: "a change to the file while the loop runs would no longer be seen",
    });
  }
  return findings;
}

export const readOnce: Rule = {
  id: RULE_ID,
  pattern: "fs.readFileSync of an unchanging path, as text, inside a loop",
  check,
};
