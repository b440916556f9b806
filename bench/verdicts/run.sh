#!/usr/bin/env bash
# How often perfloop's A/B verdict (src/profile/ab-sampler.ts) is wrong or right: trials of a ~20 ms
# shell loop against itself (false positive rate; goal <= 5%, aim <= 2%), against a copy with 5%
# more iterations (called "slower"), and the copy as baseline with the loop as candidate (a 5% gain,
# "kept"; detection goal >= 90%), with the runs per arm each verdict needed.
# Runs the 2% floor and the calibrated minimum effect, under Bun (and Deno). Takes several minutes.
# Usage: bash bench/verdicts/run.sh   (env: TRIALS=40 TRIALS_CALIBRATED=20 MODES="floor calibrated"
#                                            RUNTIMES="bun" KINDS=aa,slower,faster SLOWER_PCT=5 ITERATIONS=20000 MAX_RUNS=100
#                                            CPU_HOGS=0: that many `yes > /dev/null` run throughout, as load;
#                                            LOAD_BURSTS=1: each in random 0.1-0.9 s bursts instead;
#                                            CONFIRM=1: a change needs a confirming batch, see replay.ts)
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
hogs=()
stop_hogs() { [[ ${#hogs[@]} -eq 0 ]] || kill "${hogs[@]}" 2>/dev/null || true; }
trap stop_hogs EXIT
# LOAD_BURSTS=1: each hog runs in bursts instead, on and off for random 0.1-0.9 s spells (load steps).
burst() { while :; do timeout "0.$((RANDOM % 9 + 1))" yes >/dev/null; sleep "0.$((RANDOM % 9 + 1))"; done; }
for ((i = 0; i < ${CPU_HOGS:-0}; i++)); do
  if [[ ${LOAD_BURSTS:-0} == 1 ]]; then burst & else yes >/dev/null & fi
  hogs+=("$!")
done
[[ ${#hogs[@]} -eq 0 ]] || { echo "load: ${#hogs[@]} x yes > /dev/null$([[ ${LOAD_BURSTS:-0} == 1 ]] && echo ', in bursts')"; sleep 2; }
for runtime in $runtimes; do
  for mode in $modes; do
    n="$trials"; [[ "$mode" == calibrated ]] && n="$trials_calibrated"
    args=(--trials "$n" --mode "$mode" --slower-pct "${SLOWER_PCT:-5}" --iterations "${ITERATIONS:-20000}"
      --max-runs "${MAX_RUNS:-100}" --kinds "${KINDS:-aa,slower,faster}" --out "$results/trials.jsonl")
    [[ ${CONFIRM:-0} == 1 ]] && args+=(--confirm)
    if [[ "$runtime" == deno ]]; then
      "$deno" run -A --no-check "$here/driver.ts" "${args[@]}" >>"$results/summaries.jsonl" 2>>"$results/progress.log"
    else
      "$bun" "$here/driver.ts" "${args[@]}" >>"$results/summaries.jsonl" 2>>"$results/progress.log"
    fi
    tail -n 3 "$results/progress.log"
  done
done
stop_hogs
echo
"$bun" "$here/report.ts" "$results/summaries.jsonl" | tee "$results/report.md"
if [[ ${CONFIRM:-0} == 1 ]]; then
  echo
  "$bun" "$here/replay.ts" "$results/trials.jsonl" | tee "$results/replay.md"
fi
echo
echo "Raw data: $results (trials.jsonl: one line per trial)"
