#!/usr/bin/env bash
# How often perfloop's A/B verdict (src/profile/ab-sampler.ts) is wrong or right: trials of a ~20 ms
# shell loop against itself (false positive rate; goal <= 5%, aim <= 2%), against a copy with 5%
# more iterations (called "slower"), and the copy as baseline with the loop as candidate (a 5% gain,
# "kept"; detection goal >= 90%), with the runs per arm each verdict needed.
# Runs the 2% floor and the calibrated minimum effect, under Bun (and Deno). Takes several minutes.
# Usage: bash bench/verdicts/run.sh   (env: TRIALS=40 TRIALS_CALIBRATED=20 MODES="floor calibrated"
#                                            RUNTIMES="bun" KINDS=aa,slower,faster SLOWER_PCT=5 ITERATIONS=20000 MAX_RUNS=100)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib.sh"
root="$bench_root"
[[ -x "$bun" ]] || { echo "missing $bun; run npm install first" >&2; exit 2; }

trials="${TRIALS:-40}"
trials_calibrated="${TRIALS_CALIBRATED:-20}"
modes="${MODES:-floor calibrated}"
runtimes="${RUNTIMES:-bun}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
results="$here/results/$stamp"
mkdir -p "$results"
echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ), nproc $(nproc), bun $("$bun" --version), load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?)"

cd "$root"
for runtime in $runtimes; do
  for mode in $modes; do
    n="$trials"; [[ "$mode" == calibrated ]] && n="$trials_calibrated"
    args=(--trials "$n" --mode "$mode" --slower-pct "${SLOWER_PCT:-5}" --iterations "${ITERATIONS:-20000}"
      --max-runs "${MAX_RUNS:-100}" --kinds "${KINDS:-aa,slower,faster}" --out "$results/trials.jsonl")
    if [[ "$runtime" == deno ]]; then
      "$deno" run -A --no-check "$here/driver.ts" "${args[@]}" >>"$results/summaries.jsonl" 2>>"$results/progress.log"
    else
      "$bun" "$here/driver.ts" "${args[@]}" >>"$results/summaries.jsonl" 2>>"$results/progress.log"
    fi
    tail -n 3 "$results/progress.log"
  done
done
echo
"$bun" "$here/report.ts" "$results/summaries.jsonl" | tee "$results/report.md"
echo
echo "Raw data: $results (trials.jsonl: one line per trial)"
