#!/usr/bin/env bash
# What confinement costs a measurement: direct spawn, the confined spawner and hyperfine on the
# same commands, paired by round (bench/confined/compare.ts). Takes a few minutes.
# Usage: bash bench/confined/run.sh   (env: RUNS=10 WARMUP=2 REPEATS=20 COMMANDS="true sleep loop")
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib.sh"
require_hyperfine N
[[ -x "$bun" ]] || { echo "missing $bun; run npm install first" >&2; exit 2; }
echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ), nproc $(nproc), bun $("$bun" --version), $(hyperfine --version), load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?)"
"$bun" "$here/compare.ts"
