#!/usr/bin/env bash
# Side work tree benchmark: perfloop's materialize (src/git/materialize.ts, isomorphic-git reads,
# parallel writes) against `git worktree add` (goal: perfloop at most 1.5x), with
# `git archive | tar -x` for reference, on a 2,000-file repository made by make-repo.sh.
# Every run starts from an empty target and a flushed page cache (hyperfine --prepare removes
# the previous tree, then runs `sync`, so one run's writeback does not land in the next).
# hyperfine runs all runs of one command before the next, so on a shared machine the load can
# drift between rows: the whole set is run ROUNDS times and the ratio is the median of the
# rounds' ratios. Prints medians, ratios, and the in-process time of materialize alone.
# Usage: bash bench/worktree/run.sh
#   env: RUNS=15 WARMUP=3 ROUNDS=3 LAYOUT=packed|loose (default packed, as a clone is)
#        WITH_DENO=1 (adds the same driver under deno)  BENCH_TMP=<dir> (default: mktemp -d)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib.sh"
root="$bench_root"
runs="${RUNS:-15}"
warmup="${WARMUP:-3}"
rounds="${ROUNDS:-3}"
layout="${LAYOUT:-packed}"

require_hyperfine N
[[ -x "$bun" ]] || { echo "missing $bun; run npm install first" >&2; exit 2; }
command -v git >/dev/null 2>&1 || { echo "git not found; install it with: apt-get install -y git" >&2; exit 2; }

tmp="$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/perfloop-worktree.XXXXXX")"
cleanup() { git -C "$tmp/repo" worktree prune 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

echo "== making a 2,000-file repository ($layout) in $tmp/repo"
bash "$here/make-repo.sh" "$tmp/repo" "$layout"
echo "   $(git -C "$tmp/repo" ls-files | wc -l) tracked entries, .git $(du -sh "$tmp/repo/.git" | cut -f1)"

# One checked run: perfloop's tree must equal git's, byte for byte, modes and links included.
"$bun" "$here/driver.ts" "$tmp/repo" "$tmp/check-perfloop"
git -C "$tmp/repo" worktree add -q --detach "$tmp/check-git" HEAD
if ! diff -r --no-dereference -x .git "$tmp/check-git" "$tmp/check-perfloop" >/dev/null; then
  echo "perfloop's side tree differs from git worktree add's" >&2
  exit 1
fi
modes() { (cd "$1" && find . -path ./.git -prune -o -printf '%y %m %p\n' | sort); }
if [[ "$(modes "$tmp/check-git")" != "$(modes "$tmp/check-perfloop")" ]]; then
  echo "perfloop's side tree has other file types or modes than git worktree add's" >&2
  exit 1
fi
rm -rf "$tmp/check-perfloop" "$tmp/check-git"
git -C "$tmp/repo" worktree prune
echo "   checked: identical to git worktree add (bytes, types, modes)"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
results="$here/results/$stamp"
mkdir -p "$results"
echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ), nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?), bun $("$bun" --version), $(git --version), $(hyperfine --version), tmp on $(df --output=fstype "$tmp" 2>/dev/null | tail -1)"

commands=(
  --command-name "git worktree add" --prepare "sh -c 'rm -rf $tmp/wt-git $tmp/repo/.git/worktrees && sync'"
  "git -C $tmp/repo worktree add -q --detach $tmp/wt-git HEAD"
  --command-name "perfloop materialize (bun)" --prepare "sh -c 'rm -rf $tmp/wt-perfloop && sync'"
  "$bun $here/driver.ts $tmp/repo $tmp/wt-perfloop"
  --command-name "git archive | tar -x" --prepare "sh -c 'rm -rf $tmp/wt-tar && sync'"
  "sh -c 'mkdir $tmp/wt-tar && git -C $tmp/repo archive HEAD | tar -x -C $tmp/wt-tar'"
  --command-name "perfloop startup only (bun)" --prepare "sync"
  "$bun $here/driver.ts --noop $tmp/repo"
)
if [[ -n "${WITH_DENO:-}" && -x "$deno" ]]; then
  commands+=(--command-name "perfloop materialize (deno)" --prepare "sh -c 'rm -rf $tmp/wt-deno && sync'"
    "$deno run -A $here/driver.ts $tmp/repo $tmp/wt-deno")
fi
for round in $(seq 1 "$rounds"); do
  echo "== round $round of $rounds: $warmup warmup + $runs runs per command (load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?))"
  hyperfine -N --style basic --warmup "$warmup" --runs "$runs" --export-json "$results/round-$round.json" "${commands[@]}" >"$results/round-$round.txt"
done

echo "== in-process: materialize alone, median of $runs (no process start, no import)"
inproc="$("$bun" "$here/driver.ts" --inproc "$tmp/repo" "$tmp" "$runs")"
echo
"$bun" "$here/report.ts" --inproc "$inproc" "$results"/round-*.json | tee "$results/report.md"
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?); raw data: $results"
