import { statSync } from "node:fs";
import { UsageError } from "../errors.ts";

/** The project root must be an existing directory; anything else is bad input, named with its fix. */
export function requireProjectRoot(path: string): void {
  let ok = false;
  try {
    ok = statSync(path).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError(`project root not found: ${path}`, "run perfloop inside your repository, or pass --project-root <dir>");
}
