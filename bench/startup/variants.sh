#!/usr/bin/env bash
# Where does perfloop's startup go? Compiles small variants with the same bun build flags as
# scripts/build.ts into bench/startup/results/variants/ (git-ignored) and times them interleaved
# against hello (interleave.ts). src/ is never touched: the perfloop variants are patched copies.
# Usage: bash bench/startup/variants.sh
#   env: ROUNDS=80; REF=HEAD (the commit whose src/ is copied; REF=worktree copies the working
#        tree as it is now); KEEP=1 keeps the ~105 MiB binaries in results/variants/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib.sh"
root="$bench_root"
out="$here/results/variants"
rounds="${ROUNDS:-80}"
ref="${REF:-HEAD}"
cd "$root"

mapfile -t flags < <(
  sed -n '/const args = \[/,/\];/p' scripts/build.ts | grep -oE '"--[^"]*"' | tr -d '"' | grep -vx -- '--outfile'
)
(( ${#flags[@]} > 0 )) || { echo "could not read the bun build flags from scripts/build.ts" >&2; exit 1; }
rm -rf "$out" && mkdir -p "$out"
compile() { "$bun" build "${flags[@]}" "$1" --outfile "$2" >/dev/null; }

# 1. One import (or one touch of a runtime object) each.
declare -A micro=(
  [hello]='console.log("hello");'
  [node-path]='import { join } from "node:path"; console.log(join("a", "b"));'
  [node-fs]='import { writeSync } from "node:fs"; writeSync(1, "hello\n");'
  [node-tty]='import { isatty } from "node:tty"; console.log(isatty(1));'
  [node-crypto]='import { randomUUID } from "node:crypto"; console.log(randomUUID().length);'
  [web-crypto]='console.log(globalThis.crypto.randomUUID().length);'
  [process-stdout]='import process from "node:process"; process.stdout.write("hello\n");'
  [fs+process-stdout]='import "node:fs"; import process from "node:process"; process.stdout.write("hello\n");'
  [node-events]='import { once } from "node:events"; console.log(typeof once);'
  [node-stream]='import { Readable } from "node:stream"; console.log(typeof Readable);'
  [node-child_process]='import { spawn } from "node:child_process"; console.log(typeof spawn);'
  [cac+valibot]='import { cac } from "cac"; import * as v from "valibot"; console.log(typeof cac, typeof v);'
)
for name in "${!micro[@]}"; do
  printf '%s\n' "${micro[$name]}" >"$out/$name.ts"
  compile "$out/$name.ts" "$out/bin-$name"
done

# 2. perfloop from a copy of src/ (at $ref), as is and patched.
copy() {
  mkdir -p "$out/$1"
  if [[ "$ref" == worktree ]]; then cp -r src package.json "$out/$1/"
  else git archive "$ref" src package.json | tar -x -C "$out/$1"; fi
}
# Each patch is a measurement, not a proposed diff: it removes one startup cost from a copy and
# fails (the variant is skipped) when src/ no longer has the code it targets.
patch_lazy_stdio() { # platform: no process.stdin/stdout streams unless a TTY check asks; write with fs.writeSync
  local f="$1/src/platform/common.ts"
  grep -q 'process\.stdout\.write(text)' "$f" || return 1
  sed -i '1a import { writeSync } from "node:fs";' "$f"
  sed -i 's/^\( *\)interactive: \(Boolean(process.stdin.isTTY && process.stdout.isTTY)\),/\1get interactive() { return \2; },/; s/^\( *\)stdoutIsTTY: \(Boolean(process.stdout.isTTY)\),/\1get stdoutIsTTY() { return \2; },/; s/process\.stdout\.write(text)/writeSync(1, text)/; s/process\.stderr\.write(text)/writeSync(2, text)/' "$f"
  grep -q 'get stdoutIsTTY' "$f" && ! grep -q 'stdoutIsTTY: Boolean\|interactive: Boolean' "$f"
}
patch_web_crypto() { # runtime/paths.ts: globalThis.crypto.randomUUID instead of node:crypto
  local f="$1/src/runtime/paths.ts"
  grep -q '^import { randomUUID } from "node:crypto";$' "$f" || return 1
  sed -i 's/^import { randomUUID } from "node:crypto";$/const randomUUID = () => globalThis.crypto.randomUUID();/' "$f"
}
patch_no_node_crypto_hash() { # runtime/summary.ts: Bun.CryptoHasher instead of node:crypto createHash (Bun-only)
  local f="$1/src/runtime/summary.ts"
  grep -q '^import { createHash } from "node:crypto";$' "$f" 2>/dev/null || return 1
  sed -i 's/^import { createHash } from "node:crypto";$/const createHash = (alg: string) => new Bun.CryptoHasher(alg as "sha256");/' "$f"
}
patch_no_spawn_node() { # platform/index.ts: drop the Node-only spawn (node:child_process, events, stream) from a Bun binary
  local f="$1/src/platform/index.ts"
  grep -q '^import { nodeSpawn } from "./spawn-node.ts";$' "$f" 2>/dev/null || return 1
  sed -i 's#^import { nodeSpawn } from "./spawn-node.ts";$#const nodeSpawn = ((): never => { throw new Error("stub"); }) as unknown as typeof import("./spawn-node.ts").nodeSpawn;#' "$f"
}
patches=(lazy_stdio web_crypto no_node_crypto_hash no_spawn_node)
variants=(as-is)
copy as-is
# Evaluate every module of the CLI and use one export (a bare side-effect import gets tree-shaken
# away), but run no command.
printf 'import { buildApp } from "./src/cli/app.ts";\nconsole.log(typeof buildApp);\n' >"$out/as-is/modules-only.ts"
compile "$out/as-is/modules-only.ts" "$out/bin-modules-only"
applied=()
copy all-patches
for p in "${patches[@]}"; do
  name="${p//_/-}"
  copy "$name"
  if "patch_$p" "$out/$name"; then
    variants+=("$name")
    "patch_$p" "$out/all-patches" && applied+=("$name")
  else
    echo "note: patch $name does not apply to src at $ref; skipped" >&2
  fi
done
(( ${#applied[@]} > 1 )) && variants+=(all-patches)
echo "all-patches = ${applied[*]}"
for v in "${variants[@]}"; do compile "$out/$v/src/main.ts" "$out/bin-perfloop-$v"; done

# Just the node: builtins that perfloop's bundle imports, nothing else.
"$bun" build --format=esm --target=bun "$out/as-is/src/main.ts" --outfile "$out/as-is/bundle.js" >/dev/null
mapfile -t builtins < <(grep -oE '^import .* from "(node:)?[a-z_/]+";' "$out/as-is/bundle.js" | grep -oE '"[^"]+"' | tr -d '"' | sed 's/^node://' | sort -u)
{
  for i in "${!builtins[@]}"; do echo "import * as m$i from \"node:${builtins[$i]}\";"; done
  printf 'console.log([%s].map((m) => typeof m).join(" "));\n' "$(for i in "${!builtins[@]}"; do printf 'm%s,' "$i"; done)"
} >"$out/builtins-only.ts"
compile "$out/builtins-only.ts" "$out/bin-builtins-only"
echo "builtins-only imports: ${builtins[*]}"

# A project with a started run, for `runtime status`.
project="$out/project"
mkdir -p "$project"
printf '%s\n' '{"target":"bench","cycle_config":{"max_cycles":3,"plateau_threshold":5}}' >"$out/manifest.json"
"$out/bin-perfloop-as-is" runtime start --slug bench --manifest-file "$out/manifest.json" --project-root "$project" >/dev/null

args=("hello=$out/bin-hello")
for name in node-path node-fs node-tty node-crypto web-crypto node-events node-stream node-child_process process-stdout fs+process-stdout cac+valibot builtins-only modules-only; do
  args+=("$name=$out/bin-$name")
done
for v in "${variants[@]}"; do
  args+=("$v --version=$out/bin-perfloop-$v --version")
  args+=("$v status=$out/bin-perfloop-$v runtime status --project-root $project --slug bench")
done
echo "== src at $ref ($(git rev-parse --short HEAD)); bun build ${flags[*]}; $rounds interleaved rounds; nproc $(nproc); Bun $("$bun" --version)"
"$bun" "$here/interleave.ts" "$rounds" "${args[@]}"
# The binaries are ~105 MiB each; keep them only when asked (KEEP=1).
[[ -n "${KEEP:-}" ]] || rm -f "$out"/bin-*
