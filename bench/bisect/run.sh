#!/usr/bin/env bash
# perfloop bisect against `git bisect run` with a hyperfine-threshold script, on the same generated
# history (docs/bisect.md, "Against git bisect run"): N commits after a good one, the command
# `sh work.sh` sleeping FAST seconds up to commit AT and SLOW seconds from it on (WORK=cpu: a shell
# loop of FAST, then SLOW iterations, default 20000 and 100000). Each repeat makes a fresh history
# and runs both, side by side:
#   - perfloop: dist/perfloop bisect --good <first> --bad HEAD "sh work.sh" --json (its defaults);
#   - git: in a throwaway clone, hyperfine measures good and bad once to set the threshold (their
#     geometric midpoint, the same line perfloop's probes are judged against), then
#     `git bisect run check.sh`, where check.sh runs hyperfine (--runs RUNS --warmup 1) at each
#     commit and exits 1 (bad) when the mean is above the threshold, 0 otherwise.
# Prints, per tool and repeat: the commits probed (judged between the ends; both tools also measure
# the ends: perfloop in every probe, git once with hyperfine to set its threshold), the wall time,
# and whether the answer is the commit AT; then the medians. LOAD=k starts k CPU hogs (busy shell
# loops) LOAD_AFTER seconds after each tool starts, until it ends: a machine that gets busy in the
# middle, after git's threshold was set (use it with WORK=cpu: a sleep does not feel it).
# Without hyperfine (apt-get install -y hyperfine) the git side is skipped, with a message.
# Usage: bash bench/bisect/run.sh     (env: N=64 AT=41 WORK=sleep FAST=0.05 SLOW=0.25 REPEATS=3 RUNS=10
#        LOAD=0 LOAD_AFTER=10 BIN=dist/perfloop)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib.sh"
root="$bench_root"
N=${N:-64}
AT=${AT:-41}
WORK=${WORK:-sleep}
case $WORK in
  sleep) FAST=${FAST:-0.05}; SLOW=${SLOW:-0.25} ;;
  cpu) FAST=${FAST:-20000}; SLOW=${SLOW:-100000} ;;
  *) echo "WORK must be sleep or cpu (got $WORK)" >&2; exit 2 ;;
esac
REPEATS=${REPEATS:-3}
RUNS=${RUNS:-10}
LOAD=${LOAD:-0}
LOAD_AFTER=${LOAD_AFTER:-10}
BIN=${BIN:-$root/dist/perfloop}

[[ -x "$bun" ]] || { echo "missing $bun; run npm install first" >&2; exit 2; }
if [[ $BIN == "$root/dist/perfloop" ]]; then "$bun" "$root/scripts/build.ts" >/dev/null; fi
(( AT >= 1 && AT <= N )) || { echo "AT must be within 1..N (got AT=$AT, N=$N)" >&2; exit 2; }
have_hyperfine=1
if ! command -v hyperfine >/dev/null 2>&1; then
  have_hyperfine=0
  echo "hyperfine not found: the git bisect run side is skipped (install it with: apt-get install -y hyperfine)" >&2
fi

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
results="$here/results/$stamp"
mkdir -p "$results"
work="$(mktemp -d)"
hog_starter=""
# LOAD hogs, LOAD_AFTER seconds from now; their pids go to $work/hogs.
hogs_start() {
  (( LOAD > 0 )) || return 0
  : > "$work/hogs"
  (
    sleep "$LOAD_AFTER"
    for ((j = 0; j < LOAD; j++)); do
      (while :; do :; done) &
      echo $! >> "$work/hogs"
    done
    wait
  ) &
  hog_starter=$!
}
hogs_stop() {
  [[ -n $hog_starter ]] || return 0
  kill "$hog_starter" 2>/dev/null || true
  while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$work/hogs"
  hog_starter=""
}
cleanup() {
  hogs_stop
  rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# A history of N commits after `base` (one git fast-import): commit i's work is FAST before AT, SLOW from AT on.
make_history() {
  local dir=$1 i delay msg script
  script=$'#!/bin/sh\nsleep "$(cat delay)"'
  [[ $WORK == cpu ]] && script=$'#!/bin/sh\nn=$(cat delay); i=0\nwhile [ $i -lt $n ]; do i=$((i + 1)); done'
  git init -q -b main "$dir"
  {
    for ((i = 0; i <= N; i++)); do
      delay=$FAST
      (( i >= AT )) && delay=$SLOW
      msg="change $i"
      (( i == 0 )) && msg="base"
      printf 'commit refs/heads/main\nmark :%d\nauthor b <b@b> %d +0000\ncommitter b <b@b> %d +0000\ndata %d\n%s\n' $((i + 1)) $((1700000000 + i)) $((1700000000 + i)) ${#msg} "$msg"
      (( i > 0 )) && printf 'from :%d\n' "$i"
      if (( i == 0 )); then printf 'M 100644 inline work.sh\ndata %d\n%s\n' $((${#script} + 1)) "$script"; fi
      printf 'M 100644 inline delay\ndata %d\n%s\n' $((${#delay} + 1)) "$delay"
      printf 'M 100644 inline counter\ndata %d\n%s\n\n' $((${#i} + 1)) "$i"
    done
  } | git -C "$dir" fast-import --quiet
  git -C "$dir" reset -q --hard main
}

echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ), nproc $(nproc), $("$BIN" --version), $(git --version)$([[ $have_hyperfine == 1 ]] && echo ", $(hyperfine --version)"), load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?)"
echo "== history: $N commits after good, the slowdown at commit $AT (WORK=$WORK: $FAST -> $SLOW); LOAD=$LOAD after ${LOAD_AFTER} s; hyperfine --runs $RUNS"
printf '%-8s %-6s %7s %9s %8s\n' tool repeat probed seconds correct
rows="$results/rows.tsv"
: > "$rows"
for ((r = 1; r <= REPEATS; r++)); do
  repo="$work/repo-$r"
  make_history "$repo"
  good=$(git -C "$repo" rev-list --max-parents=0 main)
  truth=$(git -C "$repo" rev-list --reverse main | sed -n "$((AT + 1))p")

  start=$(now)
  hogs_start
  (cd "$repo" && "$BIN" bisect --good "$good" --bad HEAD "sh work.sh" --json > "$results/perfloop-$r.json" 2> "$results/perfloop-$r.err") || true
  hogs_stop
  secs=$(since "$start")
  read -r measured answer < <("$bun" -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(r.measured_commits ?? "?", r.first_slow_commit ?? "none")' "$results/perfloop-$r.json" 2>/dev/null || echo "? none")
  correct=$([[ $answer == "$truth" ]] && echo yes || echo no)
  printf '%-8s %-6s %7s %9s %8s\n' perfloop "$r" "$measured" "$secs" "$correct"
  printf 'perfloop\t%s\t%s\t%s\t%s\n' "$r" "$measured" "$secs" "$correct" >> "$rows"

  [[ $have_hyperfine == 1 ]] || continue
  clone="$work/clone-$r"
  git clone -q "$repo" "$clone"
  start=$(now)
  hogs_start
  mean_of() { hyperfine --runs "$RUNS" --warmup 1 --export-json "$1" "sh work.sh" >/dev/null 2>&1; "$bun" -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results[0].mean)' "$1"; }
  git -C "$clone" checkout -q "$good"
  good_mean=$(cd "$clone" && mean_of "$work/good-$r.json")
  git -C "$clone" checkout -q main
  bad_mean=$(cd "$clone" && mean_of "$work/bad-$r.json")
  limit=$(awk -v g="$good_mean" -v b="$bad_mean" 'BEGIN { printf "%.6f", sqrt(g * b) }')
  cat > "$work/check-$r.sh" <<EOF
#!/bin/sh
# Slow (exit 1) when hyperfine's mean is above $limit s, the midpoint of good and bad.
hyperfine --runs $RUNS --warmup 1 --export-json "$work/at.json" "sh work.sh" >/dev/null 2>&1 || exit 125
mean=\$("$bun" -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results[0].mean)' "$work/at.json")
awk -v m="\$mean" -v t="$limit" 'BEGIN { exit (m > t) }'
EOF
  chmod +x "$work/check-$r.sh"
  git -C "$clone" bisect start main "$good" >/dev/null
  git -C "$clone" bisect run "$work/check-$r.sh" > "$results/git-$r.log" 2>&1 || true
  hogs_stop
  secs=$(since "$start")
  found=$(git -C "$clone" rev-parse -q --verify refs/bisect/bad || echo none)
  # The commits check.sh judged: one "git bisect good|bad|skip <sha>" line each in git bisect log (the ends come on the start line).
  measured=$(git -C "$clone" bisect log | grep -cE '^git bisect (good|bad|skip) [0-9a-f]{40}$' || true)
  correct=$([[ $found == "$truth" ]] && echo yes || echo no)
  printf '%-8s %-6s %7s %9s %8s\n' git "$r" "$measured" "$secs" "$correct"
  printf 'git\t%s\t%s\t%s\t%s\n' "$r" "$measured" "$secs" "$correct" >> "$rows"
  git -C "$clone" bisect reset -q >/dev/null 2>&1 || true
done

echo
echo "== medians over $REPEATS repeats"
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR == 0 ? "?" : v[int((NR + 1) / 2)]) }'; }
for tool in perfloop git; do
  grep -q "^$tool"$'\t' "$rows" || continue
  probed=$(awk -F'\t' -v t="$tool" '$1 == t { print $3 }' "$rows" | median)
  secs=$(awk -F'\t' -v t="$tool" '$1 == t { print $4 }' "$rows" | median)
  ok=$(awk -F'\t' -v t="$tool" '$1 == t && $5 == "yes"' "$rows" | wc -l)
  printf '%-8s probed %s commits, %s s, correct %d/%d\n' "$tool" "$probed" "$secs" "$ok" "$REPEATS"
done
echo
echo "Raw data: $results"
