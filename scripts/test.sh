#!/usr/bin/env bash
# The whole test suite, as CI runs it (`npm test`): type check, the unit and integration tests
# under Bun and (with the scenarios) under Deno from source, the build, then the scenarios and
# end-to-end tests against the compiled binary.
# Ends with one plain line "N passed, N failed" holding the real totals.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
export NO_COLOR=1
passed=0
failed=0
log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT

step() { printf '\n=== %s\n' "$*"; }

# A check that is not a test runner (type check, build) counts as one test.
check() {
  local name=$1; shift
  step "$name"
  if "$@"; then passed=$((passed + 1)); echo "ok: $name"; else failed=$((failed + 1)); echo "FAILED: $name"; fi
}

# bun test prints " N pass" / " N fail" on stderr.
bun_suite() {
  local name=$1; shift
  step "$name"
  local log="$log_dir/$(echo "$name" | tr -c 'a-z0-9' '_').log"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local p f
  p=$(grep -E '^\s*[0-9]+ pass$' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  f=$(grep -E '^\s*[0-9]+ fail$' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  passed=$((passed + p)); failed=$((failed + f))
  if [[ $rc -ne 0 && $f -eq 0 ]]; then failed=$((failed + 1)); echo "FAILED: $name exited $rc"; fi
}

# deno test prints "ok | N passed | N failed" (or "FAILED | ...").
deno_suite() {
  local name=$1; shift
  step "$name"
  local log="$log_dir/$(echo "$name" | tr -c 'a-z0-9' '_').log"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local summary p f
  summary=$(sed -E 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '(ok|FAILED) \| [0-9]+ passed' | tail -1)
  p=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
  f=$(echo "$summary" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || echo 0)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  if [[ $rc -ne 0 && ${f:-0} -eq 0 ]]; then failed=$((failed + 1)); echo "FAILED: $name exited $rc"; fi
}

# The whole suite must stay under 15 minutes on 2 cores (CI's limit): the runs that judge timings
# go one at a time, the others two at a time (--parallel: a file per worker process).
#
# e2e files that measure and judge speed (a loaded core moves their verdicts): run alone, in order.
E2E_TIMED=(execute run rules-run function-run endpoint-run bisect-targets target-metric guardrails one-figure report-html)
timed=()
others=()
for file in tests/e2e/*.test.ts; do
  name=$(basename "$file" .test.ts)
  if [[ " ${E2E_TIMED[*]} " == *" $name "* ]]; then timed+=("$file"); else others+=("$file"); fi
done

check "type check (tsc --noEmit)" tsc --noEmit -p .
# Unit and integration tests from source under Bun; the scenarios run against the binary below.
PERFLOOP_EXPECT_RUNTIME=bun bun_suite "tests under Bun (source)" bun test tests/unit tests/integration
# Deno's --parallel runs files in threads of one process, whose children's CPU time and memory
# are counted together: the integration tests that measure them run one at a time, after the rest.
# So does durable-write: a child forked by another thread holds copies of its open files on the
# tmpfs until it execs, and a remount read-only with a file open for writing is refused (EBUSY);
# and cpu-profile, whose real deno profile of a 100 ms function got 12 samples on a loaded core.
DENO_ALONE=(ab-sampler command-target cpu-profile cpu-wait durable-write peak-memory spawn)
deno_alone=()
deno_together=(tests/unit tests/scenarios)
for file in tests/integration/*.test.ts; do
  name=$(basename "$file" .test.ts)
  if [[ " ${DENO_ALONE[*]} " == *" $name "* ]]; then deno_alone+=("$file"); else deno_together+=("$file"); fi
done
PERFLOOP_EXPECT_RUNTIME=deno deno_suite "tests under Deno (source), in parallel" deno test -A --no-check --parallel "${deno_together[@]}"
PERFLOOP_EXPECT_RUNTIME=deno deno_suite "tests under Deno (source) that measure children, one at a time" deno test -A --no-check "${deno_alone[@]}"
check "build (npm run build)" npm run --silent build
if [[ -x dist/perfloop ]]; then
  PERFLOOP_BIN="$PWD/dist/perfloop" PERFLOOP_EXPECT_RUNTIME=bun bun_suite "scenarios and e2e against dist/perfloop, two at a time" bun test --parallel=2 tests/scenarios "${others[@]}"
  PERFLOOP_BIN="$PWD/dist/perfloop" PERFLOOP_EXPECT_RUNTIME=bun bun_suite "e2e that judge timings, against dist/perfloop, one at a time" bun test "${timed[@]}"
fi

echo
echo "${passed} passed, ${failed} failed"
[[ $failed -eq 0 ]]
