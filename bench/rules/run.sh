#!/usr/bin/env bash
# The built-in rules end to end (docs/benchmarks.md, "Built-in rules"): a fresh repository made
# from a project perfloop was not written for (tests/fixtures/rules-project, or PROJECT=<dir>, a
# directory with a bench command and its tests), `perfloop run "<cmd>" --yes` with no hypotheses
# file and no agent, then hyperfine between the base commit and the kept branch (each written out
# with git archive), side by side, and the rule engine's time as a share of the whole run.
# Usage: bash bench/rules/run.sh   (env: PROJECT, CMD="node bench.js", BIN=dist/perfloop, RUNS=15)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib.sh"
require_hyperfine
bin="${BIN:-$bench_root/dist/perfloop}"
[[ -x "$bin" ]] || { echo "missing $bin; run npm run build first" >&2; exit 2; }
project="${PROJECT:-$bench_root/tests/fixtures/rules-project}"
cmd="${CMD:-node bench.js}"
runs="${RUNS:-15}"
work="$(mktemp -d "${TMPDIR:-/tmp}/perfloop-rules-bench-XXXXXX")"
trap 'rm -rf "$work"' EXIT
repo="$work/repo"
cp -r "$project" "$repo"
git -C "$repo" init -q -b main
git -C "$repo" add -A
git -C "$repo" -c user.name=bench -c user.email=bench@example.invalid commit -qm base
echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ), nproc $(nproc), $("$bin" --version), load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?)"
start=$(date +%s%N)
(cd "$repo" && "$bin" run "$cmd" --yes --json >"$work/report.json" 2>"$work/stderr") || { tail -20 "$work/stderr"; exit 1; }
run_ms=$(( ($(date +%s%N) - start) / 1000000 ))
branch=$("$bun" -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(r.branch ?? "")' "$work/report.json")
[[ -n "$branch" ]] || { echo "nothing was kept"; exit 1; }
mkdir -p "$work/base" "$work/kept"
git -C "$repo" archive main | tar -x -C "$work/base"
git -C "$repo" archive "$branch" | tar -x -C "$work/kept"
"$bun" -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
for (const c of r.cycles) console.log(`cycle ${c.cycle}: kept ${c.kept.map((k) => `${k.id} (${k.origin})`).join(", ") || "nothing"}; removed ${c.removed.map((k) => k.id).join(", ") || "nothing"}`);
console.log(`perfloop says: ${r.improvement_pct?.toFixed(1)}% less ${r.target_kind === "command" ? "wall time" : "time"}, ${r.multiplier?.toFixed(2)}x (${r.measurement})`);
' "$work/report.json"
(cd "$work" && hyperfine -N --warmup 2 --runs "$runs" --export-json "$work/hyperfine.json" -n base "bash -c 'cd base && $cmd'" -n kept "bash -c 'cd kept && $cmd'" >/dev/null)
"$bun" -e '
const h = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
const [base, kept] = h;
const ms = (s) => (s * 1000).toFixed(1);
console.log(`hyperfine (median of ${base.times.length}): base ${ms(base.median)} ms, kept ${ms(kept.median)} ms: ${(base.median / kept.median).toFixed(2)}x faster`);
' "$work/hyperfine.json"
engine_ms=$(find "$repo/.hex-skills" -name '*.json' -path '*optimization-research*' -exec cat {} + 2>/dev/null | grep -oE '"rules_elapsed_ms": *[0-9.]+' | cut -d: -f2 | tr -d ' ' | paste -sd+ | bc 2>/dev/null || echo "")
echo "whole run: $run_ms ms${engine_ms:+; rule engine: $engine_ms ms in all cycles ($(echo "scale=3; 100 * $engine_ms / $run_ms" | bc)% of the run)}"
