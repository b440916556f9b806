#!/usr/bin/env bash
# perfloop's command sampler (src/profile/command-target.ts) against hyperfine on the same commands:
# `true`, `sleep 0.05`, a ~20 ms shell loop and a ~20 ms python3 loop. Prints the medians, their
# ratio (goal: within 2%) and the overhead per run, the median of `true` (goal: perfloop's at most
# hyperfine's + 1 ms). Takes a few minutes.
# Usage: bash bench/vs-hyperfine/run.sh     (env: RUNS=10 WARMUP=2 REPEATS=30 RUNTIMES="binary bun deno"
#        COMMANDS="true sleep loop python")
# "binary" is dist/perfloop profile, built first; bun and deno run the sampler from source.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib.sh"
root="$bench_root"

require_hyperfine N
[[ -x "$bun" ]] || { echo "missing $bun; run npm install first" >&2; exit 2; }

"$bun" "$root/scripts/build.ts" >/dev/null

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
results="$here/results/$stamp"
mkdir -p "$results"
echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ), nproc $(nproc), bun $("$bun" --version), $(hyperfine --version), load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?)"
"$bun" "$here/compare.ts" "$results"
echo
echo "Raw data: $results"
