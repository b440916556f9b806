/**
 * The person's target string, parsed into one typed form (TargetSpec):
 *   fn:<file>#<export>      a JS/TS function, benchmarked in process (args from --args '<json>')
 *   http://… or https://…   an endpoint, a bounded number of requests
 *   anything else           a shell command, run as given
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import * as v from "valibot";
import { UsageError } from "../errors.ts";
import { safe } from "../runtime/paths.ts";
import { boundedSlug } from "../runtime/slug.ts";
import type { TargetSpec } from "./types.ts";

export const DEFAULT_REQUESTS = 200;
export const DEFAULT_CONCURRENCY = 4;
/** Upper bound on requests perfloop will send in one endpoint profile (it never floods a service). */
export const MAX_REQUESTS = 100_000;
/** Derived slugs stay shorter than the slug limit (64): they are read in branch names and paths. */
const SLUG_MAX = 48;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export interface TargetOptions {
  projectRoot: string;
  args?: string;
  requests?: number;
  concurrency?: number;
  method?: string;
  /** Endpoints: the request body (a GET or HEAD has none). */
  body?: string;
}

function parseArgs(raw: string | undefined): unknown[] {
  if (raw === undefined) return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new UsageError(`--args is not valid JSON: ${(error as Error).message}`, `pass a JSON array of arguments, e.g. --args '["input.txt", 3]'`);
  }
  return Array.isArray(value) ? value : [value];
}

const PositiveInt = (flag: string, max: number) =>
  v.pipe(
    v.number(`${flag} must be a number`),
    v.integer(`${flag} must be a whole number`),
    v.minValue(1, `${flag} must be at least 1`),
    v.maxValue(max, `${flag} must be at most ${max}`),
  );

function positive(flag: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const parsed = v.safeParse(PositiveInt(flag, max), value);
  if (!parsed.success) throw new UsageError(`${parsed.issues[0]!.message} (got ${value})`, `e.g. ${flag} ${fallback}`);
  return parsed.output;
}

export function parseTarget(raw: string, options: TargetOptions): TargetSpec {
  const target = raw.trim();
  if (!target) throw new UsageError("the target is empty", 'pass a command in quotes, fn:<file>#<export>, or an http(s):// URL, e.g. perfloop profile "npm run build"');
  if (target.startsWith("fn:")) {
    const body = target.slice(3);
    const hash = body.lastIndexOf("#");
    if (hash <= 0 || hash === body.length - 1) {
      throw new UsageError(`function target ${JSON.stringify(target)} needs a file and an export`, "write it as fn:<file>#<export>, e.g. fn:src/parse.ts#parse");
    }
    const file = body.slice(0, hash);
    const exportName = body.slice(hash + 1);
    if (!IDENTIFIER.test(exportName)) {
      throw new UsageError(`${JSON.stringify(exportName)} is not an export name`, "write it as fn:<file>#<export>, e.g. fn:src/parse.ts#parse");
    }
    const path = isAbsolute(file) ? file : resolve(options.projectRoot, file);
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new UsageError(`function target file not found: ${path}`, "give the path relative to the project root (--project-root)");
    }
    return { kind: "function", file: path, export_name: exportName, args: parseArgs(options.args) };
  }
  if (/^https?:\/\//i.test(target)) {
    if (options.args !== undefined) throw new UsageError("--args applies to fn:<file>#<export> targets only", "remove --args: an endpoint's request is --method and --body");
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new UsageError(`not a valid URL: ${target}`, "e.g. http://127.0.0.1:3000/health");
    }
    const method = (options.method ?? "GET").toUpperCase();
    if (!/^[A-Z]+$/.test(method)) throw new UsageError(`not an HTTP method: ${options.method}`, "e.g. --method POST");
    if (options.body !== undefined && (method === "GET" || method === "HEAD")) throw new UsageError(`a ${method} request cannot have a body`, "use --method POST (or PUT, PATCH) to send --body");
    return {
      kind: "endpoint",
      url: url.toString(),
      method,
      requests: positive("--requests", options.requests, DEFAULT_REQUESTS, MAX_REQUESTS),
      concurrency: positive("--concurrency", options.concurrency, DEFAULT_CONCURRENCY, 1_000),
      ...(options.body === undefined ? {} : { body: options.body }),
    };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    throw new UsageError(`unknown target form: ${target}`, "perfloop measures a shell command, fn:<file>#<export>, or an http(s):// URL");
  }
  if (options.args !== undefined) throw new UsageError("--args applies to fn:<file>#<export> targets only", "remove --args, or target a function");
  return { kind: "command", command: target };
}

/**
 * A slug for a target when the person gives none: short, readable, filesystem-safe; a long one is
 * cut with a hash of the whole, so targets that differ only late still get their own.
 */
export function slugFromTarget(target: TargetSpec): string {
  let base: string;
  switch (target.kind) {
    case "function":
      base = `fn-${target.file.split("/").pop()?.replace(/\.[^.]+$/, "")}-${target.export_name}`;
      break;
    case "endpoint": {
      const url = new URL(target.url);
      base = `${url.hostname}${url.port ? `-${url.port}` : ""}${url.pathname}`;
      break;
    }
    default:
      base = target.command.split(/\s+/).slice(0, 4).join("-");
  }
  return boundedSlug(safe(base).replace(/-+/g, "-"), SLUG_MAX);
}

/** A one-line description of the target for people. */
export function describeTarget(target: TargetSpec): string {
  switch (target.kind) {
    case "function":
      return `function ${target.export_name} in ${target.file}`;
    case "endpoint":
      return `${target.method} ${target.url} (${target.requests} requests, ${target.concurrency} at a time)`;
    default:
      return `command: ${target.command}`;
  }
}
