#!/usr/bin/env bash
# perfloop's own overhead in a whole `perfloop demo` run: the time spent outside the person's
# commands (git work, statistics, checkpoints, reports, start-up) as a share of the total. The
# time in commands is the run's own accounting (every child process's wall time added up); the
# total is the wall time of the whole `perfloop demo` process, measured here from outside.
# Goal: under 5%. Prints one row per repeat and the medians.
# Usage: bash bench/run-overhead/run.sh      (env: REPEATS=5, BIN=dist/perfloop)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib.sh"
bin="${BIN:-$bench_root/dist/perfloop}"
[[ -x "$bin" ]] || { echo "missing $bin; run npm run build first" >&2; exit 2; }
repeats="${REPEATS:-5}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
results="$here/results/$stamp"
mkdir -p "$results"
echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ), nproc $(nproc), $("$bin" --version), load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?)"
for i in $(seq 1 "$repeats"); do
  dir="$(mktemp -d "${TMPDIR:-/tmp}/perfloop-overhead-XXXXXX")/demo"
  start=$(date +%s%N)
  "$bin" demo --dir "$dir" --json >"$results/demo-$i.json" 2>/dev/null
  echo $(( ($(date +%s%N) - start) / 1000 )) >"$results/demo-$i.wall-us"
  rm -rf "$(dirname "$dir")"
done
"$bench_root/node_modules/.bin/bun" "$here/report.ts" "$results"
