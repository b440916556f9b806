/**
 * Builds the standalone binary dist/perfloop with `bun build --compile`.
 * --bytecode needs --format=esm (FACTS.md); --minify shortens the bundle's parse time a little.
 * --compile-autoload-package-json lets a person's module that the binary imports (a function
 * target) resolve bare imports from its own project's node_modules; startup is unchanged
 * (`--version`, median of 30: ~10 ms with or without it).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const outfile = join(root, "dist", "perfloop");
mkdirSync(join(root, "dist"), { recursive: true });

const args = [
  "build",
  "--compile",
  // Code splitting keeps what `import()` loads (profile, execute, isomorphic-git, mitata...) out of
  // the entry chunk: about 4 ms less at every start (bench/startup, docs/benchmarks.md).
  "--splitting",
  "--bytecode",
  "--format=esm",
  "--minify",
  "--sourcemap=none",
  "--compile-autoload-package-json",
  // A person's .env or bunfig.toml in the directory perfloop runs in must not change perfloop itself.
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
  join(root, "src", "main.ts"),
  "--outfile",
  outfile,
];
const bun = process.execPath;
const result = spawnSync(bun, args, { cwd: root, stdio: "inherit" });
if (result.status !== 0) {
  console.error(`build failed: ${bun} ${args.join(" ")}`);
  process.exit(result.status ?? 1);
}
const size = statSync(outfile).size / (1024 * 1024);
console.log(`built ${outfile} (${size.toFixed(1)} MiB)`);
