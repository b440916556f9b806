/**
 * What a frame of a CPU profile is: the person's own code, a library, the runtime, or one of V8's
 * pseudo-frames; and whether it is a file-system, network or database call. Pure: names and URLs
 * in, labels out. The patterns come from the frames Bun 1.4.5, Node 20 and Deno 2.9 actually write
 * (e.g. node `readFileUtf8` with no URL, deno `op_fs_read_file_sync`, bun `readFileSync` with no
 * URL; node `node:internal/...`, deno `ext:deno_node/...`).
 */
import { isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * - `app`: a file inside the project root, outside node_modules (or any file when no root is known)
 * - `library`: node_modules, remote modules, files outside the project
 * - `runtime`: the runtime's own code and natives (`node:…`, `ext:…`, no URL)
 * - `program`, `idle`, `gc`, `root`: V8's pseudo-frames `(program)`, `(idle)`,
 *   `(garbage collector)`, `(root)`; kept as categories, flagged in the hot lists.
 */
export type FrameCategory = "app" | "library" | "runtime" | "program" | "idle" | "gc" | "root";
export type IoKind = "fs" | "network" | "db";

const PSEUDO: Record<string, FrameCategory> = {
  "(program)": "program",
  "(idle)": "idle",
  "(garbage collector)": "gc",
  "(root)": "root",
};

/** The categories shown in hot lists but not the person's code to change. */
export const FLAGGED_CATEGORIES: ReadonlySet<FrameCategory> = new Set(["program", "idle", "gc", "root"]);

const BUN_STANDALONE = /^(?:\/\$bunfs\/|B:[\\/]~BUN[\\/])/;
/** A relative source path (no URL scheme), as a sourcemapped compiled binary writes. */
const RELATIVE_SOURCE = /^(?![a-z][\w+.-]*:)[^\s]+\.(?:[cm]?[jt]s|[jt]sx)$/;

/** A frame's file: a project-relative path when inside `projectRoot`, else the absolute path; null when not a file. */
export function framePath(url: string, projectRoot: string | null): { path: string | null; inProject: boolean } {
  let absolute: string | null = null;
  if (url.startsWith("file://")) {
    try {
      absolute = fileURLToPath(url);
    } catch {
      absolute = null;
    }
  } else if (BUN_STANDALONE.test(url)) {
    // Bundled code inside a `bun build --compile` binary (no sourcemap): the person's code, no project path.
    return { path: url, inProject: true };
  } else if (isAbsolute(url)) {
    absolute = url;
  } else if (projectRoot && RELATIVE_SOURCE.test(url)) {
    // A compiled binary built with --sourcemap names its sources relative to where it was built.
    absolute = resolve(projectRoot, url);
  }
  if (absolute === null) return { path: null, inProject: false };
  if (projectRoot) {
    const rel = relative(projectRoot, absolute);
    if (rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel)) return { path: rel.split(sep).join("/"), inProject: true };
  }
  return { path: absolute, inProject: false };
}

export function frameCategory(functionName: string, url: string, projectRoot: string | null): FrameCategory {
  const pseudo = PSEUDO[functionName];
  if (pseudo && url === "") return pseudo;
  if (/^https?:\/\//.test(url)) return "library";
  const { path, inProject } = framePath(url, projectRoot);
  if (path === null) return "runtime";
  if (/(^|\/)node_modules\//.test(path)) return "library";
  if (inProject || !projectRoot) return "app";
  return "library";
}

/**
 * Runtime frames that load modules, as Node 20, Deno 2.9 and Bun 1.4.5 write them: Node's loaders
 * (`node:internal/modules/…`: wrapSafe, Module._compile, compileSourceTextModule…), Deno's
 * (`node:module`, `compileFunction` and `op_compile_function`), Bun's `require` / `bound require`
 * natives, and V8's `compileFunction`.
 */
const MODULE_LOADING_URL = /^(?:node:internal\/modules\/|node:module$)/;
const MODULE_LOADING_NAMES = new Set(["wrapSafe", "compileFunction", "compileFunctionForCJSLoader", "op_compile_function", "compileSourceTextModule", "require", "bound require", "loadCjs", "requireESM", "loadCJSModule"]);

/** Whether a runtime frame is module loading (the caller checks that the frame is runtime code). */
export function isModuleLoadingFrame(functionName: string, url: string): boolean {
  return MODULE_LOADING_URL.test(url) || MODULE_LOADING_NAMES.has(functionName);
}

/** A module's top-level code: the anonymous function a runtime wraps a file in, on its first line. */
export function isModuleTopLevel(functionName: string, lineNumber: number): boolean {
  return functionName === "" && lineNumber <= 0;
}

const FS_URL = /^(?:node:fs|node:internal\/fs|node:internal\/fs\/|ext:deno_fs\/|ext:deno_node\/_fs\/|ext:deno_node\/internal\/fs\/|node:fs\/promises)/;
const FS_NATIVE = /^(?:op_fs_\w+|readFileUtf8|(?:readFile|writeFile|appendFile|read|write|append|open|close|stat|lstat|fstat|readdir|exists|access|mkdir|rmdir|rm|unlink|copyFile|rename|realpath|readlink|symlink|truncate|ftruncate|utimes|chmod|chown)(?:Sync|Utf8)?)$/;
const NET_URL = /^(?:node:(?:http|https|http2|net|tls|dns|dgram)\b|node:internal\/(?:http|http2|net|tls|dns|dgram|stream_base_commons)|node:internal\/deps\/undici|ext:deno_fetch\/|ext:deno_net\/|ext:deno_http\/|ext:deno_websocket\/|ext:deno_node\/(?:http|https|net|_tls|internal\/dns))/;
const NET_NATIVE = /^(?:fetch|op_fetch\w*|op_net_\w+|op_http_\w+|op_tls_\w+|op_dns_\w+)$/;
const NET_LIB = /\/node_modules\/(?:undici|axios|node-fetch|got|ky|superagent|@grpc\/grpc-js|ws)\//;
const DB_LIB = /\/node_modules\/(?:pg|pg-pool|pg-protocol|postgres|mysql|mysql2|sqlite3|better-sqlite3|@libsql\/[^/]+|redis|@redis\/[^/]+|ioredis|mongodb|mongoose|@prisma\/[^/]+|prisma|knex|sequelize|typeorm|drizzle-orm|kysely|tedious|oracledb|cassandra-driver|@planetscale\/[^/]+|@neondatabase\/[^/]+)\//;
const DB_URL = /^(?:bun:sqlite|ext:deno_kv\/|node:sqlite)/;

/** The kind of I/O a frame performs, from its URL or (for natives) its name; null when none is known. */
export function frameIoKind(functionName: string, url: string): IoKind | null {
  if (DB_URL.test(url) || DB_LIB.test(url)) return "db";
  if (NET_URL.test(url) || NET_LIB.test(url)) return "network";
  if (FS_URL.test(url)) return "fs";
  const native = url === "" || url.startsWith("node:") || url.startsWith("ext:") || url.startsWith("internal:");
  if (native && NET_NATIVE.test(functionName)) return "network";
  if (native && FS_NATIVE.test(functionName)) return "fs";
  return null;
}
