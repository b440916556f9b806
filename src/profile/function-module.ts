/**
 * Loads the function a person named with `fn:<file>#<export>`: resolves the file against the
 * project root, imports it by its absolute file URL (a `.ts`, `.js` or `.mjs` file loads this way
 * under Bun, Deno and the compiled binary) and picks the export. Every way this can fail is a
 * UsageError naming the file and the way out.
 *
 * Bare package imports inside the person's file resolve from the project's own node_modules:
 * under Bun from the file's directory upwards (the binary needs `--compile-autoload-package-json`
 * for packages found through package.json "main" or "imports"), under Deno only when Deno's main
 * module sits in that project: Deno finds its workspace, and so node_modules, from the main
 * module, not the working directory (Deno 2.9.6); elsewhere the import fails with
 * `Import "x" not a dependency`, reported as a UsageError.
 *
 * A module is evaluated once per process (the runtime caches it by URL): measuring an edited
 * file again needs a fresh process.
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { UsageError } from "../errors.ts";

/** Any callable the person exports; it is called with the values parsed from --args. */
export type AnyFunction = (...args: unknown[]) => unknown;

export interface LoadedFunction {
  fn: AnyFunction;
  /** Absolute path of the module. */
  file: string;
  /** The path as shown to the person: relative to the project root when inside it. */
  shown: string;
  exportName: string;
}

/** Error text from an import failure: Bun's ResolveMessage/BuildMessage are not Error instances. */
export function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : (error as { message?: unknown } | null)?.message;
  const text = typeof message === "string" && message !== "" ? message : String(error);
  return text.split("\n").find((line) => line.trim() !== "")?.trim() ?? text;
}

const MISSING_DEPENDENCY = /cannot find (package|module)|not a dependency|ERR_MODULE_NOT_FOUND|could not resolve/i;

function showPath(file: string, projectRoot: string): string {
  const inside = relative(projectRoot, file);
  return inside !== "" && !inside.startsWith(`..${sep}`) && inside !== ".." && !isAbsolute(inside) ? inside : file;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  return type === "object" ? "an object" : type === "undefined" ? "undefined" : `a ${type}`;
}

/** "a (function), b (number)": the module's exports, for an error that names the one missing. */
function listExports(module: Record<string, unknown>): string {
  const names = Object.keys(module).sort();
  if (names.length === 0) return "it has no exports";
  return `its exports: ${names.map((name) => `${name} (${typeof module[name]})`).join(", ")}`;
}

function functionHint(module: Record<string, unknown>, shown: string): string {
  const callable = Object.keys(module)
    .filter((name) => typeof module[name] === "function")
    .sort();
  if (callable.length > 0) return `name an exported function, e.g. fn:${shown}#${callable[0]}`;
  return `export the function from ${shown} (export function name(...) { ... })`;
}

/** Imports `file` (absolute, or relative to `projectRoot`) and returns its export `exportName`. */
export async function loadFunction(file: string, exportName: string, projectRoot: string): Promise<LoadedFunction> {
  if (file.trim() === "") throw new UsageError("the function target names no file", "use fn:<file>#<export>, e.g. fn:src/parse.ts#parse");
  if (exportName.trim() === "") {
    throw new UsageError(`the function target names no export of ${file}`, `use fn:${file}#<export>, e.g. fn:${file}#default`);
  }
  const absolute = resolve(projectRoot, file);
  const shown = showPath(absolute, projectRoot);
  if (!existsSync(absolute)) {
    throw new UsageError(
      `function file ${shown} not found`,
      `the path is relative to the project root ${projectRoot}; check the spelling`,
      { file: absolute },
    );
  }
  if (!statSync(absolute).isFile()) {
    throw new UsageError(`function file ${shown} is not a file`, "name the module file itself, e.g. fn:src/index.ts#main", {
      file: absolute,
    });
  }

  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    const text = errorText(error);
    const hint = MISSING_DEPENDENCY.test(text)
      ? `install the project's dependencies (e.g. npm install) in ${projectRoot} and check the import paths`
      : `the module threw while loading; run it on its own (e.g. bun ${shown}) to see the whole error`;
    throw new UsageError(`cannot import ${shown}: ${text}`, hint, { file: absolute });
  }

  let value = module[exportName];
  // A CommonJS module (module.exports = { name }) may surface its names only under `default`.
  if (!(exportName in module)) {
    const fallback = module.default as Record<string, unknown> | null | undefined;
    if (fallback !== null && typeof fallback === "object" && typeof fallback[exportName] === "function") {
      value = fallback[exportName];
    } else {
      throw new UsageError(`${shown} has no export "${exportName}"; ${listExports(module)}`, functionHint(module, shown), {
        file: absolute,
        export: exportName,
        exports: Object.keys(module).sort(),
      });
    }
  }
  if (typeof value !== "function") {
    throw new UsageError(
      `export "${exportName}" of ${shown} is ${describe(value)}, not a function; ${listExports(module)}`,
      functionHint(module, shown),
      { file: absolute, export: exportName },
    );
  }
  return { fn: value as AnyFunction, file: absolute, shown, exportName };
}
