#!/usr/bin/env bash
# Time to a result (docs/benchmarks.md, "Test runs"): a `perfloop run` with 8 hypotheses (5 real
# gains, 2 test breakers, 1 no-op) on a generated project whose test suite takes SUITE_S seconds.
# The suite records a checksum of the tree it ran in and how long it took (in a directory given
# with --allow-write), so the bench counts, from outside perfloop, every test run and every
# distinct tree tested. The minimum a run can cost is one test run per distinct tree (its first
# run's time; a breaker's fails fast) plus the measured rounds (read from report.json); the ratio is
# the run's wall time against that minimum. Goal: within 1.3x.
# Usage: bash bench/test-runs/run.sh      (env: REPEATS=3, SUITE_S=5, BIN=dist/perfloop)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib.sh"
bin="${BIN:-$bench_root/dist/perfloop}"
[[ -x "$bin" ]] || { echo "missing $bin; run npm run build first" >&2; exit 2; }
repeats="${REPEATS:-3}"
suite_s="${SUITE_S:-5}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
results="$here/results/$stamp"
mkdir -p "$results"
echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ), nproc $(nproc), $("$bin" --version), suite ${suite_s} s, load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?)"

make_project() {
  local dir=$1
  mkdir -p "$dir"
  for name in a b c d e; do
    printf 'i=0; while [ $i -lt 6000 ]; do i=$((i + 1)); done; echo %s $i\n' "$name" >"$dir/$name.sh"
  done
  printf 'for part in a b c d e; do sh "$part.sh"; done\n' >"$dir/work.sh"
  printf 'add() { echo $(($1 + $2)); }\nmul() { echo $(($1 * $2)); }\n' >"$dir/lib.sh"
  printf '# The project\n' >"$dir/README.md"
  cat >"$dir/test.sh" <<'TEST'
#!/bin/sh
# The suite: checks every part and the library, then takes SUITE_S seconds as a real suite would.
tree=$(cat ./*.sh ./README.md | cksum | tr ' ' '-')
start=$(date +%s%N)
trap 'echo "$tree $(( ($(date +%s%N) - start) / 1000000 ))" >>"$BENCH_LOG/trees"' EXIT
for part in a b c d e; do [ "$(sh "$part.sh")" = "$part 6000" ] || { echo "not ok - $part.sh prints $part 6000"; exit 1; }; done
. ./lib.sh
[ "$(add 2 3)" = 5 ] || { echo "not ok - add 2 3 is 5"; exit 1; }
[ "$(mul 2 3)" = 6 ] || { echo "not ok - mul 2 3 is 6"; exit 1; }
sleep "${SUITE_S:-5}"
echo ok
TEST
  local edits="" sep=""
  for name in a b c d e; do
    edits="$edits$sep{\"id\":\"G$name\",\"description\":\"no loop in $name.sh\",\"evidence\":\"the loop\",\"change\":{\"kind\":\"edit\",\"file\":\"$name.sh\",\"search\":\"i=0; while [ \$i -lt 6000 ]; do i=\$((i + 1)); done\",\"replace\":\"i=6000\"}}"
    sep=","
  done
  cat >"$dir/hypotheses.json" <<JSON
{"version":1,"hypotheses":[$edits,
{"id":"B1","description":"add without the shell","evidence":"none","change":{"kind":"edit","file":"lib.sh","search":"add() { echo \$((\$1 + \$2)); }","replace":"add() { echo \$1\$2; }"}},
{"id":"B2","description":"mul by addition","evidence":"none","change":{"kind":"edit","file":"lib.sh","search":"mul() { echo \$((\$1 * \$2)); }","replace":"mul() { echo \$((\$1 + \$2)); }"}},
{"id":"N1","description":"a better README","evidence":"none","change":{"kind":"edit","file":"README.md","search":"# The project","replace":"# The project, explained"}}
]}
JSON
  (cd "$dir" && git init -q -b main && git add -A && git -c user.name=bench -c user.email=bench@example.com commit -qm base)
}

for i in $(seq 1 "$repeats"); do
  root="$(mktemp -d "${TMPDIR:-/tmp}/perfloop-test-runs-XXXXXX")"
  make_project "$root/project"
  mkdir -p "$root/log"
  start=$(date +%s%N)
  (cd "$root/project" && BENCH_LOG="$root/log" SUITE_S="$suite_s" "$bin" run "sh work.sh" --test "sh test.sh" --hypotheses hypotheses.json --allow-write "$root/log" --max-cycles 1 --slug bench --yes --json >"$results/run-$i.json" 2>"$results/run-$i.err") || true
  echo $(( ($(date +%s%N) - start) / 1000 )) >"$results/run-$i.wall-us"
  cp "$root/log/trees" "$results/run-$i.trees"
  cp "$root/project/.hex-skills/optimization/bench/report.json" "$results/run-$i.report.json"
  rm -rf "$root"
done
"$bun" "$here/report.ts" "$results"
