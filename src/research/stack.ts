/**
 * What a project is built with, from the files at its root: recorded by the preflight
 * (RunOptions.stack) and read by the knobs (knobs.ts) and the context.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

/** What the project is built with, from the files at its root. */
export function detectStack(dir: string): string[] {
  const marks: [string, string][] = [
    ["package.json", "node"],
    ["bun.lock", "bun"],
    ["bun.lockb", "bun"],
    ["deno.json", "deno"],
    ["deno.jsonc", "deno"],
    ["tsconfig.json", "typescript"],
    ["pyproject.toml", "python"],
    ["requirements.txt", "python"],
    ["go.mod", "go"],
    ["Cargo.toml", "rust"],
    ["pom.xml", "java"],
    ["build.gradle", "java"],
    ["Gemfile", "ruby"],
    ["composer.json", "php"],
    ["CMakeLists.txt", "c/c++"],
    ["Makefile", "make"],
  ];
  return [...new Set(marks.filter(([file]) => existsSync(join(dir, file))).map(([, name]) => name))];
}
