/**
 * Parsing a JS/TS source file for the rule engine and the suspicion scan (docs/research.md), with
 * `@babel/parser` 7 (checked: it loads under Bun, Deno and in the compiled binary; version 8 needs a
 * newer Node than the one CI has). One parse per file serves both: the evidence and the fix come
 * from the same tree.
 *
 * The language follows the file name: `.ts`/`.mts`/`.cts` get the `typescript` plugin, `.tsx` both
 * `typescript` and `jsx`, `.jsx` `jsx`; a `.js` file is tried as JS with `jsx` (React code often
 * lives in `.js`) and again without when that fails. `sourceType: "unambiguous"` reads ES modules
 * and CommonJS alike; `return` outside a function is allowed (CommonJS wrappers). A file that does
 * not parse is reported, never guessed at.
 */
import { parse as babelParse, type ParserPlugin } from "@babel/parser";
import type { File } from "@babel/types";

/** Files larger than this are not parsed: generated or bundled code, not the person's to rewrite. */
export const MAX_PARSED_FILE_BYTES = 2 * 1024 * 1024;

export type ParseResult = { ok: true; ast: File; typescript: boolean } | { ok: false; reason: string };

/** Whether the file name is one the rule engine reads. */
export function isSourceFile(path: string): boolean {
  return /\.(?:[cm]?[jt]s|[jt]sx)$/.test(path);
}

function pluginSets(path: string): ParserPlugin[][] {
  if (/\.[cm]?ts$/.test(path)) return [["typescript", "decorators-legacy"]];
  if (/\.tsx$/.test(path)) return [["typescript", "jsx", "decorators-legacy"]];
  if (/\.jsx$/.test(path)) return [["jsx"]];
  return [["jsx"], []];
}

export function parseSource(text: string, path: string): ParseResult {
  if (text.length > MAX_PARSED_FILE_BYTES) return { ok: false, reason: `larger than ${MAX_PARSED_FILE_BYTES / 1024 / 1024} MiB` };
  let reason = "";
  for (const plugins of pluginSets(path)) {
    try {
      const ast = babelParse(text, {
        sourceType: "unambiguous",
        allowReturnOutsideFunction: true,
        allowAwaitOutsideFunction: true,
        allowImportExportEverywhere: false,
        errorRecovery: false,
        plugins,
      });
      return { ok: true, ast, typescript: plugins.includes("typescript") };
    } catch (error) {
      reason ||= (error as Error).message.split("\n")[0] ?? "does not parse";
    }
  }
  return { ok: false, reason: `does not parse: ${reason}` };
}
