#!/usr/bin/env bash
# Startup benchmark: dist/perfloop against a hello-world binary compiled with the same
# `bun build` flags as scripts/build.ts. Prints medians and ratios vs hello (goal: <= 4x).
# Usage: bash bench/startup/run.sh          (env: RUNS=40 WARMUP=5 REBUILD=1 to rebuild dist/perfloop)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib.sh"
root="$bench_root"
perfloop="$root/dist/perfloop"
results="$here/results"
runs="${RUNS:-40}"
warmup="${WARMUP:-5}"

require_hyperfine
if (( runs < 30 )); then
  echo "RUNS must be at least 30 (got $runs)" >&2
  exit 2
fi
[[ -x "$bun" ]] || { echo "missing $bun; run npm install first" >&2; exit 2; }

cd "$root"
if [[ ! -x "$perfloop" || -n "${REBUILD:-}" ]]; then
  echo "== building dist/perfloop"
  "$bun" scripts/build.ts
fi

# The bun build flags, read from the args array in scripts/build.ts (every "--..." literal
# except --outfile, which takes our own path below).
mapfile -t flags < <(
  sed -n '/const args = \[/,/\];/p' scripts/build.ts \
    | grep -oE '"--[^"]*"' | tr -d '"' | grep -vx -- '--outfile'
)
if (( ${#flags[@]} == 0 )); then
  echo "could not read the bun build flags from scripts/build.ts" >&2
  exit 1
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/perfloop-startup.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "== compiling hello.ts with: bun build ${flags[*]}"
"$bun" build "${flags[@]}" "$here/hello.ts" --outfile "$tmp/hello" >/dev/null
[[ "$("$tmp/hello")" == "hello" ]] || { echo "hello binary did not print hello" >&2; exit 1; }

# A project with one started runtime run, for `runtime status`.
project="$tmp/project"
mkdir -p "$project"
printf '%s\n' '{"target":"bench","cycle_config":{"max_cycles":3,"plateau_threshold":5}}' >"$tmp/manifest.json"
"$perfloop" runtime start --slug bench --manifest-file "$tmp/manifest.json" --project-root "$project" >/dev/null
"$perfloop" runtime status --project-root "$project" --slug bench >/dev/null

mkdir -p "$results"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
json="$results/startup-$stamp.json"

# -N (no intermediate shell) was added in hyperfine 1.13; fall back to a shell if it is missing.
shell_opt=(-N)
if ! hyperfine --help 2>/dev/null | grep -q -- '--shell=none'; then
  echo "note: this hyperfine has no -N; timing through a shell (hyperfine subtracts its cost)" >&2
  shell_opt=()
fi

# hyperfine runs all of one command's runs before the next, so a shared machine's load can drift
# between rows: hello is timed again last, and its ratio to the first hello shows that drift.
echo "== hyperfine: $warmup warmup + $runs runs per command"
hyperfine "${shell_opt[@]}" --warmup "$warmup" --runs "$runs" --export-json "$json" \
  --command-name hello "$tmp/hello" \
  --command-name "perfloop --version" "$perfloop --version" \
  --command-name "perfloop runtime status" "$perfloop runtime status --project-root $project --slug bench" \
  --command-name "hello (again)" "$tmp/hello"

cp "$json" "$results/latest.json"
echo
"$bun" "$here/report.ts" "$json"
dirty=""; [[ -n "$(git status --porcelain -- src 2>/dev/null)" ]] && dirty=" (src/ has uncommitted changes)"
echo "Measured dist/perfloop: $(du -m "$perfloop" | cut -f1) MiB, built $(date -u -r "$perfloop" +%Y-%m-%dT%H:%M:%SZ); HEAD $(git rev-parse --short HEAD)$dirty."
