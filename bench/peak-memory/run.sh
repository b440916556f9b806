#!/usr/bin/env bash
# perfloop's peak memory (`memory_peak_mb` of `perfloop profile`, dist/perfloop) against GNU time's
# maximum resident set size (`/usr/bin/time -f %M sh -c CMD`, the same process tree) on commands
# from 1.5 MiB to 2 GB: python3 allocating 2 MB, 30 MB, 300 MB and 2 GB, `sleep 0.1` and `true`.
# Prints both medians side by side with their ratio, how many of perfloop's runs had a peak, and
# the median wall time of `true` over 50 runs (the cost of a measured run). Goals
# (docs/measurement.md, Peak memory): within 15% for 30 MB, within 1 MiB for sleep 0.1.
# Usage: bash bench/peak-memory/run.sh     (env: RUNS=5 BIG=1: BIG=0 leaves out the 2 GB command)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib.sh"
root="$bench_root"
runs="${RUNS:-5}"

[[ -x "$bun" ]] || { echo "missing $bun; run npm install first" >&2; exit 2; }
[[ -x /usr/bin/time ]] && /usr/bin/time -f %M true >/dev/null 2>&1 || { echo "GNU time not found at /usr/bin/time; install it with: apt-get install -y time" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 not found" >&2; exit 2; }

"$bun" "$root/scripts/build.ts" >/dev/null
perfloop="$root/dist/perfloop"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git -C "$work" init -q

commands=("python3 -c 'x = bytearray(2_000_000)'" "python3 -c 'x = bytearray(30_000_000)'" "python3 -c 'x = bytearray(300_000_000)'")
[[ "${BIG:-1}" == 1 ]] && commands+=("python3 -c 'x = bytearray(2_000_000_000)'")
commands+=("sleep 0.1" "true")

# Median of the numbers on stdin, one a line.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# Reads perfloop's JSON on stdin; prints "<median MiB or -> <runs with a peak>/<runs> <median wall ms>".
summary() {
  "$bun" -e '
    const report = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
    const m = report.measurement;
    const measured = m.samples.filter((s) => !s.warmup);
    const known = measured.filter((s) => s.memory_peak_mb !== null).length;
    console.log(`${m.metrics.memory_peak_mb?.median ?? "-"} ${known}/${measured.length} ${m.metrics.wall_time_ms.median}`);'
}

echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ), nproc $(nproc), $(uname -sm), $("$perfloop" --version 2>/dev/null | head -1), load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %14s %14s %8s %10s\n' command "perfloop MiB" "GNU time MiB" ratio "runs known"
for cmd in "${commands[@]}"; do
  read -r ours known _ < <(cd "$work" && "$perfloop" profile "$cmd" --runs "$runs" --skip-tests --no-cpu-profile --json 2>/dev/null | summary)
  theirs="$(for _ in $(seq "$runs"); do (cd "$work" && /usr/bin/time -f %M sh -c "$cmd" 2>&1 >/dev/null | tail -1); done | median)"
  theirs_mib="$(awk -v k="$theirs" 'BEGIN { printf "%.2f", k / 1024 }')"
  if [[ "$ours" == "-" ]]; then ratio="-"; else ratio="$(awk -v a="$ours" -v b="$theirs_mib" 'BEGIN { printf "%.3f", a / b }')"; ours="$(printf '%.2f' "$ours")"; fi
  printf '%-44s %14s %14s %8s %10s\n' "$cmd" "$ours" "$theirs_mib" "$ratio" "$known"
done
read -r _ _ wall < <(cd "$work" && "$perfloop" profile true --runs 50 --skip-tests --no-cpu-profile --json 2>/dev/null | summary)
echo "true, 50 runs: median wall $(printf '%.3f' "$wall") ms per measured run"
