import { resolve } from "node:path";
import * as v from "valibot";
import { UsageError } from "../errors.ts";
import type { Platform } from "../platform/index.ts";
import { parseSlug } from "../runtime/slug.ts";
import { Output, colorEnabled } from "../ui/output.ts";
import { rawOption } from "./raw-args.ts";

/** The global flags every command takes, typed. */
export const GlobalOptionsSchema = v.object({
  json: v.optional(v.boolean(), false),
  yes: v.optional(v.boolean(), false),
  color: v.optional(v.boolean(), true),
  projectRoot: v.optional(v.string()),
  slug: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1, "--slug needs a value"))),
});

export interface CommandContext {
  platform: Platform;
  output: Output;
  json: boolean;
  yes: boolean;
  projectRoot: string;
  slug: string | undefined;
}

/**
 * Builds the context a command runs in from cac's options and the raw argument list. `--slug`
 * follows the slug rules of src/runtime/slug.ts (refused, with its cleaned form, otherwise).
 */
export function commandContext(platform: Platform, options: Record<string, unknown>): CommandContext {
  const parsed = v.safeParse(GlobalOptionsSchema, {
    json: Boolean(options.json),
    yes: Boolean(options.yes),
    color: options.color !== false,
    projectRoot: rawOption(platform.args, "project-root"),
    slug: rawOption(platform.args, "slug"),
  });
  if (!parsed.success) throw new UsageError(parsed.issues[0]!.message, "see perfloop --help");
  const { json, yes, color, projectRoot } = parsed.output;
  const slug = parsed.output.slug === undefined ? undefined : parseSlug(parsed.output.slug);
  const useColor = colorEnabled(color, platform.env, platform.stdoutIsTTY);
  return {
    platform,
    output: new Output(platform, { json, color: useColor }),
    json,
    yes,
    projectRoot: resolve(platform.cwd, projectRoot ?? "."),
    slug,
  };
}
